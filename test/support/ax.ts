// AX orders made directly in the sandbox, as a create that reached AX leaves them (booked by hand, or by a create
// whose answer was lost), so a reconciliation has real codes to attach.
import { AxClient } from "../../lib/ax/client";
import { planCreates } from "../../lib/ax/translate";
import { parseChannelEvent } from "../../lib/channel/schemas";
import { sampleOrderPlaced } from "../../local/samples";

/** Creates the tour AX order of the sample order `channelOrderCode` in the AX at `axUrl`; its AX order and ticket codes. */
export async function createTourInAx(
  axUrl: string,
  channelOrderCode: string,
  credentials = { apiKey: "key", channelCode: "chan" },
): Promise<{ order: string; tickets: string[] }> {
  const parsed = parseChannelEvent(sampleOrderPlaced(channelOrderCode));
  if (!parsed.ok || parsed.event.type !== "order.placed") throw new Error("the sample does not parse");
  const data = parsed.event.data;
  const [plan] = planCreates(data, new Map(data.items.flatMap((item) => (item.ax ? [[item.item_id, item.ax]] : []))));
  if (!plan) throw new Error("the sample plans no create");
  const ax = new AxClient({ baseUrl: axUrl, credentials });
  try {
    const created = await ax.createOrder(plan.product_type, plan.request);
    const option = created.options[0];
    return { order: option?.ax_order_code ?? "", tickets: option?.tickets.map((t) => t.ax_ticket_code) ?? [] };
  } finally {
    ax.close();
  }
}

// AX orders made directly in the sandbox, as a create that reached AX leaves them (booked by hand, or by a create
// whose answer was lost), so a reconciliation has real codes to attach.
import { AxClient } from "../../lib/ax/client";
import { planCreates } from "../../lib/ax/translate";
import { parseChannelEvent } from "../../lib/channel/schemas";
import type { AttachedAxOrder } from "../../lib/orders/reconcile";
import type { AxSandbox } from "../../local/ax-sandbox/server";
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

/** The sandbox fails the next create of this channel order (of one family, when given) with `status`. */
export function failNextCreate(
  sandbox: AxSandbox,
  channelOrderCode: string,
  fault: { status: number; productType?: "tour" | "day-ticket"; afterProcessing?: boolean; times?: number },
): void {
  sandbox.injectFault({
    endpoint: "create",
    channelOrderCode,
    ...(fault.productType ? { productType: fault.productType } : {}),
    kind: "status",
    status: fault.status,
    ...(fault.afterProcessing ? { afterProcessing: true } : {}),
    times: fault.times ?? 1,
  });
}

/** The codes an operator copies from AX's console for the tour AX order of the sample order `orderId`. */
export function tourCodesInAx(sandbox: AxSandbox, orderId: string): AttachedAxOrder[] {
  const tour = sandbox.listOrders({ channelOrderCode: orderId }).find((o) => o.type === "tour");
  if (!tour) throw new Error(`AX has no tour order of ${orderId}`);
  return [
    {
      item_id: `${orderId}-1`,
      ax_order_code: tour.axOrderCode,
      tickets: tour.tickets.map((t) => ({ ticket_id: t.channelCode, ax_ticket_code: t.axTicketCode })),
    },
  ];
}

// The operator's task: while the channel's lanes keep the worker busy, a support person fixes orders through the
// admin API (the console's door), on orders the worker is working on at the same moment. Each story sets up the
// situation an operator meets (with sandbox faults and mapping edits), acts, and checks every answer: what must be
// refused is refused, what is accepted must be applied (the audit then finds each story's order as it must be).
//   remap:       one family booked, the other parked for an unmapped sku; the booked item's sku remapped to the
//                other family and the placement replayed: nothing is booked twice.
//   attach:      an uncertain create; attaching another order's AX code, or one ticket code twice, is refused;
//                AX's own codes are accepted.
//   resend:      an uncertain create AX never got, resent; its answer lost again; a second resend is refused; AX's
//                codes attached.
//   resend-race: an uncertain create resent while the worker is creating the order's other family: no item lost.
//   bulk:        parked events counted, a replay with a stale count refused, the right count replayed; a replay of
//                an applied event refused.
import type { ProductType } from "../../lib/orders/model";
import type { SandboxOrder } from "../../local/ax-sandbox/server";
import { sleep, type AdminAnswer, type Channel, type StackRef } from "./channel";
import { dayTicketItem, quietOrder, tourItem, TOUR, DAY_TICKET, type PlannedOrder, type PlacedItem } from "./plan";

export interface ActionRecord {
  story: string;
  orderId: string;
  action: string;
  expected: "accepted" | "refused";
  status: number;
  message: string;
  /** The answer was the one expected. */
  ok: boolean;
}

/** What the task did, for the figures and the audit. */
export class OperatorLedger {
  readonly actions: ActionRecord[] = [];
  /** Orders the stories placed: audited with the channel's. */
  readonly orders: PlannedOrder[] = [];
  readonly stories = new Map<string, number>();
  /** A state a story waited for and never saw (e.g. the kill -9 came in between): said, not judged. */
  readonly disturbed: string[] = [];
  /** Actions answered 503 (maybe applied) and refused when tried again: said, and the order audited. */
  readonly ambiguous: string[] = [];
}

interface OrderDetail {
  status: string;
  create_calls: { product_type: ProductType; state: string }[];
  events: { webhook_id: string; status: string; reason?: string }[];
}

const RESEND = (orderId: string, family: ProductType) => `/orders/${orderId}/creates/${family}/reconcile`;

export class OperatorTask {
  readonly ledger = new OperatorLedger();
  private serial = 0;

  /** The stack's generation when the story began: a kill -9 since then took the sandbox's faults with it. */
  private storyGeneration = 0;

  constructor(
    private readonly channel: Channel,
    private readonly stack: StackRef,
    private readonly runId: string,
  ) {}

  /** Runs `rounds` rounds of every story, one story at a time. */
  async run(rounds: number): Promise<void> {
    for (let round = 1; round <= rounds; round++) {
      const stories = [
        () => this.remap(),
        () => this.attach(),
        () => this.resend(),
        () => this.resendRace(),
        () => this.bulk(),
      ];
      for (const story of stories) {
        this.storyGeneration = this.stack.generation;
        try {
          await story();
        } catch (error) {
          this.ledger.disturbed.push((error as Error).message);
        }
      }
    }
  }

  // ---- the stories ------------------------------------------------------------------------------------------

  private async remap(): Promise<void> {
    const id = this.nextId("REMAP");
    const [skuA, skuB] = [`${id}-SKU-A`, `${id}-SKU-B`];
    await this.act("remap", id, "add the tour mapping", "accepted", "POST", "/mappings", { sku: skuA, ...TOUR });
    await this.act("remap", id, "add the day-ticket mapping", "accepted", "POST", "/mappings", {
      sku: skuB,
      ...DAY_TICKET,
    });
    const items = [bySku(tourItem(`${id}-1`, 2, "50000"), skuA), bySku(dayTicketItem(`${id}-2`, 1, "30000"), skuB)];
    const order = this.story(id, "remap", items, { families: { [`${id}-1`]: "tour", [`${id}-2`]: "day-ticket" } });
    // The day-ticket create keeps failing (AX unavailable): the tour is booked, the event retried. AX stays
    // unavailable until the placement is parked: a retry that read the day-ticket's mapping before its removal
    // must meet the outage again, not book the day ticket (seen at 24 senders: the story then never parked).
    const outage = await this.fault({ channelOrderCode: id, productType: "day-ticket", kind: "status", status: 503 });
    let placementId: string;
    try {
      placementId = await this.channel.deliver(order.payload, undefined, id);
      await this.until(id, "the tour booked, the day-ticket failing", (o) => callState(o, "tour") === "created");
      await this.act("remap", id, "remove the day-ticket's mapping", "accepted", "DELETE", `/mappings/${skuB}`);
      await this.until(id, "the placement parked for the unmapped sku", (o) =>
        o.events.some((e) => e.webhook_id === placementId && e.status === "failed" && e.reason === "unmapped_sku"),
      );
    } finally {
      await this.channel.sandbox(`faults/${outage}`, "DELETE");
    }
    await this.act(
      "remap",
      id,
      "map the booked tour's sku to the day-ticket family",
      "accepted",
      "PUT",
      `/mappings/${skuA}`,
      {
        ...DAY_TICKET,
      },
    );
    await this.act("remap", id, "map the day-ticket's sku again", "accepted", "POST", "/mappings", {
      sku: skuB,
      ...DAY_TICKET,
    });
    await this.act("remap", id, "replay the placement", "accepted", "POST", `/events/${placementId}/replay`);
    await this.until(id, "the order placed", (o) => o.status === "placed");
  }

  private async attach(): Promise<void> {
    const bystander = await this.placedBystander("attach");
    const id = this.nextId("ATTACH");
    const order = this.story(id, "attach", twoFamilies(id), {
      mayBeUncertain: { tour: "the sandbox dropped the create's answer after creating the order" },
    });
    await this.fault({
      channelOrderCode: id,
      productType: "tour",
      kind: "drop",
      afterProcessing: true,
      times: 1,
    });
    await this.channel.deliver(order.payload, undefined, id);
    await this.until(id, "the tour create uncertain", (o) => callState(o, "tour") === "uncertain");
    const mine = (await this.axOrders(id)).find((o) => o.type === "tour");
    const theirs = (await this.axOrders(bystander)).find((o) => o.type === "tour");
    if (!mine || !theirs) {
      this.ledger.disturbed.push(`${id}: AX has no tour order to attach`);
      return;
    }
    const ticketIds = order.payload.data.items[0]?.tickets?.map((t) => t.ticket_id) ?? [];
    const attachment = (axOrder: SandboxOrder, ticketCode: (index: number) => string) => ({
      kind: "attach",
      ax_orders: [
        {
          item_id: `${id}-1`,
          ax_order_code: axOrder.axOrderCode,
          tickets: ticketIds.map((ticketId, index) => ({ ticket_id: ticketId, ax_ticket_code: ticketCode(index) })),
        },
      ],
    });
    const code = (axOrder: SandboxOrder, index: number) => axOrder.tickets[index]?.axTicketCode ?? "";
    await this.act("attach", id, "attach another order's AX order", "refused", "POST", RESEND(id, "tour"), {
      ...attachment(theirs, (index) => code(theirs, index)),
    });
    await this.act("attach", id, "attach one AX ticket code to two tickets", "refused", "POST", RESEND(id, "tour"), {
      ...attachment(mine, () => code(mine, 0)),
    });
    await this.act("attach", id, "attach AX's codes", "accepted", "POST", RESEND(id, "tour"), {
      ...attachment(mine, (index) => code(mine, index)),
    });
    await this.until(id, "the order placed", (o) => o.status === "placed");
  }

  private async resend(): Promise<void> {
    const id = this.nextId("RESEND");
    const order = this.story(id, "resend", twoFamilies(id), {
      mayBeUncertain: { tour: "the sandbox dropped the create (AX never got it), then the resent create's answer" },
    });
    await this.fault({ channelOrderCode: id, productType: "tour", kind: "drop", times: 1 });
    await this.channel.deliver(order.payload, undefined, id);
    await this.until(id, "the tour create uncertain", (o) => callState(o, "tour") === "uncertain");
    if ((await this.axOrders(id)).some((o) => o.type === "tour")) {
      this.ledger.disturbed.push(`${id}: AX got the tour create the sandbox was to drop`);
      return;
    }
    // The resent create's answer is lost too, after AX created it.
    await this.fault({ channelOrderCode: id, productType: "tour", kind: "drop", afterProcessing: true, times: 1 });
    await this.act("resend", id, "resend the create AX never got", "accepted", "POST", RESEND(id, "tour"), {
      kind: "resend",
    });
    await this.until(id, "the resent create uncertain", (o) => callState(o, "tour") === "uncertain");
    await this.act("resend", id, "resend the same create a second time", "refused", "POST", RESEND(id, "tour"), {
      kind: "resend",
    });
    const tours = (await this.axOrders(id)).filter((o) => o.type === "tour");
    const [axOrder] = tours;
    if (tours.length !== 1 || !axOrder) {
      this.ledger.disturbed.push(`${id}: AX has ${tours.length} tour orders after one resend`);
      return;
    }
    await this.act("resend", id, "attach AX's codes of the resent create", "accepted", "POST", RESEND(id, "tour"), {
      kind: "attach",
      ax_orders: [
        {
          item_id: `${id}-1`,
          ax_order_code: axOrder.axOrderCode,
          tickets: axOrder.tickets.map((t) => ({ ticket_id: t.channelCode, ax_ticket_code: t.axTicketCode })),
        },
      ],
    });
    await this.until(id, "the order placed", (o) => o.status === "placed");
  }

  private async resendRace(): Promise<void> {
    const id = this.nextId("RACE");
    const order = this.story(id, "resend-race", twoFamilies(id), {
      mayBeUncertain: { tour: "the sandbox dropped the create (AX never got it)" },
    });
    // The tour's create is lost before AX; the day-ticket's first create is refused for now (503: retried), and
    // its retry takes 3 s: the resend lands while the worker is creating it.
    await this.fault({ channelOrderCode: id, productType: "tour", kind: "drop", times: 1 });
    await this.fault({ channelOrderCode: id, productType: "day-ticket", kind: "status", status: 503, times: 1 });
    await this.fault({ channelOrderCode: id, productType: "day-ticket", kind: "latency", latencyMs: 3_000, times: 1 });
    await this.channel.deliver(order.payload, undefined, id);
    await this.until(
      id,
      "the tour uncertain while the day-ticket is being created",
      (o) => callState(o, "tour") === "uncertain" && callState(o, "day-ticket") === "pending",
      60_000,
      100,
    );
    await this.act(
      "resend-race",
      id,
      "resend the tour while the worker creates the day-ticket",
      "accepted",
      "POST",
      RESEND(id, "tour"),
      {
        kind: "resend",
      },
    );
    await this.until(id, "the order placed", (o) => o.status === "placed");
  }

  private async bulk(): Promise<void> {
    const from = new Date().toISOString();
    const id = this.nextId("BULK");
    const sku = `${id}-SKU`;
    const ids = [1, 2, 3].map((n) => `${id}-${n}`);
    const orders = ids.map((orderId) =>
      this.story(orderId, "bulk", [bySku(tourItem(`${orderId}-1`, 1, "40000"), sku)], {
        families: { [`${orderId}-1`]: "tour" },
      }),
    );
    await Promise.all(orders.map((order) => this.channel.deliver(order.payload, undefined, order.orderId)));
    for (const orderId of ids)
      await this.until(orderId, "the placement parked for the unmapped sku", (o) =>
        o.events.some((e) => e.status === "failed" && e.reason === "unmapped_sku"),
      );
    // The admin API's bulk replay: a count answers a token naming exactly the events counted; the replay sends it back.
    const filter = { reason: "unmapped_sku", from };
    const counted = await this.act("bulk", id, "count the parked events", "accepted", "POST", "/events/replay", filter);
    const count = typeof counted.count === "number" ? counted.count : 0;
    const token = typeof counted.confirm === "string" ? counted.confirm : "";
    if (count !== ids.length) this.ledger.disturbed.push(`${id}: ${count} parked event(s) counted, ${ids.length} sent`);
    await this.act("bulk", id, "replay with a token that names other events", "refused", "POST", "/events/replay", {
      ...filter,
      confirm: `${count + 1}-${"0".repeat(16)}`,
    });
    await this.act("bulk", id, "add the missing mapping", "accepted", "POST", "/mappings", { sku, ...TOUR });
    await this.act("bulk", id, "replay them all", "accepted", "POST", "/events/replay", { ...filter, confirm: token });
    for (const orderId of ids) await this.until(orderId, "the order placed", (o) => o.status === "placed");
    const [first] = ids;
    const applied = first ? (await this.detail(first))?.events.find((e) => e.status === "applied") : undefined;
    if (applied)
      await this.act("bulk", id, "replay an applied event", "refused", "POST", `/events/${applied.webhook_id}/replay`);
  }

  // ---- helpers --------------------------------------------------------------------------------------------------

  private nextId(kind: string): string {
    this.serial++;
    return `OP-${this.runId}-${kind}-${this.serial}`;
  }

  private story(
    orderId: string,
    name: string,
    items: PlacedItem[],
    expectations: Omit<NonNullable<PlannedOrder["story"]>, "name">,
  ): PlannedOrder {
    const order = quietOrder(orderId, items, { name, ...expectations });
    this.ledger.orders.push(order);
    this.ledger.stories.set(name, (this.ledger.stories.get(name) ?? 0) + 1);
    return order;
  }

  /** An order placed without trouble, whose AX codes a careless attach could name. */
  private async placedBystander(story: string): Promise<string> {
    const id = this.nextId("PLAIN");
    const order = this.story(id, `${story} (bystander)`, twoFamilies(id), {});
    await this.channel.deliver(order.payload, undefined, id);
    await this.until(id, "the bystander placed", (o) => o.status === "placed");
    return id;
  }

  /** An admin action, its answer checked against what it must be. Returns the answer's body. */
  private async act(
    story: string,
    orderId: string,
    action: string,
    expected: "accepted" | "refused",
    method: string,
    path: string,
    body?: unknown,
  ): Promise<AdminAnswer> {
    this.assertUndisturbed(orderId);
    // A 503 says the action may or may not have been applied (DynamoDB or AX did not answer): a person tries again.
    let answer = await this.channel.admin(method, path, body);
    let unavailable = 0;
    while (answer.status === 503 && unavailable < 5) {
      unavailable++;
      await sleep(2_000);
      answer = await this.channel.admin(method, path, body);
    }
    const accepted = answer.status >= 200 && answer.status < 300;
    // A refusal names its reason: 400 (bad input), 409 (no longer applies), 422. A 404 is a wrong route or id, never
    // one of the stories' refusals; a 5xx is neither an acceptance nor a refusal.
    const refused = [400, 409, 422].includes(answer.status);
    // Refused after a 503: the first try may have been applied, and the retry refused for that; the audit judges the
    // order's end state.
    const ambiguous = expected === "accepted" && refused && unavailable > 0;
    if (ambiguous) this.ledger.ambiguous.push(`${orderId}: "${action}" answered 503, then ${answer.status}`);
    this.ledger.actions.push({
      story,
      orderId,
      action,
      expected,
      status: answer.status,
      message: answer.body.message ?? "",
      ok: ambiguous || (expected === "accepted" ? accepted : refused),
    });
    return answer.body;
  }

  /** A story the kill -9 cut (its faults gone, its order's state moved on) is said and left to the audit. */
  private assertUndisturbed(orderId: string): void {
    if (this.stack.generation !== this.storyGeneration)
      throw new Error(`${orderId}: the stack was killed and restarted during the story (its sandbox faults are gone)`);
  }

  private async fault(spec: Record<string, unknown>): Promise<string> {
    const answer = await this.channel.sandbox("faults", "POST", { endpoint: "create", ...spec });
    return ((await answer.json()) as { id: string }).id;
  }

  private async axOrders(orderId: string): Promise<SandboxOrder[]> {
    return (await (await this.channel.sandbox(`orders?channel_order_code=${orderId}`, "GET")).json()) as SandboxOrder[];
  }

  private async detail(orderId: string): Promise<OrderDetail | undefined> {
    const answer = await this.channel.admin("GET", `/orders/${orderId}`);
    return answer.status === 200 ? (answer.body as unknown as OrderDetail) : undefined;
  }

  /** Polls the order until `done`; stops the story (said, not judged: the audit judges the order) if it never is. */
  private async until(
    orderId: string,
    what: string,
    done: (order: OrderDetail) => boolean,
    timeoutMs = 600_000,
    everyMs = 250,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      this.assertUndisturbed(orderId);
      const order = await this.detail(orderId);
      if (order && done(order)) return;
      await sleep(everyMs);
    }
    throw new Error(`${orderId}: never saw ${what}`);
  }
}

const callState = (order: OrderDetail, family: ProductType) =>
  order.create_calls.find((call) => call.product_type === family)?.state;

function bySku(item: PlacedItem, sku: string): PlacedItem {
  const { ax: _named, ...rest } = item;
  return { ...rest, sku };
}

const twoFamilies = (id: string) => [tourItem(`${id}-1`, 2, "50000"), dayTicketItem(`${id}-2`, 1, "30000")];

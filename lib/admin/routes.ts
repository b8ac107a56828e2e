// The admin API's routes: each names its input and output schemas (what the OpenAPI document shows and what the
// edge checks) and the use case it runs. lib/admin/http.ts serves them; lib/admin/openapi.ts describes them.
import * as v from "valibot";
import type { ProductType } from "../orders/model";
import { unsafeTextProblem } from "../text-safety";
import * as admin from "./service";
import {
  ActionResultSchema,
  AttentionSchema,
  AuditPageSchema,
  AuditQuerySchema,
  BulkReplayRequestSchema,
  BulkReplayResultSchema,
  DeadLetterListSchema,
  DismissRequestSchema,
  EventDetailSchema,
  EventPageSchema,
  ImportReportSchema,
  ImportRequestSchema,
  MappingBodySchema,
  MappingEditSchema,
  MappingRemovalSchema,
  MappingPageSchema,
  MappingQuerySchema,
  MappingSchema,
  NewMappingSchema,
  NotificationPageSchema,
  OrderDetailSchema,
  OrderPageSchema,
  OrderSearchQuerySchema,
  PageQuerySchema,
  EventListQuerySchema,
  ReconcileRequestSchema,
  UncertainPageSchema,
  WhoAmISchema,
} from "./schemas";

export interface RouteCall {
  deps: admin.AdminDeps;
  /** The admin token's name: who is acting. */
  actor: string;
  params: Record<string, string>;
  query: unknown;
  body: unknown;
}

export interface AdminRoute {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Under /admin, with `{name}` path parameters. */
  path: string;
  summary: string;
  query?: v.GenericSchema;
  body?: v.GenericSchema;
  response: v.GenericSchema;
  /** The success status (200 unless said). */
  status?: number;
  /** Other answers the route gives besides 400 and 401. */
  errors?: number[];
  run(call: RouteCall): Promise<unknown>;
}

/** A use case's answer with a status other than the route's usual one. */
export class Answer {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}

const PRODUCT_TYPES = ["tour", "day-ticket"] as const;

function productType(value: string | undefined): ProductType {
  if (value === "tour" || value === "day-ticket") return value;
  throw new admin.AdminInputError(`the product family must be one of ${PRODUCT_TYPES.join(", ")}`);
}

/** The longest value of each path parameter (the contract's limits): longer is a 400 naming it, never a 5xx. */
const PARAM_LIMITS: Record<string, number> = {
  order_id: 128,
  webhook_id: 256,
  sku: 128,
  notification_id: 256,
  product_type: 16,
};

/** A path parameter, checked: the same length and character rules as the rest of the input. */
function param(call: RouteCall, name: string): string {
  const value = call.params[name] ?? "";
  const max = PARAM_LIMITS[name] ?? 256;
  if (value.length > max) throw new admin.AdminInputError(`${name} is longer than ${max} characters`);
  const problem = unsafeTextProblem(value);
  if (problem) throw new admin.AdminInputError(`${name} ${problem}`);
  return value;
}
const parsed = <T extends v.GenericSchema>(schema: T, value: unknown) => v.parse(schema, value);

export const adminRoutes: AdminRoute[] = [
  {
    method: "GET",
    path: "/admin/whoami",
    summary: "The name of the admin token presented (the console's log-in check)",
    response: WhoAmISchema,
    run: ({ actor }) => Promise.resolve({ name: actor }),
  },
  {
    method: "GET",
    path: "/admin/attention",
    summary: "What needs a person, with counts",
    response: AttentionSchema,
    run: ({ deps }) => admin.attention(deps),
  },
  {
    method: "GET",
    path: "/admin/orders",
    summary:
      "Orders by status and time (newest first), or by one look-up: id prefix (any case, 3 characters or more), AX order code, AX ticket code, webhook id, sku, traveler e-mail or name",
    query: OrderSearchQuerySchema,
    response: OrderPageSchema,
    run: ({ deps, query }) => admin.searchOrders(deps, parsed(OrderSearchQuerySchema, query)),
  },
  {
    method: "GET",
    path: "/admin/orders/{order_id}",
    summary:
      "One order: items, create calls, AX orders and tickets, events with payloads, status history, notifications",
    response: OrderDetailSchema,
    errors: [404],
    run: (call) => admin.orderDetail(call.deps, param(call, "order_id")),
  },
  {
    method: "POST",
    path: "/admin/orders/{order_id}/creates/{product_type}/reconcile",
    summary:
      "Resolve an uncertain create: attach AX's codes (checked with AX first), or send the create once more (once); the placement is replayed in the same write",
    body: ReconcileRequestSchema,
    response: ActionResultSchema,
    errors: [409, 503],
    run: (call) =>
      admin.reconcile(
        call.deps,
        call.actor,
        param(call, "order_id"),
        productType(call.params.product_type),
        parsed(ReconcileRequestSchema, call.body),
      ),
  },
  {
    method: "POST",
    path: "/admin/orders/{order_id}/ax-orders/{item_id}/poll-again",
    summary:
      "Poll an AX order again: the next status sync run asks AX, and it stays in the sync for another grace (409 if its status is final)",
    response: ActionResultSchema,
    errors: [404, 409],
    run: (call) => admin.pollAgain(call.deps, call.actor, param(call, "order_id"), param(call, "item_id")),
  },
  {
    method: "POST",
    path: "/admin/orders/{order_id}/notifications/{notification_id}/resend",
    summary: "Send a dead notification again (its attempts start over)",
    response: ActionResultSchema,
    errors: [404, 409],
    run: (call) =>
      admin.resendNotification(call.deps, call.actor, param(call, "order_id"), param(call, "notification_id")),
  },
  {
    method: "GET",
    path: "/admin/events",
    summary:
      "Events parked (status=failed, the default), queued, or queued too long (waiting), oldest first, by type, reason and time",
    query: EventListQuerySchema,
    response: EventPageSchema,
    run: ({ deps, query }) => admin.listEvents(deps, parsed(EventListQuerySchema, query)),
  },
  {
    method: "POST",
    path: "/admin/events/replay",
    summary:
      "Replay the parked events of a filter that a replay can help: without `confirm`, the count and a token naming exactly them",
    body: BulkReplayRequestSchema,
    response: BulkReplayResultSchema,
    errors: [409],
    run: ({ deps, actor, body }) => admin.replayMatching(deps, actor, parsed(BulkReplayRequestSchema, body ?? {})),
  },
  {
    method: "GET",
    path: "/admin/events/{webhook_id}",
    summary: "One event with its payload",
    response: EventDetailSchema,
    errors: [404],
    run: (call) => admin.eventDetailOf(call.deps, param(call, "webhook_id")),
  },
  {
    method: "POST",
    path: "/admin/events/{webhook_id}/replay",
    summary: "Replay one parked event (a placement: `plan` says which items are left as booked and which are sent)",
    response: ActionResultSchema,
    errors: [404, 409],
    run: (call) => admin.replayEvent(call.deps, call.actor, param(call, "webhook_id")),
  },
  {
    method: "POST",
    path: "/admin/events/{webhook_id}/dismiss",
    summary:
      "Give up on a parked event no replay can help (a cancellation naming what the order does not have), with a note",
    body: DismissRequestSchema,
    response: ActionResultSchema,
    errors: [404, 409],
    run: (call) =>
      admin.dismissEvent(call.deps, call.actor, param(call, "webhook_id"), parsed(DismissRequestSchema, call.body)),
  },
  {
    method: "GET",
    path: "/admin/uncertain-creates",
    summary: "AX create calls whose outcome is unknown",
    query: PageQuerySchema,
    response: UncertainPageSchema,
    run: ({ deps, query }) => admin.listUncertain(deps, parsed(PageQuerySchema, query)),
  },
  {
    method: "GET",
    path: "/admin/notifications/dead",
    summary: "Notifications given up after every attempt, with each attempt",
    query: PageQuerySchema,
    response: NotificationPageSchema,
    run: ({ deps, query }) => admin.listDeadNotifications(deps, parsed(PageQuerySchema, query)),
  },
  {
    method: "GET",
    path: "/admin/dead-letters",
    summary: "Messages in the dead-letter queue (count, and the first ones)",
    query: PageQuerySchema,
    response: DeadLetterListSchema,
    run: ({ deps, query }) => admin.listDeadLetters(deps, parsed(PageQuerySchema, query)),
  },
  {
    method: "POST",
    path: "/admin/dead-letters/redrive",
    summary: "Move every dead-letter message back to the queue",
    response: ActionResultSchema,
    run: ({ deps, actor }) => admin.redriveDeadLetters(deps, actor),
  },
  {
    method: "GET",
    path: "/admin/mappings",
    summary: "Product mappings by sku, optionally those starting with a prefix",
    query: MappingQuerySchema,
    response: MappingPageSchema,
    run: ({ deps, query }) => admin.listMappings(deps, parsed(MappingQuerySchema, query)),
  },
  {
    method: "POST",
    path: "/admin/mappings",
    summary: "Add a mapping (409 if the sku is mapped)",
    body: NewMappingSchema,
    response: MappingSchema,
    status: 201,
    errors: [409],
    run: ({ deps, actor, body }) => admin.addMapping(deps, actor, parsed(NewMappingSchema, body)),
  },
  {
    method: "PUT",
    path: "/admin/mappings/{sku}",
    summary: "Edit a mapping (404 if the sku is not mapped; 409 if `was` is given and it is not what is stored now)",
    body: MappingBodySchema,
    response: MappingSchema,
    errors: [404, 409],
    run: (call) => {
      const { was, ...mapping } = parsed(MappingEditSchema, { ...(call.body as object), sku: param(call, "sku") });
      return admin.editMapping(call.deps, call.actor, mapping, was);
    },
  },
  {
    method: "DELETE",
    path: "/admin/mappings/{sku}",
    summary: "Remove a mapping (409 if `was` is given and it is not what is stored now)",
    body: MappingRemovalSchema,
    response: ActionResultSchema,
    errors: [404, 409],
    run: (call) =>
      admin.removeMapping(call.deps, call.actor, param(call, "sku"), parsed(MappingRemovalSchema, call.body).was),
  },
  {
    method: "POST",
    path: "/admin/mappings/import",
    summary: "Import a CSV or JSON file of mappings: every row checked first, nothing written if one is wrong (422)",
    body: ImportRequestSchema,
    response: ImportReportSchema,
    errors: [422],
    run: async ({ deps, actor, body }) => {
      const report = await admin.importMappings(deps, actor, parsed(ImportRequestSchema, body));
      return report.errors.length > 0 ? new Answer(422, report) : report;
    },
  },
  {
    method: "GET",
    path: "/admin/audit",
    summary: "Operators' actions of one UTC day (newest first): who, what, when",
    query: AuditQuerySchema,
    response: AuditPageSchema,
    run: ({ deps, query }) => admin.listAudit(deps, parsed(AuditQuerySchema, query)),
  },
];

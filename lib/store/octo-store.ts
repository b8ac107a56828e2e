// DynamoDB access of the OCTO supplier API (issue #20), in the adapter's one table, with no index of its own: a
// booking's look-up items (by supplier reference, reseller reference and date), its hold on a slot and its place in
// the expiry queue are items derived from the booking and written in the same transaction as every change of it,
// conditionally on its version. docs/octo.md, "Data".
import { ConditionalCheckFailedException, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
  type BatchGetCommandOutput,
  type TransactWriteCommandInput,
} from "@aws-sdk/lib-dynamodb";
import type { StoredEvent } from "../orders/model";
import { bookingLocalDate, type OctoBookingRecord } from "../octo/booking";
import type { Holds } from "../octo/availability";
import type { ProductMapping } from "../octo/mapping";
import { eventItem } from "./dynamo-store";

type Item = Record<string, unknown>;
type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

export const octoBookingKey = (reseller: string, uuid: string) => ({
  pk: `OCTOBOOKING#${reseller}#${uuid}`,
  sk: "BOOKING",
});
const supplierRefKey = (reference: string) => ({ pk: `OCTOREF#${reference}`, sk: "REF" });
const resellerRefPk = (reseller: string, reference: string) => `OCTORREF#${reseller}#${reference}`;
const datePk = (reseller: string, localDate: string) => `OCTODATE#${reseller}#${localDate}`;
const holdPk = (axProductCode: string) => `OCTOHOLD#${axProductCode}`;
const EXPIRY_PK = "OCTOEXPIRY";
const PRODUCTS_PK = "OCTO#PRODUCTS";

/** The booking changed since it was read (another request on the same uuid): read it again. */
export class BookingMovedError extends Error {
  constructor(uuid: string) {
    super(`booking ${uuid} was changed concurrently`);
    this.name = "BookingMovedError";
  }
}

/** The uuid or supplier reference is taken (a concurrent reserve with the same uuid). */
export class BookingExistsError extends Error {
  constructor(uuid: string) {
    super(`booking ${uuid} exists`);
    this.name = "BookingExistsError";
  }
}

export interface HoldSettings {
  /** After a confirmation the units stay held this long, until AX's inventory shows the order (docs/octo.md). */
  placingGraceMs: number;
}

/** The hold a booking has on its slot's stock, if any, and until when. */
export function holdOf(booking: OctoBookingRecord, settings: HoldSettings): { until: string } | undefined {
  if (booking.state === "on_hold" && booking.expires_at) return { until: booking.expires_at };
  if (booking.state === "confirmed" && !booking.cancellation && booking.confirmed_at)
    return { until: new Date(Date.parse(booking.confirmed_at) + settings.placingGraceMs).toISOString() };
  return undefined;
}

/** The items derived from a booking (its look-ups, its hold, its place in the expiry queue). */
export function derivedItems(booking: OctoBookingRecord, settings: HoldSettings): Item[] {
  const owner = { reseller: booking.reseller, uuid: booking.uuid };
  const items: Item[] = [
    { ...supplierRefKey(booking.supplier_reference), ...owner },
    { pk: datePk(booking.reseller, bookingLocalDate(booking)), sk: booking.uuid, ...owner },
  ];
  if (booking.reseller_reference)
    items.push({ pk: resellerRefPk(booking.reseller, booking.reseller_reference), sk: booking.uuid, ...owner });
  const hold = holdOf(booking, settings);
  if (hold) {
    const units: Record<string, number> = {};
    for (const item of booking.unit_items) units[item.ax_option_code] = (units[item.ax_option_code] ?? 0) + 1;
    items.push({
      pk: holdPk(booking.product.ax_product_code),
      sk: `${booking.availability_id}#${booking.reseller}#${booking.uuid}`,
      ...owner,
      availability_id: booking.availability_id,
      units,
      until: hold.until,
      // DynamoDB's TTL removes a hold that nothing else did (a day late at most); reads ignore it from `until`.
      expires_at: Math.floor(Date.parse(hold.until) / 1000) + 3600,
    });
  }
  if (booking.state === "on_hold" && booking.expires_at)
    items.push({ pk: EXPIRY_PK, sk: `${booking.expires_at}#${booking.reseller}#${booking.uuid}`, ...owner });
  return items;
}

const keyOf = (item: Item) => `${String(item.pk)}\u0000${String(item.sk)}`;

export class OctoStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly settings: HoldSettings,
  ) {}

  async getBooking(reseller: string, uuid: string): Promise<OctoBookingRecord | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: octoBookingKey(reseller, uuid), ConsistentRead: true }),
    );
    return Item ? bookingFrom(Item) : undefined;
  }

  /** Writes a new booking with its derived items; BookingExistsError when the uuid or reference is taken. */
  async createBooking(booking: OctoBookingRecord): Promise<void> {
    const derived = derivedItems(booking, this.settings);
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.tableName,
          Item: { ...octoBookingKey(booking.reseller, booking.uuid), ...booking },
          ConditionExpression: "attribute_not_exists(pk)",
        },
      },
      ...derived.map((item) => ({
        Put: {
          TableName: this.tableName,
          Item: item,
          ...(item.sk === "REF" ? { ConditionExpression: "attribute_not_exists(pk)" } : {}),
        },
      })),
    ];
    await this.transact(items, () => new BookingExistsError(booking.uuid));
  }

  /**
   * Writes a change of a booking, conditionally on the version read (`previous.version`), with its derived items
   * (the ones it no longer has deleted) and the order-flow events it writes (each only if new).
   */
  async saveBooking(
    next: OctoBookingRecord,
    previous: OctoBookingRecord,
    events: readonly StoredEvent[] = [],
  ): Promise<void> {
    const nextItems = derivedItems(next, this.settings);
    const nextKeys = new Set(nextItems.map(keyOf));
    const removed = derivedItems(previous, this.settings).filter((item) => !nextKeys.has(keyOf(item)));
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.tableName,
          Item: { ...octoBookingKey(next.reseller, next.uuid), ...next },
          ConditionExpression: "version = :v",
          ExpressionAttributeValues: { ":v": previous.version },
        },
      },
      ...nextItems
        .filter((item) => item.sk !== "REF")
        .map((item) => ({ Put: { TableName: this.tableName, Item: item } })),
      ...removed.map((item) => ({ Delete: { TableName: this.tableName, Key: { pk: item.pk, sk: item.sk } } })),
      ...events.map((event) => ({
        Put: { TableName: this.tableName, Item: eventItem(event), ConditionExpression: "attribute_not_exists(pk)" },
      })),
    ];
    await this.transact(items, () => new BookingMovedError(next.uuid));
  }

  /** One transaction; a failed condition in it becomes the caller's conflict. */
  private async transact(items: TransactItem[], conflict: () => Error): Promise<void> {
    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      if (
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.some((reason) => reason.Code === "ConditionalCheckFailed")
      )
        throw conflict();
      throw error;
    }
  }

  /** The owner of a supplier reference. */
  async findBySupplierReference(reference: string): Promise<{ reseller: string; uuid: string } | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: supplierRefKey(reference) }));
    return Item ? { reseller: String(Item.reseller), uuid: String(Item.uuid) } : undefined;
  }

  async uuidsByResellerReference(reseller: string, reference: string): Promise<string[]> {
    return this.uuidsIn(resellerRefPk(reseller, reference));
  }

  async uuidsByDate(reseller: string, localDate: string): Promise<string[]> {
    return this.uuidsIn(datePk(reseller, localDate));
  }

  /** The bookings of these uuids, in that order (absent ones left out). */
  async getBookings(reseller: string, uuids: readonly string[]): Promise<OctoBookingRecord[]> {
    const found = new Map<string, OctoBookingRecord>();
    for (let start = 0; start < uuids.length; start += 100) {
      let keys: Item[] | undefined = uuids.slice(start, start + 100).map((uuid) => octoBookingKey(reseller, uuid));
      for (let round = 0; keys && keys.length > 0 && round < 10; round++) {
        const result: BatchGetCommandOutput = await this.doc.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } } }),
        );
        for (const item of result.Responses?.[this.tableName] ?? []) {
          const booking = bookingFrom(item);
          found.set(booking.uuid, booking);
        }
        keys = result.UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    return uuids.flatMap((uuid) => {
      const booking = found.get(uuid);
      return booking ? [booking] : [];
    });
  }

  /**
   * The units held on a product's slots whose availability ids fall in [from, to] (ids sort by local date and time),
   * live at `now`; `except` leaves one booking's own hold out (a confirmation checks the stock without it).
   */
  async holds(
    axProductCode: string,
    range: { from: string; to: string },
    now: Date,
    except?: { reseller: string; uuid: string },
  ): Promise<Holds> {
    const holds = new Map<string, Map<string, number>>();
    for await (const item of queryItems(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
      ExpressionAttributeValues: { ":pk": holdPk(axProductCode), ":from": range.from, ":to": `${range.to}\uffff` },
      ConsistentRead: true,
    })) {
      if (Date.parse(String(item.until)) <= now.getTime()) continue;
      if (except && item.reseller === except.reseller && item.uuid === except.uuid) continue;
      const slot = holds.get(String(item.availability_id)) ?? new Map<string, number>();
      for (const [code, count] of Object.entries((item.units ?? {}) as Record<string, number>))
        slot.set(code, (slot.get(code) ?? 0) + count);
      holds.set(String(item.availability_id), slot);
    }
    return holds;
  }

  /** Holds whose time ran out before `now`, oldest first (the sweeper's work). */
  async *expiredHolds(now: Date): AsyncGenerator<{ reseller: string; uuid: string }> {
    for await (const item of queryItems(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: "pk = :pk AND sk < :now",
      ExpressionAttributeValues: { ":pk": EXPIRY_PK, ":now": now.toISOString() },
      Limit: 100,
    }))
      yield { reseller: String(item.reseller), uuid: String(item.uuid) };
  }

  private async uuidsIn(pk: string): Promise<string[]> {
    const uuids: string[] = [];
    for await (const item of partition(this.doc, this.tableName, pk)) uuids.push(String(item.sk));
    return uuids;
  }
}

/** Every item a query matches, page after page. */
async function* queryItems(
  doc: DynamoDBDocumentClient,
  input: Omit<ConstructorParameters<typeof QueryCommand>[0], "ExclusiveStartKey">,
): AsyncGenerator<Item> {
  let startKey: Item | undefined;
  do {
    const page = await doc.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
    yield* page.Items ?? [];
    startKey = page.LastEvaluatedKey;
  } while (startKey);
}

const partition = (doc: DynamoDBDocumentClient, tableName: string, pk: string) =>
  queryItems(doc, {
    TableName: tableName,
    KeyConditionExpression: "pk = :pk",
    ExpressionAttributeValues: { ":pk": pk },
  });

function bookingFrom(item: Item): OctoBookingRecord {
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest as unknown as OctoBookingRecord;
}

/** For a caller that must know the difference: a conditional write lost to another writer. */
export const isConditionalFailure = (error: unknown): boolean => error instanceof ConditionalCheckFailedException;

/** The operators' OCTO product mapping: one partition, one item per product (a class apart from the bookings', so
 *  the sweeper and the sync do not carry it). */
export class OctoMappingStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async listProducts(): Promise<ProductMapping[]> {
    const products: ProductMapping[] = [];
    for await (const item of partition(this.doc, this.tableName, PRODUCTS_PK))
      products.push(item.mapping as ProductMapping);
    return products;
  }

  async putProduct(mapping: ProductMapping): Promise<void> {
    await this.doc.send(
      new PutCommand({ TableName: this.tableName, Item: { pk: PRODUCTS_PK, sk: mapping.id, mapping } }),
    );
  }

  async deleteProduct(id: string): Promise<boolean> {
    const { Attributes } = await this.doc.send(
      new DeleteCommand({ TableName: this.tableName, Key: { pk: PRODUCTS_PK, sk: id }, ReturnValues: "ALL_OLD" }),
    );
    return Attributes !== undefined;
  }
}

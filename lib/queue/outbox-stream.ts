// The outbox's reader: which records of the table's stream put an event in the queue. The same code runs on the
// Lambda's stream records in AWS and on DynamoDB Local's stream in `npm start`.
import type { DynamoDBRecord } from "aws-lambda";
import type { QueuedEvent } from "../orders/ports";
import { EVENT_SK } from "../store/keys";

export interface ForwardedRecord {
  /** The stream record's sequence number: where a retry starts again if sending fails. */
  sequenceNumber: string;
  message: QueuedEvent;
}

type Image = NonNullable<NonNullable<DynamoDBRecord["dynamodb"]>["NewImage"]>;

const text = (image: Image | undefined, name: string) => image?.[name]?.S;
const seq = (image: Image | undefined) => Number(image?.requeue_seq?.N ?? "0");

/**
 * An event is queued when it is stored (INSERT), and again when it is put back on purpose (its `requeue_seq` moves,
 * or it comes back to `queued` from a settled status). Other writes of a queued event (a cancellation recorded as
 * waiting for its placement, a failed attempt noted) queue nothing: they are not new work, and forwarding them
 * would loop.
 */
export function eventsToForward(records: readonly DynamoDBRecord[]): ForwardedRecord[] {
  const forwarded: ForwardedRecord[] = [];
  for (const record of records) {
    const change = record.dynamodb;
    const next = change?.NewImage;
    if (!change?.SequenceNumber || text(next, "sk") !== EVENT_SK || text(next, "status") !== "queued") continue;
    const previous = change.OldImage;
    const isNewWork =
      record.eventName === "INSERT" || text(previous, "status") !== "queued" || seq(previous) !== seq(next);
    if (!isNewWork) continue;
    const webhookId = text(next, "webhook_id");
    const orderId = text(next, "order_id");
    if (webhookId === undefined || orderId === undefined) continue;
    const correlationId = text(next, "correlation_id");
    forwarded.push({
      sequenceNumber: change.SequenceNumber,
      message: {
        webhook_id: webhookId,
        order_id: orderId,
        requeue_seq: seq(next),
        ...(correlationId !== undefined ? { correlation_id: correlationId } : {}),
      },
    });
  }
  return forwarded;
}

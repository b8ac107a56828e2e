// Honest triage: for each reason an event is parked (or waits), what can help it and what the operator should know.
// The admin API sends the actions with every event, and the console offers exactly those: no button that cannot
// help (a replay re-parks an uncertain create, and a cancellation of an item the order does not have forever).
import type { EventSummaryRow } from "../orders/model";

/** `replay`: apply it again (once its cause is fixed); `reconcile`: resolve its uncertain create; `dismiss`: give up on it with a note. */
export type EventAction = "replay" | "reconcile" | "dismiss";

export interface Triage {
  actions: EventAction[];
  /** What the operator should know or do first, in plain words (never "run this CLI command"). */
  hint: string;
}

/** A cancellation naming what the order does not have: the order will not gain it, so only dismissing helps. */
const cancellationOfWhatIsNot = (what: string): Triage => ({
  actions: ["dismiss"],
  hint: `The cancellation names ${what} this order does not have, so no replay can apply it. Check with the channel, then dismiss it with a note.`,
});

const PARKED: Record<string, Triage> = {
  unmapped_sku: {
    actions: ["replay", "dismiss"],
    hint: "Add the missing product mapping (Product mappings), then replay it.",
  },
  create_uncertain: {
    actions: ["reconcile"],
    hint: "AX may have created this order: look it up in AX's console, then reconcile the create. A replay would only park it again.",
  },
  unknown_item: cancellationOfWhatIsNot("an item"),
  unknown_ticket: cancellationOfWhatIsNot("a ticket"),
  ax_rejected: {
    actions: ["replay", "dismiss"],
    hint: "AX refused the request (its reasons are in the detail). Correct the product mapping or ask AX, then replay; dismiss it if it cannot be booked.",
  },
  ax_not_found: {
    actions: ["replay", "dismiss"],
    hint: "AX does not know the product or order. Correct the product mapping or ask AX, then replay; dismiss it if it cannot be booked.",
  },
  ax_auth: {
    actions: ["replay"],
    hint: "AX refused the adapter's credentials. Once the stage's AX key and channel code are right, replay it.",
  },
  ax_request_invalid: {
    actions: ["replay", "dismiss"],
    hint: "The adapter built a request AX would refuse: a defect to report. Replay it once a fix is deployed.",
  },
  invalid_payload: {
    actions: ["replay", "dismiss"],
    hint: "The stored body no longer passes the contract. Replay it once the rules accept it again; otherwise ask the channel to send it anew and dismiss this one.",
  },
};

const OTHER_PARKED: Triage = {
  actions: ["replay", "dismiss"],
  hint: "Fix the cause named in the detail, then replay it; dismiss it with a note if it can never be applied.",
};

/** What can help this event, given its status and reason. */
export function triage(event: Pick<EventSummaryRow, "status" | "reason">): Triage {
  if (event.status === "failed") return PARKED[event.reason ?? ""] ?? OTHER_PARKED;
  if (event.status === "queued") {
    if (event.reason === "waiting_for_placement")
      return {
        actions: [],
        hint: "This cancellation waits for its order's placement and is applied right after it: look at the placement instead.",
      };
    return {
      actions: ["replay"],
      hint: "Waiting in the queue longer than it should: replaying puts it back in the queue at once.",
    };
  }
  return { actions: [], hint: "" };
}

/** Whether a replay can help a parked event of this reason (a bulk replay takes only those). */
export const replayHelps = (reason: string | undefined): boolean =>
  triage({ status: "failed", reason }).actions.includes("replay");

// The local stack's start says where it is and never waits without end: a restart once stayed silent for five minutes
// until the soak gave up on it (its start-up sweep, on a big table, logged nothing while it ran).
import { afterEach, describe, expect, it, vi } from "vitest";
import { SLOW_STEP_NOTICE_MS, retryAtStart, sayWhileSlow } from "../../local/start-retry";

describe("a slow start-up step", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("says it is still running every 30 s, and stops saying so when it ends", async () => {
    vi.useFakeTimers();
    const lines: string[] = [];
    let finish: () => void = () => undefined;
    const step = sayWhileSlow(new Promise<void>((resolve) => (finish = resolve)), "the start-up sweep", (line) =>
      lines.push(line),
    );
    await vi.advanceTimersByTimeAsync(SLOW_STEP_NOTICE_MS * 2 + 1);
    expect(lines).toEqual(["still the start-up sweep after 30 s", "still the start-up sweep after 60 s"]);
    finish();
    await step;
    await vi.advanceTimersByTimeAsync(SLOW_STEP_NOTICE_MS * 3);
    expect(lines).toHaveLength(2);
  });

  it("names what the step last met, as it is when it says so (DynamoDB Local's probe)", async () => {
    vi.useFakeTimers();
    const lines: string[] = [];
    let lastProblem = "no answer yet";
    let finish: () => void = () => undefined;
    const step = sayWhileSlow(
      new Promise<void>((resolve) => (finish = resolve)),
      "waiting for DynamoDB Local (pid 7) to answer",
      (line) => lines.push(line),
      () => lastProblem,
    );
    await vi.advanceTimersByTimeAsync(SLOW_STEP_NOTICE_MS + 1);
    lastProblem = "connect ECONNREFUSED 127.0.0.1:8000";
    await vi.advanceTimersByTimeAsync(SLOW_STEP_NOTICE_MS);
    finish();
    await step;
    expect(lines).toEqual([
      "still waiting for DynamoDB Local (pid 7) to answer after 30 s (no answer yet)",
      "still waiting for DynamoDB Local (pid 7) to answer after 60 s (connect ECONNREFUSED 127.0.0.1:8000)",
    ]);
  });

  it("quick steps say nothing", async () => {
    const lines: string[] = [];
    expect(
      await retryAtStart(
        () => Promise.resolve(7),
        "creating the table",
        (line) => lines.push(line),
      ),
    ).toBe(7);
    expect(lines).toEqual([]);
  });

  it("stops being retried once the stack is stopping: its last error stands", async () => {
    const stopping = new AbortController();
    let attempts = 0;
    const step = () => {
      attempts++;
      stopping.abort();
      return Promise.reject(new Error("DynamoDB did not answer"));
    };
    await expect(retryAtStart(step, "the start-up sweep", () => undefined, stopping.signal)).rejects.toThrow(
      "DynamoDB did not answer",
    );
    expect(attempts).toBe(1);
  });
});

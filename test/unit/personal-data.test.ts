// A traveler's e-mail or phone in AX's answer is masked in the attempt log under whatever key AX puts it, as it is
// in an answer that is not JSON (lib/personal-data.ts).
import { describe, expect, it } from "vitest";
import { maskedBody } from "../../lib/orders/attempt-log";
import { maskFieldMessage, maskText } from "../../lib/personal-data";

describe("personal data in AX's answers", () => {
  const said = "no order for minji@example.com, call +82 10 1234 5678";

  it("masks an e-mail and a phone number in a text answer", () => {
    const masked = maskedBody(`<p>${said}</p>`);
    expect(masked).not.toContain("minji@example.com");
    expect(masked).not.toContain("1234 5678");
  });

  it("masks them in a JSON answer too, under a key that does not name them", () => {
    const masked = maskedBody(JSON.stringify({ detail: said, options: { 0: { tickets: [said] } } }));
    expect(masked).not.toContain("minji@example.com");
    expect(masked).not.toContain("1234 5678");
    expect(masked).toContain("m••••@example.com");
    expect(masked).toContain("no order for");
  });

  it("tells an echoed value under a personal field by its length, and keeps AX's sentence about it", () => {
    expect(maskFieldMessage("purchaser.name", "Kim Minji")).toBe("[9 characters]");
    expect(maskFieldMessage("purchaser.additional.english_name", "KIM MINJI.")).toBe("[10 characters]");
    expect(maskFieldMessage("purchaser.name", "This field may not be blank.")).toBe("This field may not be blank.");
    expect(maskFieldMessage("purchaser.email", '"minji@example" is not a valid e-mail.')).toBe("[38 characters]");
    expect(maskFieldMessage("options.0.quantity", "Ensure this value is at most 20.")).toBe(
      "Ensure this value is at most 20.",
    );
  });
});

describe("what is not a phone number", () => {
  it("keeps dates, times, UUIDs, codes and prices as they are", () => {
    for (const kept of [
      "2026-12-24T18:00:00+09:00",
      "2026-12-24",
      "af01c7c4-1637-46fb-b289-a090a9be0397",
      "AX-20261203-000123",
      "50000.00",
      "msg_2Lh8pQ1234567890",
    ])
      expect(maskText(kept)).toBe(kept);
  });

  it("masks one however it is written", () => {
    expect(maskText("call 010-1234-5678.")).toBe("call •••••••5678.");
    expect(maskText("+82 10 1234 5678")).toBe("••••••••5678");
    expect(maskText("(01012345678)")).toBe("(•••••••5678)");
  });
});

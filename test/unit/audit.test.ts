// The audit log cannot be skipped: an operator's change and its entry are one transaction (no change without its
// entry), an edit keeps the old value, and an import names its skus.
import { describe, expect, it } from "vitest";
import type { AuditEntry } from "../../lib/admin/schemas";
import * as admin from "../../lib/admin/service";
import type { MappingChange } from "../../lib/admin/service";
import type { ProductMapping } from "../../lib/orders/model";
import { mappingTransaction } from "../../lib/store/audit-items";

const mapping = (sku: string, code = "m"): ProductMapping => ({
  sku,
  product_type: "tour",
  mapping_code: code,
  option_code: "o",
});
const at = "2026-12-01T10:00:00.000Z";
const recorded: AuditEntry = { at, actor: "alice", action: "edit_mapping", target: "S-1" };

describe("an operator's change and its audit entry", () => {
  it("are one transaction: the change, conditional on what was read, and the entry", () => {
    const transaction = mappingTransaction(
      "t",
      [
        { kind: "put", mapping: mapping("S-1", "new"), was: mapping("S-1", "old") },
        { kind: "delete", was: mapping("S-2") },
        { kind: "put", mapping: mapping("S-3"), was: undefined },
      ],
      recorded,
    );
    const items = transaction.TransactItems ?? [];
    expect(items).toHaveLength(4);
    expect(items[0]?.Put).toMatchObject({ Item: { pk: "SKU#S-1", mapping_code: "new" } });
    expect(items[0]?.Put?.ExpressionAttributeValues).toMatchObject({ ":mapping_code": "old" });
    expect(items[1]?.Delete).toMatchObject({ Key: { pk: "SKU#S-2" } });
    expect(items[2]?.Put?.ConditionExpression).toBe("attribute_not_exists(pk)");
    expect(items[3]?.Put).toMatchObject({
      Item: { pk: "AUDIT#2026-12-01", actor: "alice", action: "edit_mapping" },
      ConditionExpression: "attribute_not_exists(pk)",
    });
    expect(() =>
      mappingTransaction(
        "t",
        Array.from({ length: 100 }, (_, i) => ({ kind: "delete", was: mapping(`S${i}`) }) as const),
        recorded,
      ),
    ).toThrow(/at most 99/);
  });

  /** A store that records what the use cases ask of it (the transaction itself is checked above and on DynamoDB Local). */
  function recordingStore(existing: ProductMapping[]) {
    const calls: { changes: readonly MappingChange[]; entry: AuditEntry }[] = [];
    const audits: AuditEntry[] = [];
    const store = {
      findMappings: (skus: readonly string[]) =>
        Promise.resolve(new Map(existing.filter((m) => skus.includes(m.sku)).map((m) => [m.sku, m]))),
      changeMappings: (changes: readonly MappingChange[], entry: AuditEntry) => {
        calls.push({ changes, entry });
        return Promise.resolve(true);
      },
      recordAudit: (entry: AuditEntry) => {
        audits.push(entry);
        return Promise.resolve();
      },
    } as unknown as admin.AdminStore;
    const deps = { store, clock: { now: () => new Date(at) } } as unknown as admin.AdminDeps;
    return { deps, calls, audits };
  }

  it("an edit hands the change and its entry, with the old value, to one write, and writes no entry apart", async () => {
    const { deps, calls, audits } = recordingStore([mapping("S-1", "old")]);
    await admin.editMapping(deps, "alice", mapping("S-1", "new"));
    expect(calls).toEqual([
      {
        changes: [{ kind: "put", mapping: mapping("S-1", "new"), was: mapping("S-1", "old") }],
        entry: {
          at,
          actor: "alice",
          action: "edit_mapping",
          target: "S-1",
          detail: "tour new / o",
          old_value: "tour old / o",
        },
      },
    ]);
    expect(audits).toEqual([]);
  });

  it("an import names its skus, and the old value of each it changes, in the entry of each transaction", async () => {
    const { deps, calls } = recordingStore([mapping("B", "old")]);
    const content = ["sku,product_type,mapping_code,option_code", "A,tour,m,o", "B,tour,new,o"].join("\n");
    await admin.importMappings(deps, "bob", { format: "csv", content });
    expect(calls.map((call) => call.entry)).toEqual([
      {
        at,
        actor: "bob",
        action: "import_mappings",
        target: "2 mapping(s)",
        detail: "added A; changed B",
        old_value: "B: tour old / o",
      },
    ]);
    const many = [
      "sku,product_type,mapping_code,option_code",
      ...Array.from({ length: 150 }, (_, i) => `S${i},tour,m,o`),
    ];
    const split = recordingStore([]);
    await admin.importMappings(split.deps, "bob", { format: "csv", content: many.join("\n") });
    expect(split.calls.map((call) => call.changes.length)).toEqual([99, 51]);
    expect(split.calls[1]?.entry.detail).toBe(`added ${Array.from({ length: 51 }, (_, i) => `S${i + 99}`).join(", ")}`);
  });
});

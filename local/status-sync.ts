// The local stand-in for the sync's schedule: runs the deployed handler every `intervalMs` (never two runs at once),
// and on demand (`npm run cli -- sync run` through the stack's local-only route). Also adds the indexes a table kept
// in .local-data from an older version lacks, so `npm start` works on old data.
import {
  DescribeTableCommand,
  UpdateTableCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
} from "@aws-sdk/client-dynamodb";
import { createSyncStatusesHandler, syncRunDeps, type SyncRunReport } from "../functions/sync-statuses";
import { readConfig } from "../lib/config";
import type { DynamoStore } from "../lib/store/dynamo-store";
import { tableDefinition } from "./dynamodb/table";
import { devRouteHeaders } from "./http-gateway";

export interface PeriodicSync<Report = SyncRunReport> {
  /** Runs once now (after the run in progress, if any) and answers its report. */
  runNow(): Promise<Report>;
  stop(): Promise<void>;
}

/** Runs `run` every `intervalMs` (the sync, the sweeper), never two at once. */
export function startPeriodicSync<Report = SyncRunReport>(
  run: () => Promise<Report>,
  intervalMs: number,
  log: (line: string) => void,
): PeriodicSync<Report> {
  let tail: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const enqueue = (): Promise<Report> => {
    const next = tail.then(run);
    tail = next.catch(() => undefined);
    return next;
  };
  // The next run is planned when this one ends, so a slow run never piles up behind itself. (The handler logs
  // each run itself, as in AWS.)
  const tick = () => {
    enqueue()
      .catch((error: unknown) => {
        log(`periodic run failed: ${error instanceof Error ? error.message : String(error)}`);
      })
      .finally(schedule);
  };
  const schedule = () => {
    if (!stopped && intervalMs > 0) timer = setTimeout(tick, intervalMs);
  };
  schedule();
  return {
    runNow: enqueue,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await tail;
    },
  };
}

/** Creates the global secondary indexes of resources/table.json that an existing local table does not have. */
export async function addMissingIndexes(client: DynamoDBClient, tableName: string): Promise<string[]> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  const present = new Set((Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
  const wanted = tableDefinition.GlobalSecondaryIndexes as GlobalSecondaryIndex[];
  const added: string[] = [];
  for (const index of wanted) {
    if (present.has(index.IndexName)) continue;
    const names = new Set((index.KeySchema ?? []).map((key) => key.AttributeName));
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: tableDefinition.AttributeDefinitions.filter((a) => names.has(a.AttributeName)) as {
          AttributeName: string;
          AttributeType: "S" | "N";
        }[],
        GlobalSecondaryIndexUpdates: [{ Create: index }],
      }),
    );
    added.push(index.IndexName ?? "");
  }
  for (let i = 0; added.length > 0 && i < 100; i++) {
    const { Table: now } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if ((now?.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === "ACTIVE")) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return added;
}

/**
 * One sync run for the CLI: on a stage's table, here, with the settings of the environment (AX_BASE_URL, the
 * secrets or their `_PARAM` names, OUTBOUND_WEBHOOK_URL…, as the function has them); on the local stack, by asking
 * the running stack (`POST /__local/sync`).
 */
export async function runStatusSync(
  target: { table: DynamoStore; env: Record<string, string | undefined> } | { stackUrl: string; adminToken: string },
): Promise<SyncRunReport> {
  if ("table" in target) return createSyncStatusesHandler(syncRunDeps(readConfig(target.env), target.table))();
  const answer = await fetch(`${target.stackUrl}/__local/sync`, {
    method: "POST",
    headers: devRouteHeaders(target.adminToken),
    body: "{}",
  });
  if (answer.status !== 200)
    throw new Error(`the local stack could not run the sync: ${answer.status} ${await answer.text()}`);
  return (await answer.json()) as SyncRunReport;
}

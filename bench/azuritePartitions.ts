/**
 * Diagnostic, not a bench stage: how Azurite's insert cost grows with the size of one partition.
 * It writes the same rows in full 100-entity create transactions, one at a time, with Azurite in
 * this process and no latency, so the process's CPU time is Azurite's work (plus the SDK's, the
 * same in every layout) and the shared machine's load barely moves it. Layouts: all rows in one
 * partition (as a run's `runindex` rows and the `clusters` registry land) or spread over 8 (as the
 * storage ceiling spreads them), written with `create` (as the ceiling writes) or `upsert` (as the
 * store writes them, so a retried page is idempotent); each measured three times, in rotating
 * order. Azurite finds a row by a binary index on PartitionKey and then a scan of that partition's
 * rows, once for a create and twice for an upsert (a look-up, then the insert's own check), so
 * writes slow as their partition grows; Azure Table Storage indexes PartitionKey + RowKey.
 *
 *   npm run build && node dist/bench/azuritePartitions.js [rows=10000]
 */
import { TableClient, type TransactionAction } from "@azure/data-tables";
import { startBenchTables } from "./benchTables.js";

const ROW_CHARS = 400;
const ROUNDS = 3;

interface Cost {
  cpuSeconds: number;
  /** CPU ms per transaction over the last tenth of the transactions, when the partitions are fullest. */
  lastTenthCpuMs: number;
}

interface Layout {
  partitions: number;
  verb: "create" | "upsert";
}

const LAYOUTS: Layout[] = [
  { partitions: 1, verb: "upsert" },
  { partitions: 1, verb: "create" },
  { partitions: 8, verb: "create" },
];

async function insertRows(connectionString: string, table: string, rows: number, { partitions, verb }: Layout): Promise<Cost> {
  const client = TableClient.fromConnectionString(connectionString, table, { allowInsecureConnection: true });
  await client.createTable();
  const filler = "x".repeat(ROW_CHARS);
  const batches = Math.ceil(rows / 100);
  const lastTenth = Math.floor(batches * 0.9);
  const cpu = (): number => {
    const used = process.cpuUsage();
    return (used.user + used.system) / 1000;
  };
  const started = cpu();
  let lastTenthStarted = started;
  for (let b = 0; b < batches; b++) {
    if (b === lastTenth) lastTenthStarted = cpu();
    const partitionKey = `p${b % partitions}`;
    const batch: TransactionAction[] = Array.from({ length: Math.min(100, rows - b * 100) }, (_, i) => [verb, { partitionKey, rowKey: String(b * 100 + i).padStart(10, "0"), d00: filler }]);
    await client.submitTransaction(batch);
  }
  const ended = cpu();
  return { cpuSeconds: (ended - started) / 1000, lastTenthCpuMs: (ended - lastTenthStarted) / Math.max(1, batches - lastTenth) };
}

async function main(): Promise<void> {
  const rows = Number(process.argv[2] ?? "10000");
  const tables = await startBenchTables(0, "in-process");
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (let k = 0; k < LAYOUTS.length; k++) {
        const layout = LAYOUTS[(round + k) % LAYOUTS.length]!;
        const cost = await insertRows(tables.connectionString, `p${layout.partitions}${layout.verb}r${round}`, rows, layout);
        console.log(`${rows} rows, ${layout.verb}, ${layout.partitions} partition(s): ${cost.cpuSeconds.toFixed(2)} s CPU; last tenth of the transactions ${cost.lastTenthCpuMs.toFixed(1)} ms CPU each`);
      }
    }
  } finally {
    await tables.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

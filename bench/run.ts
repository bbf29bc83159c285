/**
 * `npm run bench`: sweep cost against the Resource Graph quota floor, memory, storage and a naive
 * baseline, for fleets of 1,000, 10,000 and 50,000 clusters (docs/bench.md explains the figures).
 *
 *   npm run bench -- [--sizes 1000,10000,50000] [--latency-ms 150] [--out bench/results.json]
 *                    [--storage-max 10000] [--naive-concurrency 16] [--stored-max 10000] [--table-latency-ms 5]
 *
 * The stored sweep (runAudit with the Table store) runs for sizes up to --stored-max; pass
 * --stored-max 50000 to run it at 50,000 clusters too.
 *
 * Each size runs in a fresh process (sizeProcess.ts) with the simulator in another
 * (simulatorProcess.ts). Prints a table and PASS/MISS per target; writes a JSON array.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import type { BenchResult, FleetBenchOptions } from "./core.js";
import { evaluateTargets, formatTable, formatTargets } from "./report.js";
import { runInChild } from "./childStage.js";

/** Resource Graph's documented example quota, which the simulator enforces. */
const QUOTA = { requests: 15, windowMs: 5000 };
/** The naive baseline is timed at this size only; elsewhere its requests are counted, not timed. */
const NAIVE_TIMED_AT = 1000;

const USAGE = `usage: npm run bench -- [--sizes 1000,10000,50000] [--latency-ms 150] [--out bench/results.json] [--storage-max 10000] [--naive-concurrency 16] [--stored-max 10000] [--table-latency-ms 5]`;

interface Args {
  sizes: number[];
  latencyMs: number;
  out: string;
  storageMax: number;
  naiveConcurrency: number;
  storedMax: number;
  tableLatencyMs: number;
}

function positiveInt(name: string, text: string, allowZero = false): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1)) throw new UsageError(`--${name} must be a whole number${allowZero ? "" : " above 0"}: ${JSON.stringify(text)}`);
  return n;
}

class UsageError extends Error {}

function parse(argv: string[]): Args | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      sizes: { type: "string", default: "1000,10000,50000" },
      "latency-ms": { type: "string", default: "150" },
      out: { type: "string", default: "bench/results.json" },
      "storage-max": { type: "string", default: "10000" },
      "naive-concurrency": { type: "string", default: "16" },
      "stored-max": { type: "string", default: "10000" },
      "table-latency-ms": { type: "string", default: "5" },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) return null;
  const sizes = values.sizes.split(",").map((s) => positiveInt("sizes", s.trim()));
  return {
    sizes,
    latencyMs: positiveInt("latency-ms", values["latency-ms"], true),
    out: values.out,
    storageMax: positiveInt("storage-max", values["storage-max"]),
    naiveConcurrency: positiveInt("naive-concurrency", values["naive-concurrency"]),
    storedMax: positiveInt("stored-max", values["stored-max"]),
    tableLatencyMs: positiveInt("table-latency-ms", values["table-latency-ms"], true),
  };
}

function runSize(options: Omit<FleetBenchOptions, "log">): Promise<BenchResult> {
  return runInChild(new URL("./sizeProcess.js", import.meta.url), options, `${options.clusters} clusters`);
}

async function main(argv: string[]): Promise<number> {
  let args: Args | null;
  try {
    args = parse(argv);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    console.error(USAGE);
    return 2;
  }
  if (!args) {
    console.log(USAGE);
    return 0;
  }
  const started = performance.now();
  const results: BenchResult[] = [];
  for (const clusters of args.sizes) {
    console.error(`bench: ${clusters} clusters…`);
    results.push(
      await runSize({
        clusters,
        subscriptions: 500,
        latencyMs: args.latencyMs,
        quota: QUOTA,
        storageMax: args.storageMax,
        timeNaive: clusters === NAIVE_TIMED_AT,
        naiveConcurrency: args.naiveConcurrency,
        storedMax: args.storedMax,
        tableLatencyMs: args.tableLatencyMs,
        simulator: "child",
      }),
    );
  }
  await mkdir(path.dirname(path.resolve(args.out)), { recursive: true });
  await writeFile(args.out, JSON.stringify(results, null, 2) + "\n");
  const first = results[0];
  console.log(
    `\nAKS Integration Auditor bench — ${first?.date.slice(0, 10)}, ${first?.machine.cpus} × ${first?.machine.cpuModel}, node ${first?.machine.node}; ` +
      `ARG quota ${QUOTA.requests} per ${QUOTA.windowMs / 1000} s, latency ${args.latencyMs} ms, ${first?.subscriptions} subscriptions, ${first?.regions} regions\n`,
  );
  console.log(formatTable(results));
  console.log(`\n${formatTargets(evaluateTargets(results))}`);
  console.log(`\nwrote ${args.out} (${((performance.now() - started) / 1000).toFixed(0)} s in all)`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 3;
  },
);

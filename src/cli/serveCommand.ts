/**
 * `aks-audit serve [--port N] [--host ADDR]`: the API and the console over the local store until
 * Ctrl-C. The one line on stdout is the console's URL with the key, so a script can read it.
 * On the embedded store, the queues the app hands work to (a wide POST /api/audits, the in-cluster
 * scan) are an in-memory Azurite Queue service worked by the app's own queue handlers in this
 * process: a 202 is then worked here, as the deployed app would. Work still queued at Ctrl-C is
 * lost with the queue; the next serve closes its run as abandoned (failed, with the reason).
 */
import { createAppContext, type ContextOverrides } from "../app/context.js";
import { closeAbandonedRuns } from "../app/runs.js";
import type { AuditorConfig } from "../config.js";
import { provideAppContext } from "../functions/runtime.js";
import { startLocalQueues, type LocalQueues } from "../local/azuriteQueue.js";
import { captureHttpRegistrations, captureQueueRegistrations, loadOrCreateKey, startQueueWorkers, startServe, type QueueWorkers } from "../local/serve/index.js";
import type { CliOptions } from "./args.js";

export const DEFAULT_SERVE_PORT = 7071;

export interface ServingConsole {
  /** The console's URL with the function key. */
  readonly url: string;
  readonly origin: string;
  readonly key: string;
  stop(): Promise<void>;
}

/**
 * Everything `serve` does but waiting for Ctrl-C (the browser tests hold it open themselves).
 * `overrides` are for tests (the fleet simulator's credential and CA).
 */
export async function startServing(
  options: Pick<CliOptions, "port" | "host">,
  config: AuditorConfig,
  overrides: Omit<ContextOverrides, "queueConnectionString"> = {},
): Promise<ServingConsole> {
  // Only the embedded store gets local queues: with a storage account configured, its queues are
  // the real ones and the deployed app's workers take from them.
  const queues: LocalQueues | null = config.tables.kind === "local" ? await startLocalQueues() : null;
  let workers: QueueWorkers | null = null;
  const ctx = await createAppContext(config, { ...overrides, ...(queues ? { queueConnectionString: queues.connectionString } : {}) }).catch(async (error: unknown) => {
    await queues?.close();
    throw error;
  });
  for (const warning of ctx.warnings) process.stderr.write(`aks-audit: warning: ${warning}\n`);
  const closeAll = async (): Promise<void> => {
    await workers?.close();
    provideAppContext(null);
    await ctx.close();
    await queues?.close();
  };
  try {
    // Open the store before listening, so a broken store stops the command rather than the first page.
    const store = await ctx.store();
    if (queues) {
      // On the embedded store only serve queues HTTP audits, and its queue lived in memory: a run of
      // an earlier serve still "running" can never be worked now, and would hold the wide-run slot.
      for (const run of await closeAbandonedRuns(store, new Date(), { olderThanHours: 0, windowDays: config.alertWindowDays, trigger: "http" })) {
        process.stderr.write(`aks-audit: closed audit ${run.runId} as failed: its queued request ended with the previous serve\n`);
      }
    }
    provideAppContext(ctx);
    const registrations = await captureHttpRegistrations();
    if (queues) {
      const log = (line: string): void => void process.stderr.write(`aks-audit: ${line}\n`);
      workers = await startQueueWorkers({ connectionString: queues.connectionString, registrations: await captureQueueRegistrations(), log });
    }
    const key = await loadOrCreateKey(config.home);
    const server = await startServe({ registrations, key, port: options.port ?? DEFAULT_SERVE_PORT, host: options.host ?? "127.0.0.1" });
    return {
      url: `${server.origin}/api/console?code=${key}`,
      origin: server.origin,
      key,
      stop: async () => {
        await server.close();
        await closeAll();
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

export async function serveCommand(options: CliOptions, config: AuditorConfig): Promise<number> {
  const serving = await startServing(options, config);
  process.stdout.write(`console: ${serving.url}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  await serving.stop();
  return 0;
}

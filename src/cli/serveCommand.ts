/**
 * `aks-audit serve [--port N] [--host ADDR]`: the API and the console over the local store until
 * Ctrl-C. The one line on stdout is the console's URL with the key, so a script can read it.
 */
import { createAppContext } from "../app/context.js";
import type { AuditorConfig } from "../config.js";
import { provideAppContext } from "../functions/runtime.js";
import { captureHttpRegistrations, loadOrCreateKey, startServe } from "../local/serve/index.js";
import type { CliOptions } from "./args.js";

export const DEFAULT_SERVE_PORT = 7071;

export interface ServingConsole {
  /** The console's URL with the function key. */
  readonly url: string;
  readonly origin: string;
  readonly key: string;
  stop(): Promise<void>;
}

/** Everything `serve` does but waiting for Ctrl-C (the browser tests hold it open themselves). */
export async function startServing(options: Pick<CliOptions, "port" | "host">, config: AuditorConfig): Promise<ServingConsole> {
  const ctx = await createAppContext(config);
  for (const warning of ctx.warnings) process.stderr.write(`aks-audit: warning: ${warning}\n`);
  try {
    // Open the store before listening, so a broken store stops the command rather than the first page.
    await ctx.store();
    provideAppContext(ctx);
    const registrations = await captureHttpRegistrations();
    const key = await loadOrCreateKey(config.home);
    const server = await startServe({ registrations, key, port: options.port ?? DEFAULT_SERVE_PORT, host: options.host ?? "127.0.0.1" });
    return {
      url: `${server.origin}/api/console?code=${key}`,
      origin: server.origin,
      key,
      stop: async () => {
        await server.close();
        provideAppContext(null);
        await ctx.close();
      },
    };
  } catch (error) {
    provideAppContext(null);
    await ctx.close();
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

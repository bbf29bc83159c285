#!/usr/bin/env node
/**
 * `aks-audit`: parse, validate configuration once, run one command, map failures to exit codes.
 * 0 ok; 1 findings at the --fail-on severity; 2 usage or configuration error.
 */
import { ConfigError, loadConfig } from "../config.js";
import { HELP, parseCli, UsageError } from "./args.js";
import { runCommand } from "./commands.js";
import { CliError } from "./output.js";

async function main(argv: readonly string[]): Promise<number> {
  let options;
  try {
    options = parseCli(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`aks-audit: ${error.message}\nRun 'aks-audit --help' for usage.\n`);
      return 2;
    }
    throw error;
  }
  if (options.command === "help") {
    process.stdout.write(HELP);
    return 0;
  }
  try {
    const config = loadConfig(process.env);
    return await runCommand(options, config);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof UsageError || error instanceof CliError) {
      process.stderr.write(`aks-audit: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`aks-audit: ${(error as Error)?.stack ?? String(error)}\n`);
    return 3;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`aks-audit: ${String(error)}\n`);
    process.exitCode = 3;
  },
);

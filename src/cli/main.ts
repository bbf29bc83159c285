/**
 * `aks-audit`: parse, validate configuration once, run one command, map failures to exit codes.
 * 0 ok; 1 findings at the --fail-on severity; 2 usage or configuration error; 3 the run failed.
 */
import { ConfigError, loadConfig } from "../config.js";
import { HELP, parseCli, UsageError } from "./args.js";
import { runCommand } from "./commands.js";
import { CliError } from "./output.js";
import { FleetFileError } from "../sources/fromFile.js";
import { CatalogError } from "../catalog/load.js";

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let options;
  try {
    options = parseCli(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`aks-audit: ${error.message} (see aks-audit --help)\n`);
      return 2;
    }
    throw error;
  }
  if (options.command === "help") {
    process.stdout.write(HELP);
    return 0;
  }
  try {
    const config = loadConfig(env);
    return await runCommand(options, config);
  } catch (error) {
    // Problems the user can fix (a setting, an option, an export file, a catalog override): exit 2.
    if (
      error instanceof ConfigError ||
      error instanceof UsageError ||
      error instanceof CliError ||
      error instanceof FleetFileError ||
      error instanceof CatalogError
    ) {
      process.stderr.write(`aks-audit: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`aks-audit: ${(error as Error)?.stack ?? String(error)}\n`);
    return 3;
  }
}

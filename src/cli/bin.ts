#!/usr/bin/env node
/** The `aks-audit` executable: run the command, then exit with its code once output is flushed. */
import { main } from "./main.js";

main(process.argv.slice(2)).then(
  (code) => process.stdout.write("", () => process.exit(code)),
  (error) => {
    process.stderr.write(`aks-audit: ${String(error)}\n`);
    process.exit(3);
  },
);

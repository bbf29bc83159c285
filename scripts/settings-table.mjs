// Rewrites the README's configuration table from SETTINGS in src/config.ts (run after `npm run build`).
// test/config/config.test.ts fails when the README and the code disagree.
import { readFileSync, writeFileSync } from "node:fs";
import { SETTINGS } from "../dist/src/config.js";

export function settingsRows() {
  return Object.entries(SETTINGS).map(
    ([name, s]) => `| \`${name}\` | ${s.default === "" ? "(empty)" : `\`${s.default}\``} | ${s.doc} |`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const readme = readFileSync("README.md", "utf8");
  const start = readme.indexOf("| `AKS_AUDIT_HOME`");
  const end = readme.indexOf("\n\n", start);
  writeFileSync("README.md", `${readme.slice(0, start)}${settingsRows().join("\n")}${readme.slice(end)}`);
}

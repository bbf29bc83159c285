import ts from "typescript";
import fs from "node:fs";
const src = fs.readFileSync("src/config.ts","utf8");
const out = ts.transpileModule(src,{compilerOptions:{module:ts.ModuleKind.ESNext,target:ts.ScriptTarget.ES2022}}).outputText;
fs.writeFileSync("/tmp/config.mjs", out);
const { SETTINGS } = await import("/tmp/config.mjs");
for (const [k,v] of Object.entries(SETTINGS)) console.log(`| \`${k}\` | ${v.default===""?"(empty)":"`"+v.default+"`"} | ${v.doc} |`);

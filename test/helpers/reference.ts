/**
 * Published reference material that contract tests compare our fakes with. None of it ships with
 * the repository: it is found through a setting, and a test that needs it skips (with one line
 * naming the setting) when the setting is unset, so `npm ci && npm test` passes on a fresh clone.
 *
 *   AZURE_REST_API_SPECS  a checkout of Azure/azure-rest-api-specs, or a folder laid out as
 *                         <service>/<api-version>/<example>.json (the copy CI keeps beside the repo)
 *   SENDGRID_OPENAPI      SendGrid's OpenAPI document for mail send (twilio/sendgrid-oai tsg_mail_v3.json)
 *
 * `.ci/run` sets both, and fails when any test was skipped, so CI always runs these comparisons.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

export const SPECS_SETTING = "AZURE_REST_API_SPECS";
export const SENDGRID_SETTING = "SENDGRID_OPENAPI";

/** The folder a setting names, or null when it is unset; a set but missing folder is an error, not a skip. */
function settingPath(name: string, kind: "folder" | "file"): string | null {
  const value = process.env[name]?.trim();
  if (!value) return null;
  const resolved = path.resolve(value);
  if (!existsSync(resolved) || statSync(resolved).isDirectory() !== (kind === "folder")) {
    throw new Error(`${name}=${value} is not a ${kind}`);
  }
  return resolved;
}

export const azureSpecsRoot = (): string | null => settingPath(SPECS_SETTING, "folder");
export const sendGridOpenApiPath = (): string | null => settingPath(SENDGRID_SETTING, "file");

const announced = new Set<string>();
/** Prints, once per setting and test file, the line that says why the comparison did not run. */
export function skipNote(setting: string, what: string): string {
  const line = `skipped: ${what} (set ${setting} to run it; see README "Tests")`;
  if (!announced.has(setting)) {
    announced.add(setting);
    console.log(line);
  }
  return line;
}

/**
 * Where a spec repository keeps one service's examples. The checkout layout is
 * specification/<dir>/resource-manager/<namespace>/…/{stable/<ver>/examples|examples/<ver>}/<file>;
 * `segment` tells apart two services that share a specification folder.
 */
const SERVICES: Record<string, { dir: string; segment?: string }> = {
  containerservice: { dir: "containerservice", segment: "/aks/" },
  resourcegraph: { dir: "resourcegraph" },
  kubernetesconfiguration: { dir: "kubernetesconfiguration", segment: "/extensions/" },
  "kubernetesconfiguration-extensiontypes": { dir: "kubernetesconfiguration", segment: "/extensionTypes/" },
};

const checkoutIndex = new Map<string, string[]>();
function filesUnder(dir: string): string[] {
  const cached = checkoutIndex.get(dir);
  if (cached) return cached;
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith(".json")) out.push(p.split(path.sep).join("/"));
    }
  };
  if (existsSync(dir)) walk(dir);
  checkoutIndex.set(dir, out);
  return out;
}

/** One published example, parsed: `example(root, "containerservice", "2026-06-01", "ManagedClustersGet.json")`. */
export function example(root: string, service: string, apiVersion: string, file: string): Record<string, unknown> {
  const flat = path.join(root, service, apiVersion, file);
  if (existsSync(flat)) return JSON.parse(readFileSync(flat, "utf8")) as Record<string, unknown>;
  const known = SERVICES[service];
  if (!known) throw new Error(`no layout known for service ${service}`);
  const found = filesUnder(path.join(root, "specification", known.dir)).find(
    (p) =>
      (p.endsWith(`/${apiVersion}/examples/${file}`) || p.endsWith(`/examples/${apiVersion}/${file}`)) &&
      (known.segment === undefined || p.includes(known.segment)),
  );
  if (!found) throw new Error(`${SPECS_SETTING}: ${service} ${apiVersion} example ${file} not found under ${root}`);
  return JSON.parse(readFileSync(found, "utf8")) as Record<string, unknown>;
}

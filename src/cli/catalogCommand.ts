/**
 * `aks-audit catalog`: the dated facts the auditor knows (kubernetes.json, addons.json, istio.json,
 * extensions.json, open-source.json, changes.json, policy.json), and `--validate FILE`, which runs an
 * override through the same loader the app uses and names the file, entry and field of each problem.
 */
import type { AuditorConfig } from "../config.js";
import { CatalogError, describeIssue, loadCatalog } from "../catalog/load.js";
import { countFacts, listCatalogFacts, upcomingFacts, type CatalogFact } from "../catalog/facts.js";
import type { Catalog } from "../catalog/schema.js";
import { catalogAge } from "../core/catalogAge.js";
import { toIsoDate } from "../core/dates.js";
import type { IsoDate } from "../core/types.js";
import type { CliOptions } from "./args.js";
import { columns, plain } from "../core/text.js";
import { csv, type Output } from "./output.js";

/** The JSON `aks-audit catalog --format json` prints. */
export interface CatalogListing {
  catalog: { version: string; checkedAt: IsoDate; ageDays: number; maxAgeDays: number; stale: boolean; note?: string };
  asOf: IsoDate;
  upcomingDays: number | null;
  counts: { facts: number; used: number; unused: number };
  facts: CatalogFact[];
}

export function catalogListing(catalog: Catalog, asOf: IsoDate, upcomingDays: number | null, maxAgeDays: number): CatalogListing {
  const all = listCatalogFacts(catalog);
  const facts = upcomingDays === null ? all : upcomingFacts(all, asOf, upcomingDays);
  const age = catalogAge(catalog.checkedAt, asOf, maxAgeDays);
  const stamp: CatalogListing["catalog"] = { version: catalog.version, checkedAt: catalog.checkedAt, ageDays: age.ageDays, maxAgeDays, stale: age.stale };
  if (age.note) stamp.note = age.note;
  return { catalog: stamp, asOf, upcomingDays, counts: countFacts(facts), facts };
}

const HEADERS = ["date", "kind", "subject", "appliesTo", "estimated", "used", "source"];

// Sources stay whole in the table: a reader needs the link to check the fact.
const WIDTHS = [10, 26, 72, 48, 9, 4, 400];

function rows(facts: readonly CatalogFact[], yes: string, no: string): string[][] {
  return facts.map((f) => [f.date, f.kind, f.subject, f.appliesTo, f.estimated ? yes : no, f.used ? yes : no, f.source]);
}

export function formatListing(listing: CatalogListing, format: Output["format"]): string {
  if (format === "json") return JSON.stringify(listing, null, 2);
  if (format === "csv") return csv(HEADERS, rows(listing.facts, "true", "false"));
  const c = listing.catalog;
  const window = listing.upcomingDays === null ? "all dated facts" : `facts dated ${listing.asOf} to ${listing.upcomingDays} days later`;
  const lines = [
    `Catalog ${c.version} (facts checked ${c.checkedAt}, ${c.ageDays} days before ${listing.asOf}); ${window}`,
    `${listing.counts.facts} facts: ${listing.counts.used} used by a judgement rule, ${listing.counts.unused} not yet used (listed, but no alert can come from them)`,
  ];
  if (c.note) lines.push(`Note: ${c.note}`);
  lines.push("");
  lines.push(listing.facts.length === 0 ? "No dated fact in that window." : columns(HEADERS, rows(listing.facts, "yes", "no").map((r) => r.map(plain)), WIDTHS).join("\n"));
  return lines.join("\n");
}

export async function catalogCommand(options: CliOptions, config: AuditorConfig, out: Output, load: () => Promise<Catalog>): Promise<number> {
  // A check is read by a person (or a CI log) unless JSON is asked for explicitly.
  if (options.validate !== null) return validateCommand(options.validate, out, options.format === "json");
  const catalog = await load();
  const asOf = options.asOf ?? toIsoDate(new Date());
  out.print(formatListing(catalogListing(catalog, asOf, options.upcoming, config.catalogMaxAgeDays), out.format));
  return 0;
}

/** Exit 0 when the override loads cleanly, 2 with one line per problem otherwise. */
async function validateCommand(file: string, out: Output, json: boolean): Promise<number> {
  try {
    const merged = await loadCatalog({ override: file });
    if (json) out.print(JSON.stringify({ file, valid: true, errors: [], mergedVersion: merged.version }, null, 2));
    else out.print(`catalog ${file}: valid; merged over the bundled catalog it gives version ${merged.version}`);
    return 0;
  } catch (error) {
    if (!(error instanceof CatalogError)) throw error;
    const errors = error.issues.length > 0 ? error.issues : [];
    if (json) out.print(JSON.stringify({ file, valid: false, errors, message: errors.length === 0 ? error.message : undefined }, null, 2));
    else out.print(errors.length > 0 ? errors.map(describeIssue).join("\n") : error.message);
    return 2;
  }
}

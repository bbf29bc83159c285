/**
 * How old the catalog is at `asOf`. An alert can only fire for an event the catalog knows, so a
 * catalog not checked for a long time silently misses whatever was announced since; the report,
 * the digest and `aks-audit catalog` say so instead. Pure: the dates and the limit are arguments.
 */
import type { AuditReport, CatalogStamp } from "./report.js";
import { daysBetween } from "./dates.js";
import type { IsoDate } from "./types.js";

/** CATALOG_MAX_AGE_DAYS when nothing else says. */
export const DEFAULT_CATALOG_MAX_AGE_DAYS = 120;

export interface CatalogAge {
  /** Days from the catalog's newest check to `asOf` (negative when `asOf` is before it). */
  ageDays: number;
  maxAgeDays: number;
  stale: boolean;
  /** One sentence for a person when stale; null otherwise. */
  note: string | null;
}

export function catalogAge(checkedAt: IsoDate, asOf: IsoDate, maxAgeDays: number): CatalogAge {
  const ageDays = daysBetween(checkedAt, asOf);
  const stale = ageDays > maxAgeDays;
  return { ageDays, maxAgeDays, stale, note: stale ? staleNote(checkedAt, asOf, ageDays, maxAgeDays) : null };
}

function staleNote(checkedAt: IsoDate, asOf: IsoDate, ageDays: number, maxAgeDays: number): string {
  return (
    `The catalog's facts were last checked on ${checkedAt}, ${ageDays} days before ${asOf} (more than the ${maxAgeDays} days CATALOG_MAX_AGE_DAYS allows): ` +
    "changes announced since then are missing, so deadlines may be absent. Update the auditor or point CATALOG_OVERRIDE at newer facts."
  );
}

/** The report's catalog stamp with its age at the report's `asOf` (the report itself is not changed). */
export function stampCatalogAge(stamp: CatalogStamp, asOf: IsoDate, maxAgeDays: number): CatalogStamp {
  const age = catalogAge(stamp.checkedAt, asOf, maxAgeDays);
  const out: CatalogStamp = { ...stamp, ageDays: age.ageDays, maxAgeDays, stale: age.stale };
  if (age.note) out.note = age.note;
  else delete out.note;
  return out;
}

/** A copy of the report whose catalog stamp carries its age (for reports rebuilt from stored runs). */
export function withCatalogAge(report: AuditReport, maxAgeDays: number): AuditReport {
  return { ...report, catalog: stampCatalogAge(report.catalog, report.asOf, maxAgeDays) };
}

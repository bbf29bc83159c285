import { describe, expect, it } from "vitest";
import { catalogAge, stampCatalogAge, withCatalogAge } from "../../src/core/catalogAge.js";
import { buildDigests } from "../../src/core/digest.js";
import { formatReport } from "../../src/core/format.js";
import { cluster, fleet, recipients, report } from "../notify/reportFixtures.js";

describe("catalog age", () => {
  it("is stale only past CATALOG_MAX_AGE_DAYS, counted in whole days from the newest check", () => {
    expect(catalogAge("2026-12-02", "2027-04-01", 120)).toEqual({ ageDays: 120, maxAgeDays: 120, stale: false, note: null });
    const late = catalogAge("2026-12-02", "2027-04-02", 120);
    expect(late.stale).toBe(true);
    expect(late.ageDays).toBe(121);
    expect(late.note).toContain("last checked on 2026-12-02, 121 days before 2027-04-02");
    expect(late.note).toContain("CATALOG_MAX_AGE_DAYS");
  });

  it("stamps a copy of the report's catalog and leaves the report it came from alone", () => {
    const original = report("2027-06-01", fleet("2027-06-01"));
    const stamped = withCatalogAge(original, 90);
    expect(stamped.catalog).toMatchObject({ version: "2026.11.1", checkedAt: "2026-11-01", ageDays: 212, maxAgeDays: 90, stale: true });
    expect(original.catalog).toEqual({ version: "2026.11.1", checkedAt: "2026-11-01" });
    const fresh = stampCatalogAge({ version: "v", checkedAt: "2026-11-01", note: "old note" }, "2026-11-20", 90);
    expect(fresh).toEqual({ version: "v", checkedAt: "2026-11-01", ageDays: 19, maxAgeDays: 90, stale: false });
  });

  it("a stale catalog is said in the digest's first lines (text and HTML) and in the table report", () => {
    const stale = withCatalogAge(report("2027-06-01", fleet("2027-06-01")), 120);
    const [mail] = buildDigests({ report: stale, recipients: recipients({ defaults: ["ops@example.com"] }) });
    const firstLines = mail!.text.split("\n").slice(0, 3).join("\n");
    expect(firstLines).toContain("The catalog was last checked on 2026-11-01; events announced since are missing");
    // The note itself closes the digest, after the changes since last week.
    expect(mail!.text).toContain("CATALOG AGE: The catalog's facts were last checked on 2026-11-01, 212 days before 2027-06-01");
    expect(mail!.text.indexOf("CATALOG AGE")).toBeGreaterThan(mail!.text.indexOf("CHANGES SINCE"));
    const html = mail!.html;
    expect(html.indexOf("last checked on 2026-11-01")).toBeGreaterThan(0);
    expect(html.indexOf("last checked on 2026-11-01")).toBeLessThan(html.indexOf("Act this week"));
    expect(html).toContain("<strong>Catalog age:</strong> The catalog&#39;s facts were last checked on 2026-11-01, 212 days");
    expect(formatReport(stale, "table")).toMatch(/^Catalog 2026\.11\.1 .*\nNote: The catalog's facts were last checked/m);
  });

  it("a fresh catalog adds nothing to the digest", () => {
    const fresh = withCatalogAge(report("2026-11-23", [cluster("aks-a")]), 120);
    const [mail] = buildDigests({ report: fresh, recipients: recipients({ defaults: ["ops@example.com"] }) });
    expect(mail!.text).not.toContain("last checked");
  });
});

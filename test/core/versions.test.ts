import { describe, expect, it } from "vitest";
import {
  compareVersions,
  driftAgainst,
  isPatchBehind,
  minorKey,
  minorsBehind,
  newestVersion,
  parseAnyVersion,
  parseAsmRevision,
  parseVersion,
  sortVersions,
} from "../../src/core/versions.js";

function v(text: string) {
  const parsed = parseVersion(text);
  if (!parsed) throw new Error(`test fixture did not parse: ${text}`);
  return parsed;
}

describe("parseVersion", () => {
  it("reads the forms Azure and the catalog use", () => {
    expect(v("1.31")).toMatchObject({ major: 1, minor: 31, patch: null, prerelease: null });
    expect(v("v1.30.2")).toMatchObject({ major: 1, minor: 30, patch: 2 });
    expect(v(" 1.29.4 ")).toMatchObject({ raw: "1.29.4", patch: 4 });
    expect(v("1.31.0-preview")).toMatchObject({ minor: 31, patch: 0, prerelease: "preview" });
    expect(v("2.17.2-3")).toMatchObject({ patch: 2, prerelease: null, revision: "3" });
    expect(v("1.30.6-aks")).toMatchObject({ revision: "aks" });
    expect(v("1.8.5.3")).toMatchObject({ patch: 5, extra: [3] });
  });

  it("gives null, never an exception, for what is not a version", () => {
    for (const garbage of ["latest", "", "   ", "1", "1.x", "v", "1..2", "one.two", "1.2.3;rm -rf", "asm-1-28"]) {
      expect(parseVersion(garbage), garbage).toBeNull();
    }
    expect(parseVersion(null)).toBeNull();
    expect(parseVersion(undefined)).toBeNull();
    expect(parseVersion(42 as unknown as string)).toBeNull();
  });

  it("reads Istio add-on revisions separately", () => {
    expect(parseAsmRevision("asm-1-28")).toMatchObject({ major: 1, minor: 28 });
    expect(parseAsmRevision("1.28")).toBeNull();
    expect(parseAnyVersion("asm-1-9")).toMatchObject({ minor: 9 });
    expect(parseAnyVersion("1.9.1")).toMatchObject({ minor: 9, patch: 1 });
  });
});

describe("ordering", () => {
  it("compares numerically: 1.9 is older than 1.34", () => {
    expect(compareVersions(v("1.9"), v("1.34"))).toBeLessThan(0);
    expect(compareVersions(v("1.34.0"), v("1.9.10"))).toBeGreaterThan(0);
    expect(compareVersions(v("v1.30.2"), v("1.30.2"))).toBe(0);
  });

  it("puts a preview before its release and a packaging revision after it", () => {
    expect(compareVersions(v("1.31.0-preview"), v("1.31.0"))).toBeLessThan(0);
    expect(compareVersions(v("2.17.2-3"), v("2.17.2"))).toBeGreaterThan(0);
    expect(compareVersions(v("2.17.3-7"), v("2.17.2-3"))).toBeGreaterThan(0);
    expect(compareVersions(v("1.2.3-rc.2"), v("1.2.3-rc.10"))).toBeLessThan(0);
  });

  it("sorts mixed lists oldest first, unreadable last", () => {
    expect(sortVersions(["1.34.1", "junk", "1.9.0", "1.10.2", "asm-1-27"])).toEqual(["1.9.0", "1.10.2", "asm-1-27", "1.34.1", "junk"]);
    expect(newestVersion(["1.22.2", "1.24.1", "nope", "1.9.9"])?.raw).toBe("1.24.1");
    expect(newestVersion(["latest"])).toBeNull();
  });
});

describe("helpers", () => {
  it("keys a version by its minor", () => {
    expect(minorKey("v1.31.7")).toBe("1.31");
    expect(minorKey(v("1.9"))).toBe("1.9");
    expect(minorKey("garbage")).toBeNull();
  });

  it("measures how far behind a version is", () => {
    expect(minorsBehind(v("1.29.4"), v("1.33.1"))).toBe(4);
    expect(minorsBehind(v("1.33.1"), v("1.29.4"))).toBe(0);
    expect(minorsBehind(v("1.33"), v("2.0"))).toBeNull();
    expect(isPatchBehind(v("1.31.2"), v("1.31.9"))).toBe(true);
    expect(isPatchBehind(v("1.31"), v("1.31.9"))).toBe(false);
    expect(isPatchBehind(v("1.30.9"), v("1.31.1"))).toBe(false);
  });

  it("calls drift by the largest gap", () => {
    expect(driftAgainst(v("1.22.1"), v("1.24.1"))).toBe("minor-behind");
    expect(driftAgainst(v("1.9.0"), v("2.0.0"))).toBe("minor-behind");
    expect(driftAgainst(v("1.24.0"), v("1.24.1"))).toBe("patch-behind");
    expect(driftAgainst(v("1.24.1"), v("1.24.1"))).toBe("current");
    expect(driftAgainst(v("1.25.0"), v("1.24.1"))).toBe("current");
  });
});

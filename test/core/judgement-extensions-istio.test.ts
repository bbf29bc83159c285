// Rules 7 and 8 of issue #14: extensions with auto-upgrade off, support windows and out-of-support
// clusters; Istio during a canary upgrade and deprecated revisions.
import { describe, expect, it } from "vitest";
import { cluster, extension, integration, judge, reasons } from "./judgement.fixtures.js";

describe("extensions", () => {
  it("auto-upgrade off and a version behind the newest known is behind, with a warning", () => {
    const r = judge(cluster("1.35.1"), "2026-11-01", { extensions: [extension("microsoft.flux", "1.24.0", { autoUpgradeMinorVersion: false })] });
    const flux = integration(r, "microsoft.flux");
    expect(flux.drift).toBe("patch-behind");
    expect(flux.severity).toBe("warning");
    expect(reasons(flux)).toMatch(/Auto-upgrade is off and 1\.24\.0 is behind 1\.24\.1/);
  });

  it("with auto-upgrade on the same gap is not a warning", () => {
    const r = judge(cluster("1.35.1"), "2026-11-01", { extensions: [extension("microsoft.flux", "1.24.0")] });
    expect(integration(r, "microsoft.flux").severity).toBe("ok");
  });

  it("Flux outside its three newest release lines is out of support", () => {
    const r = judge(cluster("1.35.1"), "2026-11-01", { extensions: [extension("microsoft.flux", "1.21.1")] });
    const flux = integration(r, "microsoft.flux");
    expect(flux.drift).toBe("out-of-support");
    expect(reasons(flux)).toMatch(/Only the 3 newest release lines are supported \(1\.24, 1\.23, 1\.22\)/);
  });

  it("an extension on an out-of-support cluster says so", () => {
    const r = judge(cluster("1.31.9"), "2026-02-01", { extensions: [extension("microsoft.flux", "1.24.1")] });
    const flux = integration(r, "microsoft.flux");
    expect(flux.drift).toBe("out-of-support");
    expect(reasons(flux)).toMatch(/Kubernetes 1\.31 is out of support; extensions are not supported on it \(platform support/);
  });
});

describe("Istio during a canary upgrade", () => {
  const mesh = (revisions: string[], version = "1.35.1") => cluster(version, { serviceMeshMode: "Istio", istioRevisions: revisions });

  it("is judged by the newer revision; the older one's end is the date to finish the upgrade", () => {
    // asm-1-27 ends 2026-05-31, asm-1-28 on 2026-08-31; on 2026-05-10 the canary is still within time.
    const istio = integration(judge(mesh(["asm-1-27", "asm-1-28"]), "2026-05-10"), "istio");
    expect(istio.drift).not.toBe("out-of-support");
    expect(istio.deadlines.map((d) => d.date)).toEqual(["2026-05-31", "2026-08-31"]);
    expect(reasons(istio)).toMatch(/Finish the canary upgrade to asm-1-28 by 2026-05-31/);
    expect(istio.severity).toBe("warning");
  });

  it("an older revision past its end does not make the mesh out of support, though it is critical to finish", () => {
    const istio = integration(judge(mesh(["asm-1-27", "asm-1-28"]), "2026-06-10"), "istio");
    expect(istio.drift).not.toBe("out-of-support");
    expect(istio.severity).toBe("critical");
    expect(reasons(istio)).toMatch(/asm-1-27 reached end of life on 2026-05-31: finish the canary upgrade to asm-1-28/);
  });

  it("the older revision's incompatibility with the cluster minor does not break the mesh", () => {
    // asm-1-28 lists 1.30-1.35; asm-1-26 lists up to 1.34. On 1.35 the canary's target is compatible.
    const istio = integration(judge(mesh(["asm-1-26", "asm-1-28"], "1.35.1"), "2026-04-01"), "istio");
    expect(istio.drift).not.toBe("out-of-support");
    expect(reasons(istio)).toMatch(/asm-1-26 is not listed as compatible with Kubernetes 1\.35/);
  });

  it("a deprecated revision (n-2) says no new installs", () => {
    const istio = integration(judge(mesh(["asm-1-27"]), "2026-05-30"), "istio");
    expect(reasons(istio)).toMatch(/Revision asm-1-27 is deprecated since 2026-05-29: no new installs/);
  });
});

// Rules 1 and 2 of issue #14: previews are judged apart, and platform support (N-3) ends in an
// AKS-initiated upgrade dated by the GA of the minor that causes the fall, aimed at N-2 on that day.
import { describe, expect, it } from "vitest";
import { cluster, extension, integration, judge, reasons } from "./judgement.fixtures.js";

describe("preview is an exception everywhere", () => {
  it("an add-on on a Kubernetes minor not yet GA (catalog) is a preview with no forced upgrade", () => {
    // 1.37 is GA on 2026-10-01 in the catalog; on 2026-09-15 it is a preview.
    const r = judge(cluster("1.37.0", { kedaEnabled: true }), "2026-09-15");
    const k8s = integration(r, "kubernetes");
    expect(k8s.stage).toBe("preview");
    expect(reasons(k8s)).toMatch(/60-day notice/);
    const keda = integration(r, "keda");
    expect(keda.stage).toBe("preview");
    expect(keda.severity).not.toBe("ok");
    expect(keda.deadlines.filter((d) => d.kind === "forced-upgrade")).toEqual([]);
    expect(reasons(keda)).toMatch(/best-effort/);
    expect(reasons(keda)).toMatch(/not only patch/);
  });

  it("a minor the region's live data marks as preview makes its add-ons previews too", () => {
    const versions = { location: "westeurope", minors: [{ version: "1.36", isPreview: true, isDefault: false, supportPlans: ["KubernetesOfficial"], patchVersions: ["1.36.1"] }] };
    const r = judge(cluster("1.36.1", { addonProfiles: { azureKeyvaultSecretsProvider: { enabled: true, config: null } } }), "2026-12-02", { versions });
    const kv = integration(r, "azureKeyvaultSecretsProvider");
    expect(kv.stage).toBe("preview");
    expect(kv.deadlines.some((d) => d.kind === "forced-upgrade")).toBe(false);
    expect(["info", "warning", "critical"]).toContain(kv.severity);
  });

  it("the same add-on on a GA minor keeps its forced-upgrade deadline (the control case)", () => {
    const r = judge(cluster("1.36.1", { kedaEnabled: true }), "2026-12-02");
    const keda = integration(r, "keda");
    expect(keda.stage).toBe("ga");
    expect(keda.deadlines.find((d) => d.kind === "forced-upgrade")?.date).toBe("2027-06-30");
  });

  it("a preview add-on gets no GA forced-upgrade rule", () => {
    const r = judge(cluster("1.34.2", { addonProfiles: { gitops: { enabled: true, config: null } } }), "2026-06-01");
    const gitops = integration(r, "gitops");
    expect(gitops.stage).toBe("preview");
    expect(gitops.deadlines.some((d) => d.kind === "forced-upgrade")).toBe(false);
    expect(reasons(gitops)).toMatch(/60-day notice/);
  });

  it.each(["Preview", "preview", "DEV", "dev"])("an extension on the %s release train is a preview", (train) => {
    const r = judge(cluster("1.34.2"), "2026-06-01", { extensions: [extension("microsoft.flux", "1.18.0", { releaseTrain: train })] });
    const flux = integration(r, "microsoft.flux");
    expect(flux.stage).toBe("preview");
    expect(flux.severity).not.toBe("ok");
    expect(reasons(flux)).toMatch(new RegExp(`${train} release train`));
  });

  it("an extension on the Stable train is not made a preview", () => {
    const r = judge(cluster("1.34.2"), "2026-06-01", { extensions: [extension("microsoft.flux", "1.18.0", { releaseTrain: "stable" })] });
    expect(integration(r, "microsoft.flux").stage).not.toBe("preview");
  });
});

describe("platform support (N-3) and the AKS-initiated upgrade", () => {
  it("dates the add-on's forced upgrade by the GA of the minor that ends platform support, aimed at N-2 then", () => {
    // 1.31: community support ended 2025-11-01; platform support until 1.35 is GA (2026-03-01).
    // On 2026-03-01 the GA minors are 1.35, 1.34, 1.33: AKS moves the cluster to 1.33, skipping 1.32.
    const r = judge(cluster("1.31.9", { kedaEnabled: true }), "2026-02-01");
    const k8s = integration(r, "kubernetes");
    expect(k8s.stage).toBe("deprecated");
    expect(k8s.deadlines).toContainEqual(expect.objectContaining({ kind: "forced-upgrade", date: "2026-03-01" }));
    expect(reasons(k8s)).toMatch(/to 1\.33/);
    const keda = integration(r, "keda");
    const forced = keda.deadlines.filter((d) => d.kind === "forced-upgrade");
    expect(forced.map((d) => d.date)).toEqual(["2026-03-01"]);
    expect(forced[0]!.daysLeft).toBe(28);
    const text = reasons(keda);
    expect(text).toMatch(/from 1\.31 to 1\.33/);
    expect(text).toMatch(/2\.16\.1 or 2\.17/); // the KEDA the target minor runs
    expect(text).toMatch(/crosses 2\.15/); // pod identity removed on the way
    expect(text).not.toMatch(/crosses 2\.14:/); // 2.14.1 already runs on 1.31
    expect(keda.drift).toBe("out-of-support");
  });

  it("when the GA date that ends platform support is unknown, it says so and never calls it retired", () => {
    // 1.34 left community support on 2026-11-30; platform support lasts until 1.38, not in the catalog.
    const r = judge(cluster("1.34.2", { kedaEnabled: true }), "2026-12-02");
    const k8s = integration(r, "kubernetes");
    expect(k8s.stage).toBe("deprecated");
    expect(reasons(k8s)).toMatch(/1\.38/);
    expect(reasons(k8s)).toMatch(/not known yet/);
    const keda = integration(r, "keda");
    expect(keda.stage).not.toBe("retired");
    expect(keda.deadlines.filter((d) => d.kind === "forced-upgrade" && d.daysLeft < 0)).toEqual([]);
    expect(reasons(keda)).toMatch(/1\.38 becomes GA/);
  });

  it("platform support decided by live data still aims the upgrade by the catalog's GA dates", () => {
    const versions = { location: "westeurope", minors: [{ version: "1.32", isPreview: false, isDefault: false, supportPlans: ["AKSLongTermSupport"], patchVersions: ["1.32.5"] }] };
    // 1.32: platform support until 1.36 GA (2026-06-01); GA then: 1.36, 1.35, 1.34.
    const r = judge(cluster("1.32.5", { kedaEnabled: true }), "2026-05-01", { versions });
    const k8s = integration(r, "kubernetes");
    expect(k8s.stage).toBe("deprecated");
    const keda = integration(r, "keda");
    expect(keda.deadlines.filter((d) => d.kind === "forced-upgrade").map((d) => d.date)).toEqual(["2026-06-01"]);
    expect(reasons(keda)).toMatch(/to 1\.34/);
  });

  it("past platform support the cluster is retired and the grace-period rule dates AKS's upgrade", () => {
    // 1.29 fell out of platform support when 1.33 became GA (2025-05-01).
    const r = judge(cluster("1.29.9"), "2026-12-02");
    const k8s = integration(r, "kubernetes");
    expect(k8s.stage).toBe("retired");
    expect(k8s.deadlines).toContainEqual(expect.objectContaining({ kind: "forced-upgrade", date: "2027-06-01" }));
    expect(reasons(k8s)).toMatch(/60-day grace period/);
  });
});

describe("the platform-initiated upgrade after the grace period", () => {
  it("a cluster in platform support whose ending GA is unknown still gets AKS's dated upgrade, aimed nowhere the catalog cannot see", () => {
    // 1.34 left community support on 2026-11-30; from 2027-06-01 AKS upgrades clusters after 60 days.
    const r = judge(cluster("1.34.2", { kedaEnabled: true }), "2026-12-02");
    const k8s = integration(r, "kubernetes");
    expect(k8s.stage).toBe("deprecated");
    expect(k8s.deadlines).toContainEqual(expect.objectContaining({ kind: "forced-upgrade", date: "2027-06-01" }));
    const keda = integration(r, "keda");
    expect(keda.deadlines.filter((d) => d.kind === "forced-upgrade").map((d) => d.date)).toEqual(["2027-06-01"]);
    // The catalog lists no minor GA after 2027-06-01, so it cannot tell which minor is N-2 then.
    expect(reasons(keda)).toMatch(/does not yet know the minor it moves to/);
    expect(reasons(keda)).not.toMatch(/to 1\.35 on/);
  });

  it("the grace rule does not displace an earlier GA-dated upgrade", () => {
    const r = judge(cluster("1.31.9", { kedaEnabled: true }), "2026-02-01");
    const forced = integration(r, "kubernetes").deadlines.filter((d) => d.kind === "forced-upgrade").map((d) => d.date);
    expect(forced).toEqual(["2026-03-01"]);
  });
});

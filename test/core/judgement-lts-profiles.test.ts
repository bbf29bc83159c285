// Rules 5 and 6 of issue #14: long-term support's node-OS and patch rules; application routing's
// NGINX end of support applies to the NGINX implementation only, and past it the add-on is out of support.
import { describe, expect, it } from "vitest";
import { cluster, integration, judge, pool, reasons } from "./judgement.fixtures.js";

const lts = (version: string, pools = [pool("system", version, { osSku: "Ubuntu2404" })]) =>
  cluster(version, { skuTier: "Premium", supportPlan: "AKSLongTermSupport", agentPools: pools });

describe("long-term support", () => {
  it("LTS on 1.33 with an Ubuntu 22.04 pool is a finding (the generic SKU resolved by the pool's minor)", () => {
    const i = integration(judge(lts("1.33.2", [pool("system", "1.33.2", { osSku: "Ubuntu2404" }), pool("apps", "1.33.2", { osSku: "Ubuntu" })]), "2026-05-01"), "kubernetes");
    expect(reasons(i)).toMatch(/Node pool "apps" runs Ubuntu 22\.04; long-term support on 1\.33 and later needs Ubuntu 24\.04/);
    expect(["warning", "critical"]).toContain(i.severity);
  });

  it("LTS on 1.33 with Ubuntu 24.04 pools only is not flagged; nor is LTS on 1.32 with 22.04", () => {
    expect(reasons(integration(judge(lts("1.33.2"), "2026-05-01"), "kubernetes"))).not.toMatch(/needs Ubuntu 24\.04 pools/);
    const on132 = integration(judge(lts("1.32.5", [pool("system", "1.32.5", { osSku: "Ubuntu2204" })]), "2026-05-01"), "kubernetes");
    expect(reasons(on132)).not.toMatch(/needs Ubuntu 24\.04 pools/);
  });

  it("the same Ubuntu 22.04 pool without LTS is not an LTS finding", () => {
    const c = cluster("1.33.2", { agentPools: [pool("apps", "1.33.2", { osSku: "Ubuntu2204" })] });
    expect(reasons(integration(judge(c, "2026-05-01"), "kubernetes"))).not.toMatch(/long-term support on 1\.33/);
  });

  it("an LTS patch outside the two newest is patch-behind with a warning, from live data", () => {
    const versions = { location: "westeurope", minors: [{ version: "1.33", isPreview: false, isDefault: false, supportPlans: ["KubernetesOfficial", "AKSLongTermSupport"], patchVersions: ["1.33.1", "1.33.2", "1.33.3", "1.33.4"] }] };
    const i = integration(judge(lts("1.33.2", [pool("system", "1.33.2")]), "2026-05-01", { versions }), "kubernetes");
    expect(i.drift).not.toBe("current");
    expect(["warning", "critical"]).toContain(i.severity);
    expect(reasons(i)).toMatch(/1\.33\.2 is not one of them/);
  });

  it("without live data the LTS patch rule says it could not be checked", () => {
    const i = integration(judge(lts("1.33.2"), "2026-05-01"), "kubernetes");
    expect(reasons(i)).toMatch(/without the region's live patch list/);
  });
});

describe("application routing: NGINX end of support, Gateway API implementation", () => {
  it("past the NGINX end of support application routing is out-of-support and critical", () => {
    const i = integration(judge(cluster("1.35.1", { webAppRoutingEnabled: true }), "2026-12-02"), "webAppRouting");
    expect(i).toMatchObject({ drift: "out-of-support", severity: "critical" });
    expect(i.deadlines).toContainEqual(expect.objectContaining({ date: "2026-11-30", kind: "end-of-support" }));
  });

  it("with the default NGINX controller off the NGINX date does not apply to the add-on", () => {
    const c = cluster("1.35.1", {
      webAppRoutingEnabled: true,
      webAppRoutingNginx: "None",
      managedFeatures: [{ name: "appRoutingIstio", enabled: true, evidence: 'ingressProfile.webAppRouting.gatewayAPIImplementations.appRoutingIstio.mode = "Enabled"' }],
    });
    const r = judge(c, "2026-12-02");
    const routing = integration(r, "webAppRouting");
    expect(routing.deadlines.some((d) => d.date === "2026-11-30")).toBe(false);
    expect(routing.drift).not.toBe("out-of-support");
    expect(reasons(routing)).toMatch(/defaultIngressControllerType = None/);
    expect(integration(r, "appRoutingIstio").supportTier).toBe("aks-managed");
  });

  it("workload identity and managed Gateway API CRDs are listed as aks-managed features when on", () => {
    const c = cluster("1.35.1", {
      managedFeatures: [
        { name: "workloadIdentity", enabled: true, evidence: "securityProfile.workloadIdentity.enabled = true" },
        { name: "gatewayAPI", enabled: true, evidence: 'ingressProfile.gatewayAPI.installation = "Standard"' },
      ],
    });
    const r = judge(c, "2026-12-02");
    expect(integration(r, "workloadIdentity")).toMatchObject({ kind: "addon", supportTier: "aks-managed", stage: "ga" });
    expect(integration(r, "gatewayAPI")).toMatchObject({ kind: "addon", supportTier: "aks-managed" });
  });
});

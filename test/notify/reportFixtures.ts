/** Hand-built reports for the mail tests: small, readable, and independent of the classifier. */
import type { AuditReport, ClusterReport, Deadline, DeadlineKind, Integration } from "../../src/core/report.js";
import { SCHEMA_VERSION, summarize } from "../../src/core/report.js";
import { addDays } from "../../src/core/dates.js";
import type { Recipients } from "../../src/config.js";

export const SUB_A = "11111111-1111-1111-1111-111111111111";
export const SUB_B = "22222222-2222-2222-2222-222222222222";
export const XSS = "<img src=x onerror=alert(1)>";

export function deadline(asOf: string, daysLeft: number, kind: DeadlineKind = "retirement", source = "https://learn.microsoft.com/azure/aks/supported-kubernetes-versions"): Deadline {
  return { date: addDays(asOf, daysLeft), kind, daysLeft, source };
}

export function integration(name: string, overrides: Partial<Integration> = {}): Integration {
  return {
    kind: "addon",
    name,
    version: null,
    supportTier: "aks-managed",
    stage: "ga",
    drift: "current",
    deadlines: [],
    severity: "ok",
    reasons: [],
    ...overrides,
  };
}

export function cluster(name: string, overrides: Partial<ClusterReport> = {}): ClusterReport {
  const sub = overrides.subscriptionId ?? SUB_A;
  const rg = overrides.resourceGroup ?? "rg-aks";
  return {
    id: `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.ContainerService/managedClusters/${name}`,
    name,
    subscriptionId: sub,
    resourceGroup: rg,
    location: "westeurope",
    kubernetesVersion: "1.31.2",
    supportPlan: "KubernetesOfficial",
    integrations: [],
    errors: [],
    ...overrides,
  };
}

export function report(asOf: string, clusters: ClusterReport[], runId = `run-${asOf}`): AuditReport {
  return {
    schemaVersion: SCHEMA_VERSION,
    runId,
    asOf,
    catalog: { version: "2026.11.1", checkedAt: "2026-11-01" },
    clusters,
    summary: summarize(clusters, 60),
    errors: [],
  };
}

export function recipients(overrides: Partial<Recipients> = {}): Recipients {
  return { defaults: [], bySubscription: {}, tagName: null, ...overrides };
}

/**
 * A fleet with one deadline per cluster, `daysLeft` days from asOf: prod-1 and prod-2 in
 * subscription A, team-x in subscription B tagged for team@x.com.
 */
export function fleet(asOf: string, daysLeft = 45): ClusterReport[] {
  const retiring = (name: string) =>
    integration(name, { deadlines: [deadline(asOf, daysLeft)], severity: "warning", reasons: [`${name} retires`], stage: "deprecated" });
  return [
    cluster("aks-prod-1", { integrations: [retiring("http_application_routing")] }),
    cluster("aks-prod-2", { integrations: [retiring("http_application_routing")] }),
    cluster("aks-team-x", { subscriptionId: SUB_B, tags: { Owner: "team@x.com; not-an-address" }, integrations: [retiring("open-service-mesh")] }),
  ];
}

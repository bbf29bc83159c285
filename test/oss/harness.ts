/**
 * The open-source scan's test bed: the fleet simulator (ARM, with listClusterUserCredential pointing
 * at the kube fake), the kube fake (one API server per cluster), Azurite's Table and Queue services
 * in-process, and a credential that records which scopes were asked for. Real SDK clients throughout.
 */
import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/core-auth";
import { afterAll, beforeAll } from "vitest";
import { createAppContext, type AppContext } from "../../src/app/context.js";
import { loadConfig } from "../../src/config.js";
import type { ClusterRecord, ScopeError } from "../../src/core/types.js";
import { startLocalQueues, type LocalQueues } from "../../src/local/azuriteQueue.js";
import { startKubeFake, type ClusterPlan, type KubeFake } from "../../src/local/kubeFake.js";
import { startFleetSimulator, type FleetSimulator } from "../../src/local/simulator/index.js";
import { useAzurite } from "../helpers/azurite.js";

export const ASOF = "2026-11-24";

export class RecordingCredential implements TokenCredential {
  readonly scopes: string[] = [];
  async getToken(scopes: string | string[], _options?: GetTokenOptions): Promise<AccessToken> {
    const scope = Array.isArray(scopes) ? scopes.join(" ") : scopes;
    this.scopes.push(scope);
    return { token: `token-for:${scope}`, expiresOnTimestamp: Date.now() + 3_600_000 };
  }
}

export interface OssBed {
  sim: FleetSimulator;
  kube: KubeFake;
  queues: LocalQueues;
  credential: RecordingCredential;
  tablesConnectionString: string;
  /** Every cluster of the simulated fleet, as the audit sees it. */
  clusters: ClusterRecord[];
  context(env?: Record<string, string>): Promise<AppContext>;
}

/** Starts everything in beforeAll; `plans` picks what each cluster runs once the fleet is known. */
export function useOssBed(options: { clusters: number; seed: number; plans: (clusters: ClusterRecord[]) => Record<string, ClusterPlan> }): OssBed {
  const azurite = useAzurite();
  const contexts: AppContext[] = [];
  const bed = { credential: new RecordingCredential(), clusters: [] as ClusterRecord[] } as unknown as OssBed;
  beforeAll(async () => {
    bed.kube = await startKubeFake();
    bed.sim = await startFleetSimulator({ seed: options.seed, clusters: options.clusters, asOf: ASOF, quota: null, kubeApi: { endpoint: bed.kube.endpoint, ca: bed.kube.ca } });
    bed.queues = await startLocalQueues();
    bed.tablesConnectionString = azurite.connectionString;
    bed.context = async (env = {}) => {
      const config = loadConfig({ ARM_ENDPOINT: bed.sim.endpoint, TABLE_PREFIX: azurite.freshPrefix(), ...env }, "/tmp");
      const ctx = await createAppContext(config, {
        credential: bed.credential,
        armCa: bed.sim.ca,
        tablesConnectionString: azurite.connectionString,
        queueConnectionString: bed.queues.connectionString,
      });
      contexts.push(ctx);
      return ctx;
    };
    const probe = await bed.context();
    const errors: ScopeError[] = [];
    for await (const page of probe.fleet().clusterPages({ subscriptions: [], managementGroups: [], clusterIds: [] }, errors)) bed.clusters.push(...page);
    for (const [name, plan] of Object.entries(options.plans(bed.clusters))) bed.kube.setPlan(name, plan);
  });
  afterAll(async () => {
    for (const ctx of contexts) await ctx.close();
    await bed.queues?.close();
    await bed.sim?.close();
    await bed.kube?.close();
  });
  return bed;
}

export function auditRequest(runId: string) {
  return {
    runId,
    trigger: "timer" as const,
    scope: { subscriptions: [], managementGroups: [], clusterIds: [] },
    asOf: ASOF,
    windowDays: 60,
    now: () => new Date("2026-11-24T06:00:00Z"),
    collect: true,
  };
}

/**
 * Starts the bench's simulator pair (see simulator.ts): the measured instance and its unthrottled
 * copy of the same fleet, sharing one certificate.
 */
import { startFleetSimulator, type FleetSimulator } from "../src/local/simulator/index.js";
import { createLocalTls } from "../src/local/tls.js";
import { ARM_PAGE_SIZE, type BenchSimulatorOptions, type SimulatorReady } from "./simulator.js";

export interface SimulatorPair {
  ready: SimulatorReady;
  measured: FleetSimulator;
  close(): Promise<void>;
}

export async function startSimulatorPair(options: BenchSimulatorOptions): Promise<SimulatorPair> {
  const tls = await createLocalTls();
  const common = { seed: options.seed, clusters: options.clusters, subscriptions: options.subscriptions, regions: options.regions, asOf: options.asOf, armPageSize: ARM_PAGE_SIZE, tls };
  const measured = await startFleetSimulator({ ...common, latencyMs: options.latencyMs, quota: options.quota, armQuota: options.armQuota });
  const fast = await startFleetSimulator({ ...common, latencyMs: 0, quota: null, armQuota: null });
  const ready: SimulatorReady = {
    endpoint: measured.endpoint,
    fastEndpoint: fast.endpoint,
    ca: measured.ca,
    fleet: {
      clusters: measured.fleet.clusters,
      extensions: measured.fleet.extensions,
      sourceControlConfigurations: measured.fleet.sourceControlConfigurations,
      regions: measured.fleet.regions,
      subscriptionIds: measured.fleet.subscriptions.map((s) => s.id),
      clustersPerSubscription: measured.fleet.subscriptions.map((s) => s.clusters),
      armPageSize: ARM_PAGE_SIZE,
    },
  };
  return {
    ready,
    measured,
    close: async () => {
      await Promise.all([measured.close(), fast.close()]);
    },
  };
}


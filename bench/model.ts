/**
 * What the measurements are compared with, computed from the fleet's shape and the simulator's
 * settings alone (no timing): the quota floor and the naive baseline's request count.
 */
import type { FleetShape } from "./simulator.js";

/** Resource Graph's page size ($top maximum), which the auditor uses. */
export const ARG_PAGE_SIZE = 1000;

export interface QuotaFloor {
  clusterPages: number;
  extensionPages: number;
  /** The Flux v1 configurations query: at least one page even when the fleet has none. */
  sourceControlPages: number;
  /** Requests that spend Resource Graph quota. */
  quotaRequests: number;
  /** Region version lookups: Container Service, outside the Resource Graph quota. */
  versionRequests: number;
  /** Quota windows that must pass before the last request can be admitted. */
  windowsWaited: number;
  floorSeconds: number;
}

/**
 * The least time any client could take. The quota admits `requests` queries per sliding window,
 * counted on arrival, so query number k (1-based) cannot be admitted before
 * floor((k − 1) / requests) windows have passed; its answer then takes one more round trip.
 * Version lookups run beside the queries (no quota) and do not lengthen the floor. Server and
 * client processing time is left out on purpose: the floor is what the quota and the network
 * alone impose.
 */
export function quotaFloor(shape: Pick<FleetShape, "clusters" | "extensions" | "sourceControlConfigurations" | "regions">, quota: { requests: number; windowMs: number } | null, latencyMs: number): QuotaFloor {
  const clusterPages = Math.max(1, Math.ceil(shape.clusters / ARG_PAGE_SIZE));
  const extensionPages = Math.max(1, Math.ceil(shape.extensions / ARG_PAGE_SIZE));
  const sourceControlPages = Math.max(1, Math.ceil(shape.sourceControlConfigurations / ARG_PAGE_SIZE));
  const quotaRequests = clusterPages + extensionPages + sourceControlPages;
  const windowsWaited = quota ? Math.floor((quotaRequests - 1) / quota.requests) : 0;
  const floorMs = windowsWaited * (quota?.windowMs ?? 0) + latencyMs;
  return { clusterPages, extensionPages, sourceControlPages, quotaRequests, versionRequests: shape.regions.length, windowsWaited, floorSeconds: floorMs / 1000 };
}

export interface NaiveShape {
  /** `az aks list` per subscription: one request per ARM page, at least one even when empty. */
  listRequests: number;
  /** `az aks show` per cluster. */
  getRequests: number;
  /** `az aks get-upgrades` per cluster. */
  upgradeRequests: number;
  total: number;
}

/** Exactly what a list + per-cluster get + get-upgrades script sends for this fleet. */
export function naiveRequests(shape: Pick<FleetShape, "clustersPerSubscription" | "armPageSize">): NaiveShape {
  let listRequests = 0;
  let clusters = 0;
  for (const n of shape.clustersPerSubscription) {
    listRequests += Math.max(1, Math.ceil(n / shape.armPageSize));
    clusters += n;
  }
  return { listRequests, getRequests: clusters, upgradeRequests: clusters, total: listRequests + 2 * clusters };
}

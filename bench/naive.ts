/**
 * The naive baseline (bench only, never product code): what scripts built on `az aks list`,
 * `az aks show` and `az aks get-upgrades` do. One managedClusters list per subscription, followed
 * page by page, then a GET of every cluster and of its upgrade profile, through the real
 * Container Service SDK client under the simulator's ARM limits. Scripts usually fan out with
 * `xargs -P` or background jobs, so the per-cluster calls run with a fixed parallelism.
 */
import { ContainerServiceClient } from "@azure/arm-containerservice";
import { createStaticCredential } from "../src/sources/credential.js";
import { parseClusterId } from "../src/sources/parse.js";

export interface NaiveRun {
  seconds: number;
  /** Logical calls the script makes (one per list page, GET and upgrade profile): what the model counts. */
  requests: number;
  /** Attempts beyond those calls: the SDK's own retries after a dropped socket or a 429 under load. */
  retries: number;
  clusters: number;
  failures: number;
}

export async function runNaiveBaseline(options: { endpoint: string; ca: string; subscriptions: string[]; concurrency: number }): Promise<NaiveRun> {
  const credential = createStaticCredential("bench-naive");
  const clients = new Map<string, ContainerServiceClient>();
  let requests = 0;
  let attempts = 0;
  const clientFor = (subscriptionId: string): ContainerServiceClient => {
    let client = clients.get(subscriptionId);
    if (!client) {
      client = new ContainerServiceClient(credential, subscriptionId, {
        endpoint: options.endpoint,
        tlsOptions: { ca: options.ca },
        additionalPolicies: [
          {
            position: "perCall",
            policy: {
              name: "benchNaiveCalls",
              sendRequest: (request, next) => {
                requests += 1;
                return next(request);
              },
            },
          },
          {
            position: "perRetry",
            policy: {
              name: "benchNaiveAttempts",
              sendRequest: (request, next) => {
                attempts += 1;
                return next(request);
              },
            },
          },
        ],
      });
      clients.set(subscriptionId, client);
    }
    return client;
  };

  const started = performance.now();
  let failures = 0;
  // `az aks list` per subscription: the ids come back, the script then walks them.
  const ids: string[] = [];
  await forEachLimit(options.subscriptions, options.concurrency, async (subscriptionId) => {
    for await (const page of clientFor(subscriptionId).managedClusters.list().byPage()) {
      for (const cluster of page) if (cluster.id) ids.push(cluster.id);
    }
  });
  await forEachLimit(ids, options.concurrency, async (id) => {
    const parts = parseClusterId(id);
    if (!parts) {
      failures += 1;
      return;
    }
    const client = clientFor(parts.subscriptionId);
    try {
      await client.managedClusters.get(parts.resourceGroup, parts.name);
      await client.managedClusters.getUpgradeProfile(parts.resourceGroup, parts.name);
    } catch {
      failures += 1;
    }
  });
  return { seconds: (performance.now() - started) / 1000, requests, retries: attempts - requests, clusters: ids.length, failures };
}

async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

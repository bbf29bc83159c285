import { test } from "vitest";
import { startFleetSimulator } from "../src/local/simulator/index.js";
import { createResourceGraphFleetSource } from "../src/sources/resourceGraph.js";
import { createStaticCredential } from "../src/sources/credential.js";
import { TENANT_SCOPE, type ScopeError } from "../src/core/types.js";
test("sweep", async () => {
  const sim = await startFleetSimulator({ clusters: 60, quota: { requests: 5, windowMs: 500 }, faults: { throttle: [{ kind: "clusters", page: 2, retryAfterSeconds: null }], serverError: [{ kind: "clusters", page: 4, status: 503 }] } });
  const src = createResourceGraphFleetSource({ credential: createStaticCredential(), endpoint: sim.endpoint, tlsCa: sim.ca, pageSize: 7, retryOptions: { retryDelayInMs: 20, maxRetryDelayInMs: 100 }, retryBaseMs: 50 });
  const errors: ScopeError[] = [];
  const t0 = Date.now();
  let ext = 0; for await (const x of src.extensions(TENANT_SCOPE, errors)) ext++;
  const ids: string[] = [];
  for await (const page of src.clusterPages(TENANT_SCOPE, errors)) ids.push(...page.map((c) => c.id));
  console.log("ms", Date.now() - t0, "ext", ext, sim.fleet.extensions, "clusters", ids.length, new Set(ids).size, errors, src.stats, sim.stats);
  await sim.close();
});

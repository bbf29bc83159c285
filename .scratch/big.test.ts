import { test } from "vitest";
import { startFleetSimulator } from "../src/local/simulator/index.js";
import { createResourceGraphFleetSource } from "../src/sources/resourceGraph.js";
import { createStaticCredential } from "../src/sources/credential.js";
import { TENANT_SCOPE, type ScopeError } from "../src/core/types.js";
test("big", async () => {
  const t00 = Date.now();
  const sim = await startFleetSimulator({ clusters: 50000, quota: process.env.NOQ ? null : undefined });
  console.log("sim start", Date.now() - t00, sim.fleet.extensions, sim.fleet.subscriptions.length);
  const src = createResourceGraphFleetSource({ credential: createStaticCredential(), endpoint: sim.endpoint, tlsCa: sim.ca });
  const errors: ScopeError[] = [];
  const t0 = Date.now();
  let ext = 0; for await (const x of src.extensions(TENANT_SCOPE, errors)) ext++;
  let n = 0; let maxHeap = 0;
  for await (const page of src.clusterPages(TENANT_SCOPE, errors)) { n += page.length; maxHeap = Math.max(maxHeap, process.memoryUsage().heapUsed); }
  console.log("ms", Date.now() - t0, "ext", ext, "clusters", n, "heapMB", (maxHeap/1e6).toFixed(0), errors.length, src.stats, sim.stats);
  await sim.close();
}, 120000);

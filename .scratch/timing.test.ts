import { test } from "vitest";
import { startFleetSimulator } from "../src/local/simulator/index.js";
import { createResourceGraphFleetSource } from "../src/sources/resourceGraph.js";
import { createStaticCredential } from "../src/sources/credential.js";
import { TENANT_SCOPE, type ScopeError } from "../src/core/types.js";
test("timing", async () => {
  const sim = await startFleetSimulator({ clusters: 30000, quota: { requests: 5, windowMs: 2000 } });
  const t0 = Date.now();
  const log: string[] = [];
  const src = createResourceGraphFleetSource({ credential: createStaticCredential(), endpoint: sim.endpoint, tlsCa: sim.ca,
    clock: { sleep: (ms) => { log.push(`${Date.now()-t0} sleep ${ms.toFixed(0)}`); return new Promise(r => setTimeout(r, ms)); } },
    onProgress: (p) => log.push(`${Date.now()-t0} page ${p.kind} ${p.page}`) });
  const errors: ScopeError[] = [];
  let n = 0;
  for await (const page of src.clusterPages(TENANT_SCOPE, errors)) n += page.length;
  console.log(log.join("\n"), Date.now() - t0);
  await sim.close();
}, 120000);

import { test } from "vitest";
import { ResourceGraphClient } from "@azure/arm-resourcegraph";
import { ContainerServiceClient } from "@azure/arm-containerservice";
import { startFleetSimulator } from "/work/main/src/local/simulator/index.ts";
const cred = { getToken: async () => ({ token: "stub", expiresOnTimestamp: Date.now() + 3600e3 }) };
test("smoke", async () => {
  const t0 = Date.now();
  const sim = await startFleetSimulator({ clusters: 200, quota: null });
  console.log("start ms", Date.now() - t0, sim.endpoint, sim.fleet.subscriptions.length, sim.fleet.extensions);
  const rg = new ResourceGraphClient(cred, { endpoint: sim.endpoint, tlsOptions: { ca: sim.ca } });
  const r = await rg.resources({ query: "resources | where type =~ 'microsoft.containerservice/managedclusters' | project id, name, type, kubernetesVersion = properties.kubernetesVersion, properties.supportPlan", options: { top: 3 } });
  console.log(JSON.stringify(r, null, 1).slice(0, 1500));
  const r2 = await rg.resources({ query: "kubernetesconfigurationresources | where type =~ 'microsoft.kubernetesconfiguration/extensions'", options: { top: 2 } });
  console.log(JSON.stringify(r2, null, 1).slice(0, 3000));
  const cs = new ContainerServiceClient(cred, sim.fleet.subscriptions[0]!.id, { endpoint: sim.endpoint, tlsOptions: { ca: sim.ca } });
  const kv = await cs.managedClusters.listKubernetesVersions("eastus");
  console.log(JSON.stringify(kv).slice(0, 800));
  let n = 0; for await (const c of cs.managedClusters.list()) { n++; if (n === 1) console.log(JSON.stringify(c).slice(0, 600)); }
  console.log("list", n, sim.fleet.subscriptions[0]!.clusters);
  const first = sim.fleet.clusterIds({ subscriptions: [sim.fleet.subscriptions[0]!.id] }).next().value!;
  const [, , , , rgName, , , , name] = first.split("/");
  const up = await cs.managedClusters.getUpgradeProfile(rgName!, name!);
  console.log(JSON.stringify(up).slice(0, 600));
  const got = await cs.managedClusters.get(rgName!, name!);
  console.log(got.name, got.kubernetesVersion, Object.keys(got.addonProfiles ?? {}));
  console.log(sim.stats);
  await sim.close();
});

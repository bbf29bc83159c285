import { test } from "vitest";
import { startFleetSimulator } from "../src/local/simulator/index.js";
test("mix", async () => {
  const sim = await startFleetSimulator({ clusters: 200 });
  const minors: Record<string, number> = {}, addons: Record<string, number> = {}, regions = new Set<string>(), names: string[] = [];
  let lts = 0, istio = 0, keda = 0, owners = 0, behind = 0;
  for (let i = 0; i < 200; i++) {
    const r: any = sim.fleet.clusterResource(i);
    const m = r.properties.currentKubernetesVersion.split(".").slice(0, 2).join(".");
    minors[m] = (minors[m] ?? 0) + 1;
    for (const k of Object.keys(r.properties.addonProfiles)) addons[k] = (addons[k] ?? 0) + 1;
    regions.add(r.location);
    if (r.properties.supportPlan === "AKSLongTermSupport") lts++;
    if (r.properties.serviceMeshProfile?.mode === "Istio") istio++;
    if (r.properties.workloadAutoScalerProfile?.keda?.enabled) keda++;
    if (/@/.test(r.tags.owner ?? "")) owners++;
    if (r.properties.agentPoolProfiles.some((p: any) => p.currentOrchestratorVersion.split(".")[1] !== r.properties.currentKubernetesVersion.split(".")[1])) behind++;
    if (/["'<🚀]/u.test(r.name)) names.push(r.name);
  }
  const ext: Record<string, number> = {};
  for (const x of sim.fleet.extensionIds()) ext[x.extensionType] = (ext[x.extensionType] ?? 0) + 1;
  console.log({ minors, addons, regions: regions.size, lts, istio, keda, owners, behind, names, ext, subs: sim.fleet.subscriptions.map(s => s.clusters), mgs: sim.fleet.managementGroups });
  await sim.close();
});

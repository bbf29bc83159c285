/**
 * Every command and exit code the README's "Command line" section promises, run as a user runs
 * them: the built bin in a child process, a temporary AKS_AUDIT_HOME holding the local Azurite
 * store and outbox, and (through `demo`) the fleet simulator over loopback HTTPS. The broken
 * chain is made by editing a stored snapshot row with the real Tables SDK, as someone with write
 * access to the storage account could.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { TableClient, odata } from "@azure/data-tables";
import { beforeAll, describe, expect, it } from "vitest";
import { startLocalTables } from "../../src/local/azurite.js";
import type { AuditReport } from "../../src/core/report.js";
import type { RunRecord } from "../../src/core/ports.js";
import { builtBin, runBin, tempHome } from "../helpers/cli.js";

beforeAll(() => {
  builtBin();
}, 120_000);

const SUB = "5b1c7e2a-3d4f-4a6b-8c9d-0e1f2a3b4c5d";
const idOf = (name: string) => `/subscriptions/${SUB}/resourceGroups/rg-${name}/providers/Microsoft.ContainerService/managedClusters/${name}`;

/** The README's shape of an `az graph query` export: projected cluster rows. */
function clusterRow(name: string, owner: string) {
  return {
    id: idOf(name),
    name,
    type: "microsoft.containerservice/managedclusters",
    location: "westeurope",
    resourceGroup: `rg-${name}`,
    subscriptionId: SUB,
    tags: { owner },
    sku: { name: "Base", tier: "Free" },
    kubernetesVersion: "1.31.5",
    currentKubernetesVersion: "1.31.5",
    supportPlan: "KubernetesOfficial",
    addonProfiles: { omsagent: { enabled: true, config: {} } },
    agentPoolProfiles: [{ name: "system", mode: "System", orchestratorVersion: "1.31.5", currentOrchestratorVersion: "1.31.5", count: 3 }],
    provisioningState: "Succeeded",
    powerState: "Running",
  };
}

/** Recipients of every .eml in a folder (To header). */
function recipientsIn(dir: string): Set<string> {
  const to = new Set<string>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith(".eml"))) {
    const header = /^To: (.*)$/m.exec(readFileSync(path.join(dir, f), "utf8"))?.[1] ?? "";
    for (const address of header.split(",")) to.add(address.trim());
  }
  return to;
}

const emlCount = (dir: string) => {
  try {
    return readdirSync(dir).filter((n) => n.endsWith(".eml")).length;
  } catch {
    return 0;
  }
};

describe("aks-audit history and verify over two demo runs", () => {
  const home = tempHome("commands-history");
  const env = { AKS_AUDIT_HOME: home };
  let runs: RunRecord[] = [];
  let report1: AuditReport;

  beforeAll(async () => {
    for (const asOf of ["2026-11-23", "2026-11-24"]) {
      const demo = await runBin(["demo", "--clusters", "12", "--weeks", "1", "--as-of", asOf, "--quiet", "--format", "json"], env);
      expect(demo.code, demo.stderr).toBe(0);
    }
    const listed = await runBin(["history", "--runs", "--format", "json"], env);
    expect(listed.code, listed.stderr).toBe(0);
    runs = JSON.parse(listed.stdout) as RunRecord[];
  }, 120_000);

  it("history --runs lists both runs, newest first", () => {
    expect(runs.map((r) => [r.asOf, r.status, r.summary.clusters])).toEqual([
      ["2026-11-24", "succeeded", 12],
      ["2026-11-23", "succeeded", 12],
    ]);
  });

  it("history --run prints the stored run as the report contract", async () => {
    const older = runs[1]!;
    const r = await runBin(["history", "--run", older.runId, "--format", "json"], env);
    expect(r.code, r.stderr).toBe(0);
    report1 = JSON.parse(r.stdout) as AuditReport;
    expect(report1).toMatchObject({ schemaVersion: 1, runId: older.runId, asOf: "2026-11-23" });
    expect(report1.clusters).toHaveLength(12);
    expect(report1.summary.clusters).toBe(12);
  });

  it("history --run with an unknown id exits 2 naming it", async () => {
    const r = await runBin(["history", "--run", "no-such-run"], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("aks-audit: no stored run with id 'no-such-run'\n");
  });

  it("history --cluster shows that cluster's snapshots newest first, with the changes between them", async () => {
    const id = report1.clusters[0]!.id;
    const r = await runBin(["history", "--cluster", id, "--format", "json"], env);
    expect(r.code, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as { runId: string; asOf: string; cluster: { id: string }; changes: unknown[] }[];
    expect(rows.map((x) => [x.asOf, x.runId])).toEqual([
      ["2026-11-24", runs[0]!.runId],
      ["2026-11-23", runs[1]!.runId],
    ]);
    expect(rows.every((x) => x.cluster.id.toLowerCase() === id.toLowerCase())).toBe(true);
    // The oldest snapshot has nothing to compare with.
    expect(rows[1]!.changes).toEqual([]);
  });

  it("history --as-of answers with the fleet as the newest run on or before that date saw it", async () => {
    const on23 = await runBin(["history", "--as-of", "2026-11-23", "--format", "json"], env);
    expect(on23.code, on23.stderr).toBe(0);
    expect(JSON.parse(on23.stdout)).toMatchObject({ runId: runs[1]!.runId, asOf: "2026-11-23", summary: { clusters: 12 } });
    const later = await runBin(["history", "--as-of", "2026-11-30", "--format", "json"], env);
    expect(JSON.parse(later.stdout)).toMatchObject({ runId: runs[0]!.runId, asOf: "2026-11-24" });
    const before = await runBin(["history", "--as-of", "2026-11-01"], env);
    expect(before.code).toBe(2);
    expect(before.stderr).toContain("no run recorded on or before 2026-11-01");
  });

  it("verify --cluster checks one chain; an edited snapshot row makes verify exit 1 naming that cluster", async () => {
    const [victim, bystander] = report1.clusters.map((c) => c.id);
    const clean = await runBin(["verify", "--cluster", victim!, "--format", "json"], env);
    expect(clean.code, clean.stderr).toBe(0);
    expect(JSON.parse(clean.stdout)).toMatchObject({ ok: true, clustersChecked: 1, snapshotsChecked: 2, broken: [] });

    // Someone with the storage key quietly rewrites a stored finding of the older run.
    const tables = await startLocalTables({ dataDir: path.join(home, "azurite") });
    let edited = "";
    try {
      const snapshots = TableClient.fromConnectionString(tables.connectionString, "aksauditsnapshots", { allowInsecureConnection: true });
      const rows = snapshots.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`runId eq ${runs[1]!.runId} and clusterId eq ${victim}` } });
      for await (const row of rows) {
        if (typeof row["d00"] !== "string") continue;
        const text = row["d00"].replace(/"severity":"(ok|info|warning)"/, '"severity":"critical"');
        expect(text).not.toBe(row["d00"]);
        await snapshots.updateEntity({ partitionKey: row.partitionKey!, rowKey: row.rowKey!, d00: text }, "Merge");
        edited = row.rowKey!;
        break;
      }
    } finally {
      await tables.close();
    }
    expect(edited).not.toBe("");

    const all = await runBin(["verify", "--format", "json"], env);
    expect(all.code).toBe(1);
    const result = JSON.parse(all.stdout) as { ok: boolean; broken: { clusterId: string; runId: string; field: string }[] };
    expect(result.ok).toBe(false);
    expect(result.broken).toEqual([expect.objectContaining({ clusterId: victim, runId: runs[1]!.runId, field: "contentHash" })]);
    expect((await runBin(["verify", "--cluster", victim!], env)).code).toBe(1);
    const other = await runBin(["verify", "--cluster", bystander!, "--format", "table"], env);
    expect(other.code).toBe(0);
    expect(other.stdout).toContain("every chain intact");
  }, 60_000);
});

describe("aks-audit audit --from-file --extensions-file, then digest", () => {
  const home = tempHome("commands-digest");
  const env = { AKS_AUDIT_HOME: home, MAIL_TO: "platform@example.com", MAIL_ROUTING_TAG: "owner" };
  const clusters = path.join(home, "clusters.json");
  const extensions = path.join(home, "extensions.json");

  beforeAll(() => {
    writeFileSync(clusters, JSON.stringify({ count: 2, data: [clusterRow("aks-a", "team-a@example.com"), clusterRow("aks-b", "team-b@example.com")], skip_token: null }));
    writeFileSync(
      extensions,
      JSON.stringify({
        count: 1,
        data: [
          {
            id: `${idOf("aks-b")}/providers/Microsoft.KubernetesConfiguration/extensions/flux`,
            name: "flux",
            type: "microsoft.kubernetesconfiguration/extensions",
            extensionType: "microsoft.flux",
            version: "",
            currentVersion: "1.17.1",
            releaseTrain: "Stable",
            autoUpgradeMinorVersion: "true",
            provisioningState: "Succeeded",
          },
        ],
        skip_token: null,
      }),
    );
  });

  it("--extensions-file adds the second export's extensions to their clusters, and the run is stored", async () => {
    const r = await runBin(["audit", "--from-file", clusters, "--extensions-file", extensions, "--as-of", "2026-11-23", "--format", "json"], env);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as AuditReport;
    const byName = new Map(report.clusters.map((c) => [c.name, c]));
    expect(byName.get("aks-b")!.integrations.find((i) => i.kind === "extension")).toMatchObject({ name: expect.stringMatching(/flux/i), version: "1.17.1" });
    expect(byName.get("aks-a")!.integrations.some((i) => i.kind === "extension")).toBe(false);
    expect(r.stderr).toContain(`stored; see: aks-audit history --run ${report.runId}`);
  });

  it("--extensions-file without --from-file exits 2 naming both", async () => {
    const r = await runBin(["audit", "--extensions-file", extensions], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("aks-audit: --extensions-file goes with --from-file (see aks-audit --help)\n");
  });

  it("--fail-on critical exits 1 on an export with an unsupported Kubernetes minor", async () => {
    const r = await runBin(["audit", "--from-file", clusters, "--as-of", "2026-11-23", "--no-store", "--fail-on", "critical", "--quiet"], env);
    expect(r.code).toBe(1);
  });

  it("digest --preview renders into outbox/preview and records nothing; digest then sends, once", async () => {
    const outbox = path.join(home, "outbox");
    const preview = await runBin(["digest", "--preview", "--as-of", "2026-11-23"], env);
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.stderr).toContain("nothing recorded");
    const previewed = emlCount(path.join(outbox, "preview"));
    expect(previewed).toBeGreaterThan(0);
    // The fleet's list and each owner tag's team get mail.
    expect(recipientsIn(path.join(outbox, "preview"))).toEqual(new Set(["platform@example.com", "team-a@example.com", "team-b@example.com"]));
    expect(emlCount(outbox)).toBe(0);

    const sent = await runBin(["digest", "--as-of", "2026-11-23"], env);
    expect(sent.code, sent.stderr).toBe(0);
    // Nothing was recorded by the preview, so everything previewed is sent now.
    expect(sent.stderr).toMatch(/digest: \d+ message\(s\) sent to the outbox/);
    const digests = readdirSync(outbox).filter((n) => n.endsWith(".eml") && n.includes("digest"));
    expect(digests.length).toBeGreaterThan(0);
    expect(recipientsIn(outbox)).toEqual(recipientsIn(path.join(outbox, "preview")));
    const filesAfterFirst = readdirSync(outbox).sort();

    // The ledger remembers: a second digest for the same run sends nothing new.
    const again = await runBin(["digest", "--as-of", "2026-11-23"], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/digest: 0 message\(s\) sent/);
    expect(readdirSync(outbox).sort()).toEqual(filesAfterFirst);
  }, 60_000);
});

describe("aks-audit exit 3", () => {
  const home = tempHome("commands-failed");
  const clusters = path.join(home, "clusters.json");
  beforeAll(() => writeFileSync(clusters, JSON.stringify({ count: 1, data: [clusterRow("aks-a", "team-a@example.com")] })));

  const pendingHome = tempHome("commands-pending");

  it("digest exits 3 when mail is left pending (SendGrid unreachable)", async () => {
    const home = pendingHome;
    const audited = await runBin(["audit", "--from-file", clusters, "--as-of", "2026-11-23", "--quiet"], { AKS_AUDIT_HOME: home });
    expect(audited.code, audited.stderr).toBe(0);
    // A loopback port nobody listens on: every send fails as a network error, which is retryable.
    const r = await runBin(["digest", "--as-of", "2026-11-23"], { AKS_AUDIT_HOME: home, MAIL_TO: "platform@example.com", SENDGRID_API_KEY: "SG.test-key-not-real.0000000000", SENDGRID_ENDPOINT: "http://127.0.0.1:9" });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/digest: 0 message\(s\) sent through SendGrid \(1 pending, 0 failed\)/);
  }, 60_000);

  it("with no identity to sign in with, the run is recorded as failed and the command exits 3", async () => {
    // Only the environment credential, with none of its variables: sign-in fails at once, without
    // probing the instance metadata endpoint or spawning `az`.
    const env = { AKS_AUDIT_HOME: home, AZURE_TOKEN_CREDENTIALS: "EnvironmentCredential" };
    const r = await runBin(["audit", "--as-of", "2026-11-23", "--format", "json"], env);
    expect(r.code, r.stderr).toBe(3);
    const report = JSON.parse(r.stdout) as AuditReport;
    expect(report.clusters).toEqual([]);
    expect(report.errors.length).toBeGreaterThan(0);
    for (const e of report.errors) expect(e).toMatchObject({ scope: "tenant", message: expect.stringContaining("EnvironmentCredential is unavailable") });
    expect(r.stderr).toMatch(/run \S+: failed/);

    const listed = await runBin(["history", "--runs", "--format", "json"], { AKS_AUDIT_HOME: home });
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ runId: report.runId, status: "failed" })]);
  }, 60_000);
});

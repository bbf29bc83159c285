/**
 * Identity-based Table Storage end to end, as a Function App with a managed identity and shared
 * keys switched off uses it: no key anywhere, only AZURE_TABLES_ENDPOINT and a token credential.
 * Azurite runs over https with `--oauth basic`; the aks-audit bin runs in a child process with the
 * managed identity variables App Service sets (IDENTITY_ENDPOINT/IDENTITY_HEADER) pointing at a
 * loopback identity endpoint, and trusts Azurite's certificate through NODE_EXTRA_CA_CERTS.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import https from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { startLocalTables, type LocalTables } from "../../src/local/azurite.js";
import { createLocalTls } from "../../src/local/tls.js";
import type { AuditReport } from "../../src/core/report.js";
import { builtBin, runBin } from "../helpers/cli.js";
import { startIdentityEndpoint, unsignedToken, type IdentityEndpoint } from "../helpers/identityEndpoint.js";

const SUB = "6c2d8f3b-4e5a-4b7c-9d0e-1f2a3b4c5d6e";
const CLUSTER = `/subscriptions/${SUB}/resourceGroups/rg-id/providers/Microsoft.ContainerService/managedClusters/aks-id`;

let dir: string;
let tables: LocalTables;
let identity: IdentityEndpoint;
let caFile: string;
let azuriteCa: string;
let exportFile: string;

beforeAll(async () => {
  builtBin();
  dir = mkdtempSync(path.join(tmpdir(), "aks-audit-identity-"));
  const tls = await createLocalTls();
  caFile = path.join(dir, "azurite-ca.pem");
  writeFileSync(caFile, tls.cert);
  azuriteCa = tls.cert;
  [tables, identity] = await Promise.all([startLocalTables({ inMemory: true, https: tls, oauth: "basic" }), startIdentityEndpoint()]);
  exportFile = path.join(dir, "clusters.json");
  writeFileSync(
    exportFile,
    JSON.stringify({
      data: [
        {
          id: CLUSTER,
          name: "aks-id",
          type: "microsoft.containerservice/managedclusters",
          location: "westeurope",
          resourceGroup: "rg-id",
          subscriptionId: SUB,
          tags: {},
          kubernetesVersion: "1.33.2",
          currentKubernetesVersion: "1.33.2",
          addonProfiles: { azureKeyvaultSecretsProvider: { enabled: true } },
          agentPoolProfiles: [{ name: "system", mode: "System", orchestratorVersion: "1.33.2", currentOrchestratorVersion: "1.33.2", count: 3 }],
        },
      ],
    }),
  );
}, 120_000);

afterAll(async () => {
  await Promise.all([tables?.close(), identity?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

/** What a Function App with identity-based storage has: an endpoint, an identity, no key. */
const identityEnv = (extra: Record<string, string> = {}) => ({
  AKS_AUDIT_HOME: path.join(dir, "home"),
  AZURE_TABLES_ENDPOINT: tables.endpoint,
  IDENTITY_ENDPOINT: identity.endpoint,
  IDENTITY_HEADER: identity.header,
  // Only the managed identity: nothing may fall through to `az` or the instance metadata endpoint.
  AZURE_TOKEN_CREDENTIALS: "ManagedIdentityCredential",
  NODE_EXTRA_CA_CERTS: caFile,
  ...extra,
});

/** A bare Table REST call, to see what Azurite itself accepts. */
function listTables(authorization: string | null): Promise<number> {
  const url = new URL(`${tables.endpoint}/Tables`);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { accept: "application/json;odata=nometadata", "x-ms-version": "2019-02-02", "x-ms-date": new Date().toUTCString() };
    if (authorization) headers["authorization"] = authorization;
    https
      .get(url, { ca: azuriteCa, headers }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      })
      .on("error", reject);
  });
}

describe("identity-based Table Storage (no key) against Azurite with OAuth over https", () => {
  it("the settings name an endpoint and no key", () => {
    const env = identityEnv();
    expect(loadConfig({ AZURE_TABLES_ENDPOINT: env.AZURE_TABLES_ENDPOINT }).tables).toEqual({ kind: "endpoint", endpoint: tables.endpoint });
    expect(loadConfig({ AzureWebJobsStorage__accountName: "stauditprod" }).tables).toEqual({ kind: "endpoint", endpoint: "https://stauditprod.table.core.windows.net" });
    expect(Object.keys(env).some((k) => /KEY|CONNECTION_STRING|^AzureWebJobsStorage$/i.test(k))).toBe(false);
  });

  it("Azurite refuses a request without a token and one for another audience, and takes a Storage token", async () => {
    const now = Math.floor(Date.now() / 1000);
    expect(await listTables(null)).toBe(403);
    expect(await listTables(`Bearer ${unsignedToken("https://management.azure.com", now)}`)).toBe(403);
    expect(await listTables(`Bearer ${unsignedToken("https://storage.azure.com", now, -120)}`)).toBe(403);
    expect(await listTables(`Bearer ${unsignedToken("https://storage.azure.com", now)}`)).toBe(200);
  });

  it("an audit stores its run with the managed identity's token and reads it back", async () => {
    const env = identityEnv();
    const audit = await runBin(["audit", "--from-file", exportFile, "--as-of", "2026-11-23", "--format", "json"], env);
    expect(audit.code, audit.stderr).toBe(0);
    const report = JSON.parse(audit.stdout) as AuditReport;
    expect(audit.stderr).toContain(`stored; see: aks-audit history --run ${report.runId}`);
    // The token was asked for Storage (the Tables SDK's scope without /.default), nothing else.
    expect(new Set(identity.requested)).toEqual(new Set(["https://storage.azure.com"]));

    const back = await runBin(["history", "--run", report.runId, "--format", "json"], env);
    expect(back.code, back.stderr).toBe(0);
    const stored = JSON.parse(back.stdout) as AuditReport;
    expect(stored.runId).toBe(report.runId);
    expect(stored.clusters.map((c) => c.id)).toEqual([CLUSTER]);
    expect(stored.clusters[0]!.integrations).toEqual(report.clusters[0]!.integrations);

    const verify = await runBin(["verify", "--cluster", CLUSTER, "--format", "json"], env);
    expect(verify.code, verify.stderr).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, clustersChecked: 1, snapshotsChecked: 1 });
  }, 90_000);

  it("a token for the wrong audience is refused by the store, and the command says so", async () => {
    const wrong = await startIdentityEndpoint({ audience: () => "https://management.azure.com" });
    try {
      const r = await runBin(["history", "--runs", "--format", "json"], identityEnv({ IDENTITY_ENDPOINT: wrong.endpoint, IDENTITY_HEADER: wrong.header }));
      expect(r.code).toBe(3);
      expect(r.stderr).toContain("AuthenticationFailed");
      expect(r.stderr).toContain("Invalid token audience.");
    } finally {
      await wrong.close();
    }
  }, 60_000);
});

/**
 * No Bicep compiler is available offline, so the infra is checked as text: every setting the app
 * needs in Azure is set by the Function App's app settings, every app setting is one the app or the
 * platform reads, and every setting in src/config.ts is either set or deliberately left to its default.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { SETTINGS, type SettingName } from "../../src/config.js";

const root = path.resolve(import.meta.dirname, "../..");
const read = (file: string): string => readFileSync(path.join(root, file), "utf8");

/** The keys of the `appsettings` config resource's properties block in infra/app/function.bicep. */
function bicepAppSettings(): Map<string, string> {
  const text = read("infra/app/function.bicep");
  const start = text.indexOf("name: 'appsettings'");
  expect(start, "function.bicep declares an appsettings config resource").toBeGreaterThan(0);
  const open = text.indexOf("properties: {", start) + "properties: {".length;
  let depth = 1;
  let end = open;
  while (depth > 0 && end < text.length) {
    const ch = text[end++];
    if (ch === "{") depth++;
    if (ch === "}") depth--;
  }
  const settings = new Map<string, string>();
  for (const line of text.slice(open, end - 1).split("\n")) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*(.+?)\s*$/.exec(line.replace(/\/\/.*$/, ""));
    if (m) settings.set(m[1]!, m[2]!);
  }
  return settings;
}

/** Settings the platform, the Functions host or @azure/identity read; not in src/config.ts on purpose. */
const PLATFORM_SETTINGS = new Set([
  "AzureWebJobsStorage__credential",
  "AzureWebJobsStorage__clientId",
  "AZURE_CLIENT_ID",
  "APPLICATIONINSIGHTS_CONNECTION_STRING",
  "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
]);

/** What the app cannot run without in Azure (its local defaults point at Azurite, the outbox or nothing). */
const REQUIRED_IN_AZURE: (SettingName | string)[] = [
  "AzureWebJobsStorage__accountName", // host storage and history tables, keyless
  "AzureWebJobsStorage__credential",
  "AzureWebJobsStorage__clientId",
  "AZURE_CLIENT_ID", // selects the user-assigned identity for ARM and Table calls
  "APPLICATIONINSIGHTS_CONNECTION_STRING",
  "AKS_AUDIT_HOME", // the package directory is read-only on Flex Consumption
  "SENDGRID_API_KEY",
  "MAIL_FROM",
  "MAIL_TO",
  "MAIL_ALLOWED_DOMAINS",
  "AUDIT_SUBSCRIPTIONS",
  "AUDIT_MANAGEMENT_GROUPS",
  "SWEEP_SCHEDULE",
  "DIGEST_SCHEDULE",
  "HTTP_REQUIRE_ROLES",
];

/** Settings whose code default is right in Azure too. A new setting must be added here or to the Bicep. */
const DEFAULT_IN_AZURE: SettingName[] = [
  "ARM_ENDPOINT",
  "AZURE_TABLES_CONNECTION_STRING", // must stay unset: it would take precedence over the identity
  "AzureWebJobsStorage", // must stay unset: a connection string means keys
  "AZURE_TABLES_ENDPOINT",
  "ALERT_WINDOW_DAYS",
  "ALERT_THRESHOLDS",
  "RETENTION_DAYS",
  "CATALOG_OVERRIDE",
  "CATALOG_MAX_AGE_DAYS",
  "CATALOG_OVERRIDE_SHA256",
  "CONSOLE_BASE_URL", // unset: mail links use the platform's WEBSITE_HOSTNAME (https://<host>)
  "UPGRADE_PROFILES",
  "UPGRADE_PROFILE_CONCURRENCY",
  "ARG_PAGE_SIZE",
  "ARG_SUBSCRIPTION_BATCH",
  "SENDGRID_ENDPOINT",
  "SENDGRID_SANDBOX",
  "MAIL_MAX_RECIPIENTS_PER_TAG",
  "MAIL_OUTBOX", // must stay unset: Flex Consumption has no durable disk, so Azure needs the SendGrid key
  "HTTP_MAX_SYNC_CLUSTERS",
  "HTTP_MAX_SCOPE_SIZE",
  "OSS_SCAN_ENABLED",
  "OSS_SCAN_SUBSCRIPTIONS",
  "OSS_SCAN_TAG",
];

describe("infra app settings", () => {
  const appSettings = bicepAppSettings();
  const configSettings = Object.keys(SETTINGS) as SettingName[];

  it("set everything the app needs in Azure", () => {
    const missing = REQUIRED_IN_AZURE.filter((name) => !appSettings.has(name));
    expect(missing).toEqual([]);
  });

  it("contain only settings the app or the platform reads", () => {
    const unknown = [...appSettings.keys()].filter((name) => !(name in SETTINGS) && !PLATFORM_SETTINGS.has(name));
    expect(unknown).toEqual([]);
  });

  it("account for every setting in src/config.ts: set in Bicep or deliberately defaulted", () => {
    const undecided = configSettings.filter((name) => !appSettings.has(name) && !DEFAULT_IN_AZURE.includes(name));
    expect(undecided).toEqual([]);
    const both = DEFAULT_IN_AZURE.filter((name) => appSettings.has(name));
    expect(both).toEqual([]);
    const stale = DEFAULT_IN_AZURE.filter((name) => !(name in SETTINGS));
    expect(stale).toEqual([]);
  });

  it("bind every %SETTING% the functions use", () => {
    const dir = path.join(root, "src/functions");
    const bound = new Set<string>();
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
      for (const m of readFileSync(path.join(dir, file), "utf8").matchAll(/"%([A-Za-z0-9_]+)%"/g)) bound.add(m[1]!);
    }
    expect([...bound].sort()).toEqual(["DIGEST_SCHEDULE", "SWEEP_SCHEDULE"]);
    for (const name of bound) expect(appSettings.has(name), `${name} is set in Bicep`).toBe(true);
  });

  it("keep secrets out: the SendGrid key is a Key Vault reference and storage is keyless", () => {
    expect(appSettings.get("SENDGRID_API_KEY")).toMatch(/@Microsoft\.KeyVault\(VaultName=\$\{keyVaultName\};SecretName=sendgrid-api-key\)/);
    expect(appSettings.get("AzureWebJobsStorage__credential")).toBe("'managedidentity'");
    expect(appSettings.has("AzureWebJobsStorage")).toBe(false);
    const storage = read("infra/main.bicep");
    expect(storage).toMatch(/allowSharedKeyAccess:\s*false/);
    for (const file of ["infra/main.bicep", "infra/app/function.bicep", "infra/app/keyvault.bicep"]) {
      expect(read(file), file).not.toMatch(/listKeys\(|AccountKey=/);
    }
  });

  it("run on Flex Consumption with Node 22 (which refuses FUNCTIONS_WORKER_RUNTIME and FUNCTIONS_EXTENSION_VERSION settings)", () => {
    const fn = read("infra/app/function.bicep");
    expect(fn).toMatch(/runtime:\s*\{\s*name:\s*'node'\s*version:\s*'22'\s*\}/);
    expect(read("infra/main.bicep")).toMatch(/name:\s*'FC1',\s*tier:\s*'FlexConsumption'/);
    expect(appSettings.has("FUNCTIONS_WORKER_RUNTIME")).toBe(false);
    expect(appSettings.has("FUNCTIONS_EXTENSION_VERSION")).toBe(false);
  });

  it("grant the identity Reader, the storage data roles and Key Vault Secrets User", () => {
    const all = ["infra/app/rbac.bicep", "infra/app/keyvault.bicep", "infra/app/reader-subscription.bicep", "infra/app/reader-management-group.bicep"]
      .map(read)
      .join("\n");
    for (const [role, id] of Object.entries({
      Reader: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
      "Storage Blob Data Owner": "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
      "Storage Queue Data Contributor": "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
      "Storage Table Data Contributor": "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
      "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
    })) {
      expect(all, role).toContain(id);
    }
    expect(read("infra/app/reader-management-group.bicep")).toMatch(/targetScope = 'managementGroup'/);
    expect(read("infra/app/reader-subscription.bicep")).toMatch(/targetScope = 'subscription'/);
  });

  it("map every azd parameter to a declared Bicep parameter", () => {
    const main = read("infra/main.bicep");
    const declared = new Set([...main.matchAll(/^param (\w+)/gm)].map((m) => m[1]!));
    const parameters = Object.keys((JSON.parse(read("infra/main.parameters.json")) as { parameters: Record<string, unknown> }).parameters);
    expect(parameters.filter((p) => !declared.has(p))).toEqual([]);
  });

  it("point every module reference at a file that exists or a pinned registry module", () => {
    for (const file of ["infra/main.bicep"]) {
      for (const m of read(file).matchAll(/^module \w+ '([^']+)'/gm)) {
        const target = m[1]!;
        if (target.startsWith("br/public:")) expect(target).toMatch(/^br\/public:avm\/res\/[\w/-]+:\d+\.\d+\.\d+$/);
        else expect(() => read(path.join("infra", target))).not.toThrow();
      }
    }
  });
});

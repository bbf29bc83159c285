/**
 * Every validated setting, malformed, stops the start with an error naming it, and only it; the
 * Functions app surfaces that error on its first invocation. test/config/config.test.ts has one
 * value for some settings; this walks SETTINGS so a new setting must be given bad values here (or
 * be declared free-form, with the reason) before the suite passes.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { ConfigError, loadConfig, SETTINGS, type SettingName } from "../../src/config.js";
import { runs } from "../../src/functions/runs.js";
import { provideAppContext } from "../../src/functions/runtime.js";
import { sweep } from "../../src/functions/sweep.js";
import { invocation, request, timerAt } from "../functions/harness.js";

const GUID = "00000000-0000-0000-0000-000000000001";

/** Malformed values per validated setting. */
const MALFORMED: Partial<Record<SettingName, string[]>> = {
  AUDIT_SUBSCRIPTIONS: ["not-a-guid", `${GUID},prod`, `{${GUID}}`],
  AUDIT_MANAGEMENT_GROUPS: ["mg/one", "platform team", "x".repeat(91)],
  ARM_ENDPOINT: ["http://management.azure.com", "not a url", "ftp://management.azure.com"],
  AZURE_TABLES_CONNECTION_STRING: ["not-a-connection-string", "AccountName=acct", "AccountKey=secret-only"],
  AzureWebJobsStorage: ["AccountName=x", "garbage"],
  AzureWebJobsStorage__accountName: ["Bad_Name", "ab", "a".repeat(25)],
  AZURE_TABLES_ENDPOINT: ["http://acct.table.core.windows.net", "acct.table.core.windows.net"],
  TABLE_PREFIX: ["has-dash", "1abc", "a".repeat(42)],
  ALERT_WINDOW_DAYS: ["-5", "0", "3651", "1.5", "sixty"],
  CATALOG_MAX_AGE_DAYS: ["0", "-1", "3651", "120.5", "four months"],
  ALERT_THRESHOLDS: ["60,soon", "60,-1", "4000", "60,,30"],
  RETENTION_DAYS: ["forever", "0", "36501"],
  CATALOG_OVERRIDE: ["http://example.com/catalog.json", "ftp://example.com/catalog.json"],
  UPGRADE_PROFILES: ["yes", "2"],
  UPGRADE_PROFILE_CONCURRENCY: ["0", "65", "many"],
  ARG_PAGE_SIZE: ["0", "5000", "-1"],
  ARG_SUBSCRIPTION_BATCH: ["0", "1001", "all"],
  SENDGRID_ENDPOINT: ["ftp://api.sendgrid.com", "api.sendgrid.com", "http://api.sendgrid.com", "http://localhost.attacker.example"],
  SENDGRID_SANDBOX: ["maybe"],
  MAIL_FROM: ["auditor", "a@b", "<auditor@example.com>"],
  MAIL_TO: ["alice@example.com,bob", "alice@example.com;<x@y.z>"],
  MAIL_TO_BY_SUBSCRIPTION: [`${GUID}=`, "prod=a@example.com", `${GUID}=not-an-address`],
  SWEEP_SCHEDULE: ["every day", "0 0 6 * * * * *"],
  DIGEST_SCHEDULE: ["weekly", "0 0 7 * * Mon;rm"],
  HTTP_MAX_SYNC_CLUSTERS: ["0", "10001"],
  HTTP_MAX_SCOPE_SIZE: ["0", "lots"],
  HTTP_REQUIRE_ROLES: ["sometimes", "yes"],
  OSS_SCAN_ENABLED: ["on"],
  OSS_SCAN_SUBSCRIPTIONS: ["team-a", `${GUID},x`],
  MAIL_ALLOWED_DOMAINS: ["not a domain", "contoso", "a@contoso.com"],
  MAIL_MAX_RECIPIENTS_PER_TAG: ["0", "101", "ten"],
  CATALOG_OVERRIDE_SHA256: ["abc", "z".repeat(64)],
  CONSOLE_BASE_URL: ["http://auditor.example.com", "console.example.com", "https://auditor.example.com/?code=key", "https://user:pw@auditor.example.com"],
  SENDGRID_API_KEY: ["@Microsoft.KeyVault(VaultName=kv;SecretName=sendgrid-api-key)", "not-a-sendgrid-key"],
};

/** Settings any text is valid for, and why. */
const FREE_FORM: Partial<Record<SettingName, string>> = {
  AKS_AUDIT_HOME: "any folder path; it is created on first use",
  MAIL_ROUTING_TAG: "any tag name; a tag no cluster carries routes nothing",
  OSS_SCAN_TAG: "any `name` or `name=value`",
  MAIL_OUTBOX: "any folder path outside Azure; in Azure test/security/transport.test.ts checks it",
};

function problemsOf(env: Record<string, string>): { settings: string[]; message: string } {
  try {
    loadConfig(env, "/tmp");
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return { settings: (error as ConfigError).problems.map((p) => p.setting), message: (error as Error).message };
  }
  return { settings: [], message: "" };
}

afterEach(() => {
  vi.unstubAllEnvs();
  provideAppContext(null);
});

describe("Configuration", () => {
  it("every setting is either checked below or declared free-form with a reason", () => {
    const covered = new Set([...Object.keys(MALFORMED), ...Object.keys(FREE_FORM)]);
    expect([...Object.keys(SETTINGS)].filter((s) => !covered.has(s))).toEqual([]);
    expect(Object.keys(MALFORMED).filter((s) => s in FREE_FORM)).toEqual([]);
  });

  for (const [setting, values] of Object.entries(MALFORMED)) {
    it(`a malformed ${setting} stops the start with one line naming it`, () => {
      for (const value of values) {
        const { settings, message } = problemsOf({ [setting]: value });
        expect(settings, `${setting}=${JSON.stringify(value)}`).toEqual([setting]);
        expect(message).toMatch(new RegExp(`^setting ${setting}: expected .+; got `));
        // Secrets never come back in the message.
        if (/KEY|CONNECTION|AzureWebJobsStorage$/.test(setting)) expect(message).not.toContain(value);
      }
    });
  }

  it("the free-form settings accept any text", () => {
    for (const setting of Object.keys(FREE_FORM)) expect(problemsOf({ [setting]: "anything at all / ü ;" }).settings).toEqual([]);
  });

  it("the Functions app refuses to start on a bad setting: the timer fails and HTTP answers 500, both naming it", async () => {
    vi.stubEnv("ALERT_WINDOW_DAYS", "sixty");
    vi.stubEnv("AKS_AUDIT_HOME", "/tmp/aks-audit-never-created");
    provideAppContext(null);
    await expect(sweep(timerAt("2026-11-24T06:00:00Z"), invocation("sweep"))).rejects.toThrow(
      'setting ALERT_WINDOW_DAYS: expected a whole number from 1 to 3650; got "sixty"',
    );
    const logs: string[] = [];
    const response = await runs(request("/api/runs"), invocation("runs", logs));
    expect(response.status).toBe(500);
    expect(response.body as string).not.toContain("ALERT_WINDOW_DAYS"); // the caller learns nothing of the config…
    expect(logs.join("\n")).toContain("setting ALERT_WINDOW_DAYS"); // …the operator's log names it
  });
});

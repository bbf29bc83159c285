import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, SETTINGS } from "../../src/config.js";

const GUID = "00000000-0000-0000-0000-000000000001";

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env, "/tmp");
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.map((p) => p.setting);
  }
  return [];
}

describe("configuration", () => {
  it("starts on the embedded default with nothing set", () => {
    const config = loadConfig({}, "/work/x");
    expect(config.tables).toEqual({ kind: "local" });
    expect(config.home).toBe("/work/x/.aks-audit");
    expect(config.alertWindowDays).toBe(60);
    expect(config.alertThresholds).toEqual([60, 30, 14, 7]);
    expect(config.mail.sendgridApiKey).toBeNull();
  });

  it.each([
    ["AZURE_TABLES_CONNECTION_STRING", "not-a-connection-string"],
    ["AzureWebJobsStorage", "AccountName=x"],
    ["AzureWebJobsStorage__accountName", "Bad_Name"],
    ["AUDIT_SUBSCRIPTIONS", "not-a-guid"],
    ["ARM_ENDPOINT", "http://insecure.example.com"],
    ["ALERT_WINDOW_DAYS", "-5"],
    ["ALERT_THRESHOLDS", "60,soon"],
    ["RETENTION_DAYS", "forever"],
    ["MAIL_TO", "alice@example.com,bob"],
    ["MAIL_TO_BY_SUBSCRIPTION", `${GUID}=`],
    ["SENDGRID_SANDBOX", "maybe"],
    ["SWEEP_SCHEDULE", "every day"],
    ["HTTP_REQUIRE_ROLES", "sometimes"],
    ["TABLE_PREFIX", "has-dash"],
    ["ARG_PAGE_SIZE", "5000"],
  ])("a bad %s stops the start with its name", (setting, value) => {
    expect(problemsOf({ [setting]: value })).toEqual([setting]);
  });

  it("lists every problem at once, one line each, without echoing secrets", () => {
    let message = "";
    try {
      loadConfig({ AZURE_TABLES_CONNECTION_STRING: "AccountKey=secret-value", ALERT_WINDOW_DAYS: "x" }, "/tmp");
    } catch (error) {
      message = (error as Error).message;
    }
    const lines = message.split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^setting AZURE_TABLES_CONNECTION_STRING: expected a storage connection string/);
    expect(message).not.toContain("secret-value");
    expect(lines[1]).toMatch(/^setting ALERT_WINDOW_DAYS: expected a whole number from 1 to 3650; got "x"$/);
  });

  it("routes mail by subscription and tag", () => {
    const config = loadConfig({ MAIL_TO_BY_SUBSCRIPTION: `${GUID.toUpperCase()}=a@x.com;b@x.com`, MAIL_ROUTING_TAG: "owner" }, "/tmp");
    expect(config.mail.recipients.bySubscription).toEqual({ [GUID]: ["a@x.com", "b@x.com"] });
    expect(config.mail.recipients.tagName).toBe("owner");
  });

  it("uses identity-based storage when only the account name is set", () => {
    expect(loadConfig({ AzureWebJobsStorage__accountName: "auditstore" }, "/tmp").tables).toEqual({
      kind: "endpoint",
      endpoint: "https://auditstore.table.core.windows.net",
    });
  });

  it("the sample local settings list every setting", () => {
    const sample = JSON.parse(readFileSync(new URL("../../local.settings.sample.json", import.meta.url), "utf8")) as { Values: Record<string, string> };
    for (const name of Object.keys(SETTINGS)) expect(sample.Values, name).toHaveProperty(name);
    expect(() => loadConfig(sample.Values, "/tmp")).not.toThrow();
  });

  it("the README's configuration table says what the code does (scripts/settings-table.mjs rewrites it)", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    for (const [name, s] of Object.entries(SETTINGS)) {
      expect(readme, name).toContain(`| \`${name}\` | ${s.default === "" ? "(empty)" : `\`${s.default}\``} | ${s.doc} |`);
    }
  });
});

describe("README", () => {
  it("shows the exact Resource Graph queries the auditor sends, for exports", async () => {
    const { CLUSTER_QUERY, EXTENSION_QUERY, SOURCE_CONTROL_QUERY } = await import("../../src/sources/resourceGraph.js");
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    expect(readme).toContain(CLUSTER_QUERY);
    expect(readme).toContain(EXTENSION_QUERY);
    expect(readme).toContain(SOURCE_CONTROL_QUERY);
  });
});

describe("configuration rules between settings", () => {
  it("a scope is subscriptions or management groups, not both", () => {
    expect(problemsOf({ AUDIT_SUBSCRIPTIONS: GUID, AUDIT_MANAGEMENT_GROUPS: "platform" })).toEqual(["AUDIT_MANAGEMENT_GROUPS"]);
  });

  it("entering the alert window is itself an alert, and thresholds beyond the window are dropped", () => {
    expect(loadConfig({ ALERT_WINDOW_DAYS: "90" }, "/tmp").alertThresholds).toEqual([90, 60, 30, 14, 7]);
    expect(loadConfig({ ALERT_WINDOW_DAYS: "30", ALERT_THRESHOLDS: "60,30,14" }, "/tmp").alertThresholds).toEqual([30, 14]);
  });

  it("mail links use CONSOLE_BASE_URL, else the platform's WEBSITE_HOSTNAME over https, else none", () => {
    expect(loadConfig({}, "/tmp").mail.consoleBase).toBeNull();
    expect(loadConfig({ WEBSITE_HOSTNAME: "func-aks-audit.azurewebsites.net" }, "/tmp").mail.consoleBase).toBe("https://func-aks-audit.azurewebsites.net");
    const both = { CONSOLE_BASE_URL: "https://audit.contoso.com/aks/", WEBSITE_HOSTNAME: "func-aks-audit.azurewebsites.net" };
    expect(loadConfig(both, "/tmp").mail.consoleBase).toBe("https://audit.contoso.com/aks");
    expect(loadConfig({ CONSOLE_BASE_URL: "http://127.0.0.1:7071" }, "/tmp").mail.consoleBase).toBe("http://127.0.0.1:7071");
    // A host name that is not one gives no links (and a warning), never a broken one.
    const odd = loadConfig({ WEBSITE_HOSTNAME: "evil.example/\"><b>" }, "/tmp");
    expect(odd.mail.consoleBase).toBeNull();
    expect(odd.warnings.join("\n")).toContain("WEBSITE_HOSTNAME");
  });

  it.each(["http://audit.contoso.com", "audit.contoso.com", "https://audit.contoso.com/?code=abc", "https://audit.contoso.com/#/runs", "https://user:pw@audit.contoso.com", "javascript:alert(1)"])(
    "CONSOLE_BASE_URL %s is refused by name, without echoing it",
    (value) => {
      expect(problemsOf({ CONSOLE_BASE_URL: value })).toEqual(["CONSOLE_BASE_URL"]);
      let message = "";
      try {
        loadConfig({ CONSOLE_BASE_URL: value }, "/tmp");
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/^setting CONSOLE_BASE_URL: expected an https:\/\/ URL/);
      expect(message).not.toContain(value);
    },
  );

  it.each(["AzureWebJobsStorage", "AZURE_TABLES_CONNECTION_STRING", "AZURE_TABLES_ENDPOINT", "SENDGRID_ENDPOINT"])(
    "a malformed %s is named but its value, which may hold a key, is not echoed",
    (setting) => {
      const value = "AccountKey=c2VjcmV0LWtleQ==;not-valid";
      let message = "";
      try {
        loadConfig({ [setting]: value }, "/tmp");
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toContain(`setting ${setting}`);
      expect(message).not.toContain("c2VjcmV0LWtleQ");
    },
  );
});

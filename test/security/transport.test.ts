/**
 * Transport: secrets and tokens never travel in clear to another machine, and mail in Azure is never
 * "sent" into a folder that disappears with the instance.
 */
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";
import { connectionStringIsLoopback, isLoopbackHost, isSecureOrLoopback } from "../../src/net/loopback.js";

function refused(env: Record<string, string>): { settings: string[]; message: string } {
  try {
    loadConfig(env, "/tmp");
    return { settings: [], message: "" };
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return { settings: (error as ConfigError).problems.map((p) => p.setting), message: (error as Error).message };
  }
}

const AZURE = { WEBSITE_INSTANCE_ID: "a1b2c3d4e5f6", WEBSITE_SITE_NAME: "func-aksaudit-x" };
const KEY = "SG.test-key.test-secret";

describe("endpoints are https except to this machine", () => {
  it.each([
    ["SENDGRID_ENDPOINT", "http://api.sendgrid.com"],
    ["SENDGRID_ENDPOINT", "http://localhost.attacker.example:8080"],
    ["SENDGRID_ENDPOINT", "http://127.0.0.1.attacker.example"],
    ["SENDGRID_ENDPOINT", "http://10.0.0.5"],
    ["ARM_ENDPOINT", "http://management.azure.com"],
    ["ARM_ENDPOINT", "http://attacker.example/127.0.0.1"],
  ])("%s=%s is refused: the key or token would travel in clear", (setting, value) => {
    expect(refused({ [setting]: value }).settings).toEqual([setting]);
  });

  it.each([
    ["SENDGRID_ENDPOINT", "http://127.0.0.1:41234"],
    ["SENDGRID_ENDPOINT", "http://127.9.8.7:80/"],
    ["SENDGRID_ENDPOINT", "http://[::1]:3000"],
    ["SENDGRID_ENDPOINT", "http://localhost:3000"],
    ["SENDGRID_ENDPOINT", "https://api.eu.sendgrid.com"],
    ["ARM_ENDPOINT", "http://127.0.0.1:8443"],
    ["ARM_ENDPOINT", "https://management.usgovcloudapi.net"],
  ])("%s=%s is accepted", (setting, value) => {
    expect(refused({ [setting]: value }).settings).toEqual([]);
  });

  it("loopback is judged on the parsed host", () => {
    expect(["127.0.0.1", "127.255.0.3", "[::1]", "::1", "localhost", "LOCALHOST", "[::ffff:7f00:1]"].map(isLoopbackHost)).toEqual(Array(7).fill(true));
    expect(["128.0.0.1", "localhost.example", "127.0.0.1.nip.io", "::2", "0.0.0.0", ""].map(isLoopbackHost)).toEqual(Array(6).fill(false));
    expect(isSecureOrLoopback("http://user@127.0.0.1@attacker.example/")).toBe(false);
  });
});

describe("the Table client allows http only to loopback hosts", () => {
  const KEYED = "AccountName=devstoreaccount1;AccountKey=a2V5";
  it.each([
    [`DefaultEndpointsProtocol=http;${KEYED};TableEndpoint=http://127.0.0.1:10002/devstoreaccount1`, true],
    ["UseDevelopmentStorage=true", true],
    [`${KEYED};TableEndpoint=http://[::1]:10002/devstoreaccount1`, true],
    // "localhost" or "127.0.0.1" merely appearing in the string is not a loopback endpoint.
    [`DefaultEndpointsProtocol=http;AccountName=localhost;AccountKey=a2V5;TableEndpoint=http://tables.attacker.example/localhost`, false],
    [`${KEYED};TableEndpoint=http://127.0.0.1.attacker.example:10002/x`, false],
    [`DefaultEndpointsProtocol=http;AccountName=acct127001;AccountKey=a2V5;EndpointSuffix=core.windows.net`, false],
    [`${KEYED};TableEndpoint=http://127.0.0.1:10002/x;QueueEndpoint=http://queue.attacker.example/x`, false],
  ])("%s → %s", (connectionString, insecureAllowed) => {
    expect(connectionStringIsLoopback(connectionString)).toBe(insecureAllowed);
  });
});

describe("in Azure, mail needs SendGrid or an explicitly durable outbox", () => {
  it("without SENDGRID_API_KEY the Functions host refuses to start, naming SENDGRID_API_KEY", () => {
    const { settings, message } = refused({ ...AZURE, AKS_AUDIT_HOME: "/tmp/aks-audit" });
    expect(settings).toEqual(["SENDGRID_API_KEY"]);
    expect(message).toMatch(/^setting SENDGRID_API_KEY: .*MAIL_OUTBOX/);
    // Either platform variable is enough to know it is Azure.
    expect(refused({ WEBSITE_INSTANCE_ID: "abc" }).settings).toEqual(["SENDGRID_API_KEY"]);
  });

  it("an outbox in the temporary folder is not durable; a named share is accepted", () => {
    expect(refused({ ...AZURE, MAIL_OUTBOX: "/tmp/outbox" }).settings).toEqual(["MAIL_OUTBOX"]);
    const config = loadConfig({ ...AZURE, MAIL_OUTBOX: "/mounts/mail-share/outbox" }, "/tmp");
    expect(config.mail.outboxDir).toBe("/mounts/mail-share/outbox");
    expect(config.inAzure).toBe(true);
  });

  it("with a key it starts; outside Azure the outbox stays the local default", () => {
    expect(refused({ ...AZURE, SENDGRID_API_KEY: KEY }).settings).toEqual([]);
    const local = loadConfig({ AKS_AUDIT_HOME: "/work/home" }, "/tmp");
    expect(local.inAzure).toBe(false);
    expect(local.mail.outboxDir).toBe("/work/home/outbox");
  });
});

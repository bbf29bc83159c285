/**
 * Every setting the auditor reads, validated once at start. A bad or missing setting stops the
 * program with one line per problem naming the setting and what was expected; nothing reads
 * `process.env` anywhere else.
 */
import path from "node:path";
import { tmpdir } from "node:os";
import { EMAIL, type Recipients } from "./core/routing.js";
import { isSecureOrLoopback } from "./net/loopback.js";
import { GUID_PATTERN } from "./core/types.js";

export type { Recipients };

export type Env = Readonly<Record<string, string | undefined>>;


export interface AuditorConfig {
  /** Where local state lives (Azurite data, outbox). */
  home: string;
  scope: { subscriptions: string[]; managementGroups: string[] };
  armEndpoint: string;
  /** Table Storage: a connection string, an identity-based endpoint, or null for the local default. */
  tables: { kind: "connection-string"; connectionString: string } | { kind: "endpoint"; endpoint: string } | { kind: "local" };
  tablePrefix: string;
  alertWindowDays: number;
  alertThresholds: number[];
  retentionDays: number;
  catalogOverride: string | null;
  /** Older than this many days at asOf, the catalog is called stale in reports and digests. */
  catalogMaxAgeDays: number;
  /** Hex SHA-256 the override's bytes must have (CATALOG_OVERRIDE_SHA256); null: not pinned. */
  catalogOverrideSha256: string | null;
  upgradeProfiles: { enabled: boolean; concurrency: number };
  resourceGraph: { pageSize: number; subscriptionBatchSize: number };
  mail: {
    sendgridApiKey: string | null;
    sendgridEndpoint: string | null;
    sandbox: boolean;
    from: string;
    recipients: Recipients;
    /** Where mail goes without a SendGrid key. */
    outboxDir: string;
    /**
     * The app's public base URL, under which the console is /api/console/: mail links point there.
     * CONSOLE_BASE_URL, else https://<WEBSITE_HOSTNAME> in Azure, else null (mail names the CLI instead).
     */
    consoleBase: string | null;
  };
  /** True when the Functions host's instance settings say this runs in Azure. */
  inAzure: boolean;
  /** Settings that are valid but risky; printed at start (the Functions app logs them). */
  warnings: string[];
  schedules: { sweep: string; digest: string };
  http: { maxSyncClusters: number; maxScopeSize: number; requireRoles: boolean };
  openSourceScan: { enabled: boolean; subscriptions: string[]; tag: string | null };
}

/** One problem with one setting. */
export interface SettingProblem {
  setting: string;
  expected: string;
  got: string | undefined;
}

export class ConfigError extends Error {
  readonly problems: SettingProblem[];
  constructor(problems: SettingProblem[]) {
    super(problems.map(describeProblem).join("\n"));
    this.name = "ConfigError";
    this.problems = problems;
  }
}

function describeProblem(p: SettingProblem): string {
  const got = p.got === undefined ? "it is not set" : `got ${JSON.stringify(redact(p.setting, p.got))}`;
  return `setting ${p.setting}: expected ${p.expected}; ${got}`;
}

/** Never echo a value that may hold a key, a SAS token or a password, even in an error. */
function redact(setting: string, value: string): string {
  const spec = (SETTINGS as Record<string, { secret?: boolean }>)[setting];
  return spec?.secret && value.length > 0 ? "<redacted>" : value;
}

/** The settings, their defaults and what they mean; the README and local.settings.sample.json list the same. */
export const SETTINGS = {
  AKS_AUDIT_HOME: { default: ".aks-audit", doc: "Folder for local state: Azurite data and the e-mail outbox." },
  AUDIT_SUBSCRIPTIONS: { default: "", doc: "Comma-separated subscription ids to audit; empty with no management groups = whole tenant." },
  AUDIT_MANAGEMENT_GROUPS: { default: "", doc: "Comma-separated management group names to audit." },
  ARM_ENDPOINT: { default: "https://management.azure.com", doc: "Azure Resource Manager endpoint (sovereign clouds, or the fleet simulator); https, or http only to a loopback address." },
  AZURE_TABLES_CONNECTION_STRING: { default: "", secret: true, doc: "Table Storage connection string; falls back to AzureWebJobsStorage." },
  AzureWebJobsStorage: { default: "", secret: true, doc: "Functions host storage; used for tables when it is a connection string." },
  AzureWebJobsStorage__accountName: { default: "", doc: "Identity-based storage account name (no keys); tables at https://<name>.table.core.windows.net." },
  AZURE_TABLES_ENDPOINT: { default: "", secret: true, doc: "Identity-based Table endpoint URL (overrides the account name)." },
  TABLE_PREFIX: { default: "aksaudit", doc: "Prefix of the table names (letters and digits)." },
  ALERT_WINDOW_DAYS: { default: "60", doc: "Days ahead in which a deadline is a warning and alerts start." },
  ALERT_THRESHOLDS: { default: "60,30,14,7", doc: "Days-left thresholds at which a window alert is sent, once each." },
  RETENTION_DAYS: { default: "400", doc: "History older than this many days is purged." },
  CATALOG_OVERRIDE: { default: "", secret: true, doc: "Path or https URL of a catalog JSON merged over the bundled catalog." },
  CATALOG_MAX_AGE_DAYS: { default: "120", doc: "A catalog whose newest check is older than this many days at asOf is flagged in the report, the digest and `aks-audit catalog`." },
  CATALOG_OVERRIDE_SHA256: { default: "", doc: "Hex SHA-256 the override's bytes must have; a different document is refused (empty = not pinned)." },
  UPGRADE_PROFILES: { default: "false", doc: "Also read each cluster's upgrade profile (one ARM call per cluster)." },
  UPGRADE_PROFILE_CONCURRENCY: { default: "8", doc: "Concurrent upgrade-profile calls when UPGRADE_PROFILES is on." },
  ARG_PAGE_SIZE: { default: "1000", doc: "Resource Graph page size ($top), 1 to 1000." },
  ARG_SUBSCRIPTION_BATCH: { default: "300", doc: "Subscriptions per Resource Graph request when a list is given." },
  SENDGRID_API_KEY: { default: "", secret: true, doc: "SendGrid API key (a Key Vault reference in Azure); empty = write mail to the local outbox." },
  SENDGRID_ENDPOINT: { default: "", secret: true, doc: "SendGrid API base URL override (EU subusers, tests); https, or http only to a loopback address." },
  SENDGRID_SANDBOX: { default: "false", doc: "SendGrid sandbox mode: validate without delivering." },
  MAIL_FROM: { default: "aks-auditor@example.com", doc: "Sender address of digests and alerts." },
  MAIL_TO: { default: "", doc: "Comma-separated recipients of the whole fleet's digest and alerts." },
  MAIL_TO_BY_SUBSCRIPTION: { default: "", doc: "Routing by subscription: `<subscriptionId>=a@x.com;b@x.com,<subscriptionId>=…`." },
  MAIL_ROUTING_TAG: { default: "", doc: "Cluster tag whose value lists the team's recipients, e.g. `owner`." },
  MAIL_ALLOWED_DOMAINS: { default: "", doc: "Comma-separated domains tag- and subscription-routed mail may go to (subdomains included); others are dropped and reported. Empty = any (a warning at start when tag routing is on)." },
  MAIL_MAX_RECIPIENTS_PER_TAG: { default: "10", doc: "Most addresses taken from one routing-tag value; the rest are dropped and reported." },
  // Secret only so that a URL pasted with its ?code= key is not echoed by the error that refuses it.
  CONSOLE_BASE_URL: { default: "", secret: true, doc: "Public base URL of the Function app (the console is `<it>/api/console/`), for links in digests and alerts; https, or http only to a loopback address; no query, fragment or key. Empty = `https://<WEBSITE_HOSTNAME>` in Azure, no links elsewhere." },
  MAIL_OUTBOX: { default: "", doc: "Folder the outbox writes to when SENDGRID_API_KEY is empty (default `<AKS_AUDIT_HOME>/outbox`). In Azure it must be set, to a durable folder, or the app does not start without a key." },
  SWEEP_SCHEDULE: { default: "0 0 6 * * *", doc: "NCRONTAB schedule of the sweep (UTC)." },
  DIGEST_SCHEDULE: { default: "0 0 7 * * Mon", doc: "NCRONTAB schedule of the weekly digest (UTC)." },
  HTTP_MAX_SYNC_CLUSTERS: { default: "50", doc: "Largest cluster-id scope an HTTP audit answers synchronously (200); larger scopes answer 202." },
  HTTP_MAX_SCOPE_SIZE: { default: "1000", doc: "Most subscriptions, management groups or cluster ids one HTTP audit may name." },
  HTTP_REQUIRE_ROLES: { default: "auto", doc: "`auto`: a function key alone admits to every route, and roles are checked only when App Service Authentication sends a principal; `true`: every call needs Audit.Read/Audit.Run (401 without a principal). `true` starts only when WEBSITE_AUTH_ENABLED says authentication is on." },
  OSS_SCAN_ENABLED: { default: "false", doc: "Scan inside clusters for self-installed open-source software." },
  OSS_SCAN_SUBSCRIPTIONS: { default: "", doc: "Limit the in-cluster scan to these subscriptions (empty = all)." },
  OSS_SCAN_TAG: { default: "", doc: "Limit the in-cluster scan to clusters carrying this tag (`name` or `name=value`)." },
} as const satisfies Record<string, { default: string; doc: string; secret?: boolean }>;

export type SettingName = keyof typeof SETTINGS;

/**
 * Variables the platform sets and the app only reads; never set them by hand. Read here, like every
 * setting, so nothing else touches `process.env`.
 */
export const PLATFORM_VARIABLES = {
  /** App Service sets it to `True` when App Service Authentication (authsettingsV2) is enabled. */
  WEBSITE_AUTH_ENABLED: "App Service Authentication is on (`True`).",
  /** Set on every App Service / Functions instance in Azure; never by Core Tools or the CLI. */
  WEBSITE_INSTANCE_ID: "The instance the app runs on: present only in Azure.",
  WEBSITE_SITE_NAME: "The app's name: present only in Azure.",
  /** The app's default host name (`<app>.azurewebsites.net`): the console's address when CONSOLE_BASE_URL is empty. */
  WEBSITE_HOSTNAME: "The app's default host name: present only in Azure.",
} as const;

const GUID = GUID_PATTERN;
const MG_NAME = /^[A-Za-z0-9_().-]{1,90}$/;

/** Reads and validates every setting; throws ConfigError listing all problems at once. */
export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): AuditorConfig {
  const problems: SettingProblem[] = [];
  const raw = (name: SettingName): string => {
    const v = env[name];
    return v === undefined || v.trim() === "" ? SETTINGS[name].default : v.trim();
  };
  const fail = (setting: SettingName, expected: string): void => {
    problems.push({ setting, expected, got: env[setting] });
  };
  const int = (name: SettingName, min: number, max: number): number => {
    const text = raw(name);
    const n = Number(text);
    if (!/^\d+$/.test(text) || n < min || n > max) {
      fail(name, `a whole number from ${min} to ${max}`);
      return Number(SETTINGS[name].default);
    }
    return n;
  };
  const bool = (name: SettingName): boolean => {
    const text = raw(name).toLowerCase();
    if (text === "true" || text === "1") return true;
    if (text === "false" || text === "0") return false;
    fail(name, "true or false");
    return false;
  };
  const list = (name: SettingName): string[] =>
    raw(name)
      .split(/[,;]/)
      .map((s) => s.trim())
      .filter(Boolean);

  const subscriptions = list("AUDIT_SUBSCRIPTIONS");
  if (subscriptions.some((s) => !GUID.test(s))) fail("AUDIT_SUBSCRIPTIONS", "comma-separated subscription GUIDs");
  const managementGroups = list("AUDIT_MANAGEMENT_GROUPS");
  if (managementGroups.some((s) => !MG_NAME.test(s))) fail("AUDIT_MANAGEMENT_GROUPS", "comma-separated management group names");

  if (subscriptions.length > 0 && managementGroups.length > 0) {
    fail("AUDIT_MANAGEMENT_GROUPS", "to be empty when AUDIT_SUBSCRIPTIONS is set (a scope is subscriptions or management groups, not both)");
  }

  const armEndpoint = raw("ARM_ENDPOINT");
  // A bearer token travels with every call: plain http only to this machine (the fleet simulator).
  if (!isSecureOrLoopback(armEndpoint)) fail("ARM_ENDPOINT", "an https:// URL (http:// only to a loopback address)");
  const warnings: string[] = [];
  const platform = (name: keyof typeof PLATFORM_VARIABLES): string => (env[name] ?? "").trim();
  const inAzure = platform("WEBSITE_INSTANCE_ID") !== "" || platform("WEBSITE_SITE_NAME") !== "";

  const tables = readTables(raw, fail);
  const tablePrefix = raw("TABLE_PREFIX");
  if (!/^[A-Za-z][A-Za-z0-9]{0,40}$/.test(tablePrefix)) fail("TABLE_PREFIX", "letters and digits, starting with a letter, at most 41 characters");

  const alertWindowDays = int("ALERT_WINDOW_DAYS", 1, 3650);
  const thresholdsText = raw("ALERT_THRESHOLDS").split(",").map((s) => s.trim());
  let alertThresholds = thresholdsText.map(Number);
  if (thresholdsText.some((s) => !/^\d+$/.test(s)) || alertThresholds.some((n) => n < 0 || n > 3650)) {
    fail("ALERT_THRESHOLDS", "comma-separated whole numbers of days, e.g. 60,30,14,7");
    alertThresholds = [60, 30, 14, 7];
  }
  // Entering the window is itself an alert; thresholds beyond the window could never fire.
  alertThresholds = [...new Set([alertWindowDays, ...alertThresholds.filter((n) => n <= alertWindowDays)])].sort((a, b) => b - a);

  const catalogMaxAgeDays = int("CATALOG_MAX_AGE_DAYS", 1, 3650);
  const catalogOverride = raw("CATALOG_OVERRIDE") || null;
  if (catalogOverride && /^[a-z]+:\/\//i.test(catalogOverride) && !isHttpsUrl(catalogOverride)) {
    fail("CATALOG_OVERRIDE", "a file path or an https:// URL");
  }
  const catalogOverrideSha256 = raw("CATALOG_OVERRIDE_SHA256").toLowerCase() || null;
  if (catalogOverrideSha256 && !/^[0-9a-f]{64}$/.test(catalogOverrideSha256)) fail("CATALOG_OVERRIDE_SHA256", "64 hexadecimal digits (a SHA-256)");

  const sendgridApiKey = raw("SENDGRID_API_KEY") || null;
  // In Azure the setting is a Key Vault reference; seen literally, the platform could not resolve it
  // (the identity lacks Key Vault Secrets User, or the secret is missing), and SendGrid would answer 401.
  if (sendgridApiKey && (/^@Microsoft\.KeyVault\(/i.test(sendgridApiKey) || !sendgridApiKey.startsWith("SG."))) {
    fail("SENDGRID_API_KEY", "a SendGrid API key (SG.…); an unresolved @Microsoft.KeyVault(…) reference means the app's identity cannot read the secret");
  }
  const sendgridEndpoint = raw("SENDGRID_ENDPOINT") || null;
  // The API key travels in a header: plain http only to this machine (a test fake).
  if (sendgridEndpoint && !isSecureOrLoopback(sendgridEndpoint)) fail("SENDGRID_ENDPOINT", "an https:// URL (http:// only to a loopback address)");
  const home = path.resolve(cwd, raw("AKS_AUDIT_HOME"));
  const outboxSetting = raw("MAIL_OUTBOX");
  const outboxDir = outboxSetting ? path.resolve(cwd, outboxSetting) : path.join(home, "outbox");
  if (inAzure && !sendgridApiKey) {
    // In Azure the outbox would be a folder no one reads, on a disk that goes with the instance:
    // mail marked sent and lost. Only an explicitly named durable folder (a mounted share) will do.
    if (!outboxSetting) fail("SENDGRID_API_KEY", "a SendGrid API key when running in Azure (or MAIL_OUTBOX naming a durable folder, e.g. a mounted share)");
    else if (isUnder(outboxDir, tmpdir()) || isUnder(outboxDir, "/tmp")) fail("MAIL_OUTBOX", "a durable folder in Azure, not under the temporary folder");
  }
  const from = raw("MAIL_FROM");
  if (!EMAIL.test(from)) fail("MAIL_FROM", "an e-mail address");
  const defaults = list("MAIL_TO");
  if (defaults.some((e) => !EMAIL.test(e))) fail("MAIL_TO", "comma-separated e-mail addresses");
  const bySubscription = parseSubscriptionRouting(raw("MAIL_TO_BY_SUBSCRIPTION"));
  if (bySubscription === null) fail("MAIL_TO_BY_SUBSCRIPTION", "`<subscription GUID>=a@x.com;b@x.com` entries separated by commas");
  const tagName = raw("MAIL_ROUTING_TAG") || null;
  const allowedDomains = list("MAIL_ALLOWED_DOMAINS").map((d) => d.toLowerCase().replace(/^@/, ""));
  if (allowedDomains.some((d) => !/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(d))) {
    fail("MAIL_ALLOWED_DOMAINS", "comma-separated domain names, e.g. example.com,contoso.org");
  }
  if (tagName && allowedDomains.length === 0) {
    warnings.push(`MAIL_ROUTING_TAG is set but MAIL_ALLOWED_DOMAINS is empty: a cluster tag can route that cluster's digest and alerts to any address`);
  }
  const maxPerTag = int("MAIL_MAX_RECIPIENTS_PER_TAG", 1, 100);
  const consoleBase = readConsoleBase(raw("CONSOLE_BASE_URL"), platform("WEBSITE_HOSTNAME"), () => fail("CONSOLE_BASE_URL", "an https:// URL with no query, fragment or credentials (http:// only to a loopback address)"), warnings);

  const requireRolesText = raw("HTTP_REQUIRE_ROLES").toLowerCase();
  if (!["auto", "true"].includes(requireRolesText)) fail("HTTP_REQUIRE_ROLES", "auto or true");
  else if (requireRolesText === "true" && platform("WEBSITE_AUTH_ENABLED").toLowerCase() !== "true") {
    // Without the platform in front, x-ms-client-principal is the caller's own text: roles would be forgeable.
    fail("HTTP_REQUIRE_ROLES", "auto unless App Service Authentication is on (WEBSITE_AUTH_ENABLED=True, set by the platform when authsettingsV2 is enabled)");
  }

  const ossTag = raw("OSS_SCAN_TAG") || null;
  const ossSubscriptions = list("OSS_SCAN_SUBSCRIPTIONS");
  if (ossSubscriptions.some((s) => !GUID.test(s))) fail("OSS_SCAN_SUBSCRIPTIONS", "comma-separated subscription GUIDs");

  const config: AuditorConfig = {
    home,
    scope: { subscriptions, managementGroups },
    armEndpoint: armEndpoint.replace(/\/+$/, ""),
    tables,
    tablePrefix,
    alertWindowDays,
    alertThresholds,
    retentionDays: int("RETENTION_DAYS", 1, 36500),
    catalogOverride,
    catalogMaxAgeDays,
    catalogOverrideSha256,
    upgradeProfiles: { enabled: bool("UPGRADE_PROFILES"), concurrency: int("UPGRADE_PROFILE_CONCURRENCY", 1, 64) },
    resourceGraph: { pageSize: int("ARG_PAGE_SIZE", 1, 1000), subscriptionBatchSize: int("ARG_SUBSCRIPTION_BATCH", 1, 1000) },
    mail: {
      sendgridApiKey,
      sendgridEndpoint,
      sandbox: bool("SENDGRID_SANDBOX"),
      from,
      recipients: { defaults, bySubscription: bySubscription ?? {}, tagName, allowedDomains, maxPerTag },
      outboxDir,
      consoleBase,
    },
    inAzure,
    warnings,
    schedules: { sweep: raw("SWEEP_SCHEDULE"), digest: raw("DIGEST_SCHEDULE") },
    http: {
      maxSyncClusters: int("HTTP_MAX_SYNC_CLUSTERS", 1, 10000),
      maxScopeSize: int("HTTP_MAX_SCOPE_SIZE", 1, 10000),
      requireRoles: requireRolesText === "true",
    },
    openSourceScan: { enabled: bool("OSS_SCAN_ENABLED"), subscriptions: ossSubscriptions, tag: ossTag },
  };
  for (const name of ["SWEEP_SCHEDULE", "DIGEST_SCHEDULE"] as const) {
    if (!isNcrontab(raw(name))) fail(name, "an NCRONTAB expression with 5 or 6 fields, e.g. `0 0 6 * * *`");
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function readTables(
  raw: (name: SettingName) => string,
  fail: (setting: SettingName, expected: string) => void,
): AuditorConfig["tables"] {
  const explicit = raw("AZURE_TABLES_CONNECTION_STRING");
  if (explicit) {
    if (!isConnectionString(explicit)) fail("AZURE_TABLES_CONNECTION_STRING", "a storage connection string (AccountName=…;AccountKey=…;TableEndpoint=… or UseDevelopmentStorage=true)");
    return { kind: "connection-string", connectionString: explicit };
  }
  const endpoint = raw("AZURE_TABLES_ENDPOINT");
  if (endpoint) {
    if (!isHttpsUrl(endpoint)) fail("AZURE_TABLES_ENDPOINT", "an https:// URL of the Table service");
    return { kind: "endpoint", endpoint: endpoint.replace(/\/+$/, "") };
  }
  const hostStorage = raw("AzureWebJobsStorage");
  if (hostStorage) {
    if (!isConnectionString(hostStorage)) fail("AzureWebJobsStorage", "a storage connection string");
    return { kind: "connection-string", connectionString: hostStorage };
  }
  const account = raw("AzureWebJobsStorage__accountName");
  if (account) {
    if (!/^[a-z0-9]{3,24}$/.test(account)) fail("AzureWebJobsStorage__accountName", "a storage account name (3-24 lower-case letters and digits)");
    return { kind: "endpoint", endpoint: `https://${account}.table.core.windows.net` };
  }
  return { kind: "local" };
}

/**
 * The console's base for mail links. Mail is read outside the app, so a link must be absolute and
 * must not carry a secret: a query (`?code=` is a function key), fragment or user info is refused.
 */
function readConsoleBase(setting: string, hostname: string, fail: () => void, warnings: string[]): string | null {
  if (setting) {
    let url: URL | null = null;
    try {
      url = new URL(setting);
    } catch {
      url = null;
    }
    if (!url || !isSecureOrLoopback(setting) || url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") {
      fail();
      return null;
    }
    return `${url.origin}${url.pathname}`.replace(/\/+$/, "");
  }
  if (!hostname) return null;
  // Set by the platform; checked anyway, since it becomes part of every link in the mail.
  if (!/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i.test(hostname)) {
    warnings.push("WEBSITE_HOSTNAME is not a host name: digests and alerts carry no console links (set CONSOLE_BASE_URL)");
    return null;
  }
  return `https://${hostname.toLowerCase()}`;
}

function isHttpsUrl(value: string): boolean {
  try {
    return new URL(value).protocol === "https:";
  } catch {
    return false;
  }
}

function isUnder(dir: string, parent: string): boolean {
  const rel = path.relative(path.resolve(parent), dir);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

function isConnectionString(value: string): boolean {
  if (/^UseDevelopmentStorage=true;?$/i.test(value)) return true;
  const parts = new Map<string, string>();
  for (const part of value.split(";").filter(Boolean)) {
    const i = part.indexOf("=");
    if (i <= 0) return false;
    parts.set(part.slice(0, i).toLowerCase(), part.slice(i + 1));
  }
  if (parts.has("sharedaccesssignature")) return parts.has("tableendpoint") || parts.has("accountname");
  return Boolean(parts.get("accountname")) && Boolean(parts.get("accountkey"));
}

function parseSubscriptionRouting(text: string): Record<string, string[]> | null {
  const routes: Record<string, string[]> = {};
  if (!text) return routes;
  for (const entry of text.split(",").map((s) => s.trim()).filter(Boolean)) {
    const [sub, who] = entry.split("=", 2);
    if (!sub || !who || !GUID.test(sub.trim())) return null;
    const emails = who.split(";").map((s) => s.trim()).filter(Boolean);
    if (emails.length === 0 || emails.some((e) => !EMAIL.test(e))) return null;
    routes[sub.trim().toLowerCase()] = emails;
  }
  return routes;
}

function isNcrontab(text: string): boolean {
  const fields = text.split(/\s+/);
  return (fields.length === 5 || fields.length === 6) && fields.every((f) => /^[\w*/,?-]+$/.test(f));
}

export const validators = { GUID, EMAIL };

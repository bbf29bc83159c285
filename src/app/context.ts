/**
 * Builds the real adapters from validated configuration: the one place that decides between Azure
 * and the embedded default (local Azurite, outbox). The CLI and the Functions app both use it;
 * tests pass overrides (a stub credential, the simulator's endpoint and CA, an Azurite string).
 */
import path from "node:path";
import type { TokenCredential } from "@azure/core-auth";
import { CatalogError, loadBundledCatalog, loadCatalog } from "../catalog/load.js";
import type { Catalog } from "../catalog/schema.js";
import type { AuditorConfig } from "../config.js";
import type { FleetSource, HistoryStore, MailTransport, VersionSource } from "../core/ports.js";
import type { AuditDeps } from "./audit.js";
import type { ContainerServiceVersionSource } from "../sources/containerService.js";
import { createOutboxTransport } from "../notify/outbox.js";
import { createSendGridTransport } from "../notify/sendgrid.js";
import { createContainerServiceVersionSource } from "../sources/containerService.js";
import { createCredential } from "../sources/credential.js";
import { createResourceGraphFleetSource } from "../sources/resourceGraph.js";
import { createTableHistoryStore } from "../store/historyStore.js";
import { TableClient } from "@azure/data-tables";
import { QueueClient } from "@azure/storage-queue";
import { createClusterAccess } from "../sources/clusterAccess.js";
import { createRunProgress, PROGRESS_TABLE_SUFFIX } from "../store/runProgress.js";
import { createClusterScanner, createOpenSourceScanner, type ClusterScanner, type OpenSourceScanning, type ScanSelection } from "./openSourceScan.js";
import { createScanQueue, SCAN_QUEUE, type ScanFanOut } from "./scanQueue.js";
import { AUDIT_QUEUE, createAuditQueue, type AuditQueue } from "./auditQueue.js";
import { connectionStringIsLoopback } from "../net/loopback.js";

export interface AppContext {
  config: AuditorConfig;
  catalog: Catalog;
  /** Problems found while starting that did not stop it (e.g. a refused catalog override). */
  warnings: string[];
  /** Lazily built: an offline audit (`--from-file`) never touches Azure. */
  fleet(): FleetSource;
  versions(): VersionSource;
  /** Everything a live audit needs, with this store (null: do not store). */
  auditDeps(store: HistoryStore | null): AuditDeps;
  store(): Promise<HistoryStore & { ledgerTable(): TableClient }>;
  transport(): MailTransport;
  /** The local outbox, where `--preview` renders what would be sent. */
  previewTransport(): MailTransport;
  /** Where the outbox transport writes, when it is the transport in use. */
  outboxDir: string | null;
  /** The in-cluster open-source scan, run in this process (OSS_SCAN_ENABLED); null when off. */
  openSource(): OpenSourceScanning | null;
  /** The same scan fanned out over a Storage Queue: the queue, the run progress table, the scanner. */
  openSourceFanOut(): Promise<ScanFanOut>;
  /** Where POST /api/audits hands an accepted run to auditWorker (the host's storage account). */
  auditQueue(): AuditQueue;
  close(): Promise<void>;
}

export interface ContextOverrides {
  credential?: TokenCredential;
  /** Trust this CA for ARM calls (the fleet simulator's self-signed certificate). */
  armCa?: string;
  /** Use this Table connection string instead of the configured one (tests, the demo). */
  tablesConnectionString?: string;
  catalog?: Catalog;
  transport?: MailTransport;
  /** Use this Storage Queue connection string for the scan and audit queues (tests). */
  queueConnectionString?: string;
}

export async function createAppContext(config: AuditorConfig, overrides: ContextOverrides = {}): Promise<AppContext> {
  const warnings: string[] = [...config.warnings];
  const catalog = overrides.catalog ?? (await loadCatalogOrBundled(config, warnings));
  let credential = overrides.credential;
  const getCredential = (): TokenCredential => (credential ??= createCredential());
  let fleet: FleetSource | undefined;
  let versions: ContainerServiceVersionSource | undefined;
  let store: Promise<HistoryStore & { ledgerTable(): TableClient }> | undefined;
  const closers: (() => Promise<void>)[] = [];
  const outboxDir = overrides.transport || config.mail.sendgridApiKey ? null : config.mail.outboxDir;
  let transport = overrides.transport;
  let clusterScanner: ClusterScanner | undefined;
  let fanOut: Promise<ScanFanOut> | undefined;
  let auditQueue: AuditQueue | undefined;
  const selection: ScanSelection = { subscriptions: config.openSourceScan.subscriptions, tag: config.openSourceScan.tag };
  const getClusterScanner = (): ClusterScanner =>
    (clusterScanner ??= createClusterScanner({
      access: createClusterAccess({ credential: getCredential(), endpoint: config.armEndpoint, tlsCa: overrides.armCa }),
      catalog,
    }));
  let openSource: OpenSourceScanning | undefined;
  const getOpenSource = (): OpenSourceScanning | null =>
    config.openSourceScan.enabled ? (openSource ??= createOpenSourceScanner({ clusters: getClusterScanner(), selection })) : null;

  const getFleet = (): FleetSource =>
    (fleet ??= createResourceGraphFleetSource({
      credential: getCredential(),
      endpoint: config.armEndpoint,
      tlsCa: overrides.armCa,
      pageSize: config.resourceGraph.pageSize,
      subscriptionBatchSize: config.resourceGraph.subscriptionBatchSize,
    }));
  const getVersions = (): ContainerServiceVersionSource =>
    (versions ??= createContainerServiceVersionSource({
      credential: getCredential(),
      endpoint: config.armEndpoint,
      tlsCa: overrides.armCa,
      upgradeProfileConcurrency: config.upgradeProfiles.concurrency,
    }));

  return {
    config,
    catalog,
    warnings,
    outboxDir,
    fleet: () => getFleet(),
    versions: () => getVersions(),
    auditDeps: (historyStore) => ({
      fleet: getFleet(),
      versions: getVersions(),
      catalog,
      catalogMaxAgeDays: config.catalogMaxAgeDays,
      store: historyStore,
      configuredScope: config.scope,
      upgradeProfiles: config.upgradeProfiles.enabled ? getVersions() : null,
      openSource: getOpenSource(),
    }),
    store: () => (store ??= openStore(config, overrides, getCredential, closers)),
    transport: () =>
      (transport ??= config.mail.sendgridApiKey
        ? createSendGridTransport({
            apiKey: config.mail.sendgridApiKey,
            from: config.mail.from,
            endpoint: config.mail.sendgridEndpoint ?? undefined,
            sandbox: config.mail.sandbox,
          })
        : createOutboxTransport(outboxDir ?? config.mail.outboxDir, { from: config.mail.from })),
    previewTransport: () => createOutboxTransport(path.join(config.home, "outbox", "preview"), { from: config.mail.from }),
    openSource: () => getOpenSource(),
    openSourceFanOut: () =>
      (fanOut ??= Promise.resolve().then(() => ({
        queue: createScanQueue(storageQueueClient(SCAN_QUEUE, "queued open-source scans", config, overrides, getCredential)),
        progress: createRunProgress({ table: progressTable(config, overrides, getCredential) }),
        selection,
        clusters: getClusterScanner(),
      }))),
    auditQueue: () => (auditQueue ??= createAuditQueue(storageQueueClient(AUDIT_QUEUE, "queued on-demand audits", config, overrides, getCredential))),
    close: async () => {
      for (const close of closers.reverse()) await close();
    },
  };
}

/** An invalid override is refused (naming file, entry and field) and the bundled catalog stays in force. */
async function loadCatalogOrBundled(config: AuditorConfig, warnings: string[]): Promise<Catalog> {
  if (!config.catalogOverride) return loadBundledCatalog();
  try {
    return await loadCatalog({ override: config.catalogOverride, sha256: config.catalogOverrideSha256 });
  } catch (error) {
    if (!(error instanceof CatalogError)) throw error;
    warnings.push(`CATALOG_OVERRIDE refused, using the bundled catalog: ${error.message}`);
    return loadBundledCatalog();
  }
}

async function openStore(
  config: AuditorConfig,
  overrides: ContextOverrides,
  getCredential: () => TokenCredential,
  closers: (() => Promise<void>)[],
): Promise<HistoryStore & { ledgerTable(): TableClient }> {
  const common = { tablePrefix: config.tablePrefix };
  if (overrides.tablesConnectionString) {
    return createTableHistoryStore({ ...common, connectionString: overrides.tablesConnectionString, allowInsecureConnection: true });
  }
  switch (config.tables.kind) {
    case "connection-string":
      return createTableHistoryStore({
        ...common,
        connectionString: config.tables.connectionString,
        allowInsecureConnection: connectionStringIsLoopback(config.tables.connectionString),
      });
    case "endpoint":
      return createTableHistoryStore({ ...common, endpoint: config.tables.endpoint, credential: getCredential() });
    case "local": {
      // The embedded default: Azurite in-process, persisted under AKS_AUDIT_HOME so history accumulates.
      const { startLocalTables } = await import("../local/azurite.js");
      const local = await startLocalTables({ dataDir: path.join(config.home, "azurite") });
      closers.push(() => local.close());
      return createTableHistoryStore({ ...common, connectionString: local.connectionString, allowInsecureConnection: true });
    }
  }
}

/**
 * The queues live in the storage account the tables use (which is AzureWebJobsStorage unless
 * AZURE_TABLES_CONNECTION_STRING names another), because the queue triggers listen there.
 */
function storageQueueClient(
  name: string,
  purpose: string,
  config: AuditorConfig,
  overrides: ContextOverrides,
  getCredential: () => TokenCredential,
): QueueClient {
  if (overrides.queueConnectionString) return new QueueClient(overrides.queueConnectionString, name);
  switch (config.tables.kind) {
    case "connection-string":
      return new QueueClient(config.tables.connectionString, name);
    case "endpoint": {
      const url = new URL(config.tables.endpoint);
      url.hostname = url.hostname.replace(".table.", ".queue.");
      url.pathname = `/${name}`;
      return new QueueClient(url.toString(), getCredential());
    }
    case "local":
      throw new Error(`${purpose} need a storage account (AzureWebJobsStorage); the command line runs them in-process`);
  }
}

function progressTable(config: AuditorConfig, overrides: ContextOverrides, getCredential: () => TokenCredential): TableClient {
  const name = `${config.tablePrefix}${PROGRESS_TABLE_SUFFIX}`;
  if (overrides.tablesConnectionString) return TableClient.fromConnectionString(overrides.tablesConnectionString, name, { allowInsecureConnection: true });
  switch (config.tables.kind) {
    case "connection-string":
      return TableClient.fromConnectionString(config.tables.connectionString, name, {
        allowInsecureConnection: connectionStringIsLoopback(config.tables.connectionString),
      });
    case "endpoint":
      return new TableClient(config.tables.endpoint, name, getCredential());
    case "local":
      throw new Error("queued open-source scans need Table Storage (AzureWebJobsStorage); the command line scans in-process");
  }
}

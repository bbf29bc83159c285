/**
 * Azurite's Queue service started in this process, in memory: for tests and local runs of the
 * queued open-source scan (the deployed app uses the storage account's queues). Loaded dynamically
 * for the same reason as the table server in azurite.ts: Azurite is a dev dependency.
 */
import { AZURITE_MISSING_MESSAGE, cjsDefault, cjsExport, DEV_ACCOUNT, DEV_KEY, isModuleNotFound } from "./azurite.js";

export interface LocalQueues {
  /** Explicit connection string with a QueueEndpoint (UseDevelopmentStorage=true only works on 10001). */
  connectionString: string;
  /** `http://127.0.0.1:<port>/devstoreaccount1` */
  endpoint: string;
  close(): Promise<void>;
}

export async function startLocalQueues(options: { port?: number } = {}): Promise<LocalQueues> {
  let QueueServer: typeof import("azurite/dist/src/queue/QueueServer.js").default;
  let QueueConfiguration: typeof import("azurite/dist/src/queue/QueueConfiguration.js").default;
  try {
    const [serverModule, configurationModule, telemetryModule] = await Promise.all([
      import("azurite/dist/src/queue/QueueServer.js"),
      import("azurite/dist/src/queue/QueueConfiguration.js"),
      import("azurite/dist/src/common/Telemetry.js"),
    ]);
    const telemetry = cjsExport<{ enableTelemetry: boolean }>(telemetryModule, "AzuriteTelemetryClient");
    if (telemetry) telemetry.enableTelemetry = false;
    QueueServer = cjsDefault(serverModule);
    QueueConfiguration = cjsDefault(configurationModule);
  } catch (error) {
    if (isModuleNotFound(error)) throw new Error(AZURITE_MISSING_MESSAGE, { cause: error });
    throw error;
  }
  const configuration = new QueueConfiguration(
    "127.0.0.1", // host: loopback only, the dev key is public
    options.port ?? 0, // port: ephemeral, so parallel test files never collide
    5, // keepAliveTimeout (s)
    "__azurite_db_queue__.json", // metadataDBPath (ignored in memory)
    "__azurite_db_queue_extent__.json", // extentDBPath (ignored in memory)
    [{ locationId: "Default", locationPath: "__queuestorage__", maxConcurrency: 1 }], // persistence (unused in memory)
    false, // enableAccessLog
    undefined, // accessLogWriteStream
    false, // enableDebugLog
    undefined, // debugLogFilePath
    false, // loose
    true, // skipApiVersionCheck: the SDK may be newer than the emulator
    "", // cert
    "", // key
    "", // pwd
    undefined, // oauth
    false, // disableProductStyleUrl
    true, // isMemoryPersistence
  );
  const server = new QueueServer(configuration);
  await server.start();
  const endpoint = `${server.getHttpServerAddress()}/${DEV_ACCOUNT}`;
  let closing: Promise<void> | null = null;
  return {
    endpoint,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};QueueEndpoint=${endpoint};`,
    close: () => (closing ??= server.close()),
  };
}

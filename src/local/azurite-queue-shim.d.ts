/**
 * Azurite's queue server, reached like its table server through deep imports (no type
 * declarations are shipped). Only the members this project uses are declared.
 */
declare module "azurite/dist/src/queue/QueueConfiguration.js" {
  export default class QueueConfiguration {
    /** Positional, in Azurite's order; see src/local/azuriteQueue.ts for what each one is. */
    constructor(
      host?: string,
      port?: number,
      keepAliveTimeout?: number,
      metadataDBPath?: string,
      extentDBPath?: string,
      persistencePathArray?: { locationId: string; locationPath: string; maxConcurrency: number }[],
      enableAccessLog?: boolean,
      accessLogWriteStream?: NodeJS.WritableStream,
      enableDebugLog?: boolean,
      debugLogFilePath?: string,
      loose?: boolean,
      skipApiVersionCheck?: boolean,
      cert?: string,
      key?: string,
      pwd?: string,
      oauth?: string,
      disableProductStyleUrl?: boolean,
      isMemoryPersistence?: boolean,
    );
  }
}

declare module "azurite/dist/src/queue/QueueServer.js" {
  import type QueueConfiguration from "azurite/dist/src/queue/QueueConfiguration.js";
  export default class QueueServer {
    constructor(configuration?: QueueConfiguration);
    start(): Promise<void>;
    close(): Promise<void>;
    /** e.g. `http://127.0.0.1:37747`, with the real port once started. */
    getHttpServerAddress(): string;
  }
}

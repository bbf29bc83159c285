/**
 * Azurite ships no type declarations and its package `main` is the VS Code extension, so the
 * table server is reached through deep imports. Only the members this project uses are declared.
 */
declare module "azurite/dist/src/table/TableConfiguration.js" {
  export default class TableConfiguration {
    /** Positional, in Azurite's order; see src/local/azurite.ts for what each one is. */
    constructor(
      host?: string,
      port?: number,
      keepAliveTimeout?: number,
      metadataDBPath?: string,
      enableDebugLog?: boolean,
      enableAccessLog?: boolean,
      accessLogWriteStream?: NodeJS.WritableStream,
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

declare module "azurite/dist/src/table/TableServer.js" {
  import type TableConfiguration from "azurite/dist/src/table/TableConfiguration.js";
  export default class TableServer {
    constructor(configuration?: TableConfiguration);
    start(): Promise<void>;
    /** Closes the listener and the LokiJS database; LokiJS saves pending changes on close. */
    close(): Promise<void>;
    /** e.g. `http://127.0.0.1:37747`, with the real port once started. */
    getHttpServerAddress(): string;
  }
}

declare module "azurite/dist/src/common/Telemetry.js" {
  export class AzuriteTelemetryClient {
    static enableTelemetry: boolean;
  }
}

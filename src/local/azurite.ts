/**
 * The embedded default Table service: Azurite's Table server started in this process.
 *
 * Azurite is a devDependency (the deployed Function App talks to real Table Storage), so it is
 * imported dynamically: a production install without it gets a clear message instead of a crash
 * at module load. Deep imports are needed because the package's `main` is its VS Code extension.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { LocalTls } from "./tls.js";

/** Azurite's well-known development account; public by design, never a real secret. */
export const DEV_ACCOUNT = "devstoreaccount1";
export const DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/** The LokiJS file under `dataDir`, named as the Azurite CLI names it so either can open it. */
const DB_FILE = "__azurite_db_table__.json";

export interface LocalTablesOptions {
  /** Folder in which the table database is kept between runs (created if missing). */
  dataDir?: string;
  /** Keep nothing on disk (tests). Implied when no dataDir is given. */
  inMemory?: boolean;
  /** 0 or absent: an ephemeral port, so parallel test files and a running demo never collide. */
  port?: number;
  /** Serve https with this identity (Azurite only takes bearer tokens over https). */
  https?: LocalTls;
  /**
   * Also accept Entra ID bearer tokens, as Azurite's `--oauth basic` does: it decodes the JWT and
   * checks iat/nbf/exp, the issuer (sts.windows.net and the like) and a Table audience, not the
   * signature. Needs `https`. Shared-key requests are still accepted.
   */
  oauth?: "basic";
}

export interface LocalTables {
  /** Explicit connection string (UseDevelopmentStorage=true only works on port 10002). */
  connectionString: string;
  /** `http://127.0.0.1:<port>/devstoreaccount1` (https with the `https` option) */
  endpoint: string;
  /** Stops the server and writes the database to disk; safe to call twice. */
  close(): Promise<void>;
}

export const AZURITE_MISSING_MESSAGE =
  "the local table store needs the azurite dev dependency (npm ci) or set AZURE_TABLES_CONNECTION_STRING";

interface AzuriteModules {
  TableServer: typeof import("azurite/dist/src/table/TableServer.js").default;
  TableConfiguration: typeof import("azurite/dist/src/table/TableConfiguration.js").default;
}

export async function startLocalTables(options: LocalTablesOptions = {}): Promise<LocalTables> {
  const { TableServer, TableConfiguration } = await loadAzurite();
  const inMemory = options.inMemory === true || options.dataDir === undefined;
  let dbPath = DB_FILE;
  if (!inMemory && options.dataDir !== undefined) {
    await mkdir(options.dataDir, { recursive: true });
    dbPath = path.join(options.dataDir, DB_FILE);
  }
  if (options.oauth && !options.https) throw new Error("startLocalTables: oauth needs https (Azurite refuses bearer tokens over http)");
  // Azurite reads its certificate and key from files.
  const tlsDir = options.https ? await mkdtemp(path.join(tmpdir(), "aks-audit-azurite-tls-")) : null;
  if (tlsDir && options.https) {
    await writeFile(path.join(tlsDir, "cert.pem"), options.https.cert, { mode: 0o600 });
    await writeFile(path.join(tlsDir, "key.pem"), options.https.key, { mode: 0o600 });
  }
  const configuration = new TableConfiguration(
    "127.0.0.1", // host: loopback only, the dev key is public
    options.port ?? 0, // port
    5, // keepAliveTimeout (s)
    dbPath, // metadataDBPath (LokiJS file; ignored in memory)
    false, // enableDebugLog
    false, // enableAccessLog
    undefined, // accessLogWriteStream
    undefined, // debugLogFilePath
    false, // loose
    true, // skipApiVersionCheck: the SDK may be newer than the emulator
    tlsDir ? path.join(tlsDir, "cert.pem") : "", // cert
    tlsDir ? path.join(tlsDir, "key.pem") : "", // key
    "", // pwd
    options.oauth, // oauth
    false, // disableProductStyleUrl
    inMemory, // isMemoryPersistence
  );
  const server = new TableServer(configuration);
  await server.start();
  // The files are read when the server starts; nothing needs them afterwards.
  if (tlsDir) await rm(tlsDir, { recursive: true, force: true });
  const address = server.getHttpServerAddress();
  const endpoint = `${address}/${DEV_ACCOUNT}`;
  let closing: Promise<void> | null = null;
  return {
    endpoint,
    connectionString: `DefaultEndpointsProtocol=${options.https ? "https" : "http"};AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};TableEndpoint=${endpoint};`,
    // LokiJS autosaves every 5 s; its close() performs the final save, so closing is what makes
    // a short demo run's history survive to the next run.
    close: () => (closing ??= server.close()),
  };
}

async function loadAzurite(): Promise<AzuriteModules> {
  try {
    const [serverModule, configurationModule, telemetryModule] = await Promise.all([
      import("azurite/dist/src/table/TableServer.js"),
      import("azurite/dist/src/table/TableConfiguration.js"),
      import("azurite/dist/src/common/Telemetry.js"),
    ]);
    // The in-process server never initialises telemetry, but say so explicitly: nothing from a
    // local run or a test may try to reach applicationinsights.azure.com.
    const telemetry = cjsExport<{ enableTelemetry: boolean }>(telemetryModule, "AzuriteTelemetryClient");
    if (telemetry) telemetry.enableTelemetry = false;
    return {
      TableServer: cjsDefault(serverModule),
      TableConfiguration: cjsDefault(configurationModule),
    };
  } catch (error) {
    if (isModuleNotFound(error)) throw new Error(AZURITE_MISSING_MESSAGE, { cause: error });
    throw error;
  }
}

/**
 * Azurite is CommonJS compiled from TS (`exports.default = X`). Node's ESM loader exposes
 * module.exports as `default` (so the class is `default.default`); bundler-style interop (vitest)
 * already unwraps one level. Accept both.
 */
export function cjsDefault<T>(mod: { default: T }): T {
  const outer = mod.default as unknown as { default?: T };
  return typeof outer === "function" ? (outer as T) : (outer.default as T);
}

export function cjsExport<T>(mod: object, name: string): T | undefined {
  const direct = (mod as Record<string, T | undefined>)[name];
  return direct ?? ((mod as { default?: Record<string, T | undefined> }).default?.[name] ?? undefined);
}

/** Also looks through `cause`: loaders and test runners wrap the resolution error. */
export function isModuleNotFound(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") return true;
  }
  return false;
}

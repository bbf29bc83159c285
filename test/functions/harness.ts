/**
 * Handlers under test, without the Functions host: Azurite (in-process) for history, the fleet
 * simulator for ARM, a stub credential, an in-memory mail transport, and an AppContext built by the
 * real createAppContext and injected with provideAppContext. Requests and invocation contexts
 * are constructed directly, as the host would.
 */
import type { TokenCredential } from "@azure/core-auth";
import { HttpRequest, InvocationContext, type HttpResponseInit, type Timer } from "@azure/functions";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { QueueClient } from "@azure/storage-queue";
import { afterAll, beforeAll } from "vitest";
import { AUDIT_QUEUE } from "../../src/app/auditQueue.js";
import { createAppContext, type AppContext } from "../../src/app/context.js";
import { loadConfig } from "../../src/config.js";
import type { MailTransport, OutgoingMail } from "../../src/core/ports.js";
import { provideAppContext } from "../../src/functions/runtime.js";
import { startLocalQueues, type LocalQueues } from "../../src/local/azuriteQueue.js";
import { startFleetSimulator, type FleetSimulator } from "../../src/local/simulator/index.js";
import { useAzurite } from "../helpers/azurite.js";

/** Never DefaultAzureCredential in tests: it would probe IMDS. */
export const stubCredential: TokenCredential = {
  getToken: async () => ({ token: "stub", expiresOnTimestamp: Date.now() + 3_600_000 }),
};

export const SIM_AS_OF = "2026-11-24";

export interface Harness {
  readonly sim: FleetSimulator;
  readonly ctx: AppContext;
  readonly mail: OutgoingMail[];
  /** The Azurite the contexts store into (for raw access or a fault proxy in front of it). */
  readonly tablesConnectionString: string;
  /** A fresh context (fresh tables, an empty audit queue) with these extra settings, injected for the handlers. */
  reset(env?: Record<string, string>): Promise<AppContext>;
  /** The next message POST /api/audits queued for auditWorker, decoded as the host would; undefined when none. */
  takeAuditMessage(): Promise<unknown>;
  /** The audit queue itself (Azurite's Queue service), e.g. to delete it under a test. */
  readonly auditQueue: QueueClient;
}

export function useFunctionsHarness(options: { clusters?: number; env?: Record<string, string> } = {}): Harness {
  const azurite = useAzurite();
  let sim: FleetSimulator | null = null;
  let queues: LocalQueues | null = null;
  let auditQueue: QueueClient | null = null;
  let ctx: AppContext | null = null;
  let home = "";
  const mail: OutgoingMail[] = [];
  const transport: MailTransport = {
    name: "memory",
    send: async (message) => {
      mail.push(message);
    },
  };

  const reset = async (env: Record<string, string> = {}): Promise<AppContext> => {
    await ctx?.close();
    mail.length = 0;
    await auditQueue!.createIfNotExists();
    await auditQueue!.clearMessages();
    const config = loadConfig({
      AKS_AUDIT_HOME: home,
      ARM_ENDPOINT: sim!.endpoint,
      TABLE_PREFIX: azurite.freshPrefix(),
      MAIL_TO: "platform@example.com",
      HTTP_MAX_SYNC_CLUSTERS: "3",
      HTTP_MAX_SCOPE_SIZE: "5",
      ...options.env,
      ...env,
    });
    ctx = await createAppContext(config, {
      credential: stubCredential,
      armCa: sim!.ca,
      tablesConnectionString: azurite.connectionString,
      queueConnectionString: queues!.connectionString,
      transport,
    });
    provideAppContext(ctx);
    return ctx;
  };

  beforeAll(async () => {
    home = await mkdtemp(path.join(tmpdir(), "aks-audit-fn-"));
    sim = await startFleetSimulator({ seed: 7, clusters: options.clusters ?? 8, asOf: SIM_AS_OF, quota: null, armQuota: null });
    queues = await startLocalQueues();
    auditQueue = new QueueClient(queues.connectionString, AUDIT_QUEUE);
    await reset();
  });
  afterAll(async () => {
    provideAppContext(null);
    await ctx?.close();
    await sim?.close();
    await queues?.close();
    await rm(home, { recursive: true, force: true });
  });

  return {
    get sim() {
      return sim!;
    },
    get ctx() {
      return ctx!;
    },
    mail,
    get tablesConnectionString() {
      return azurite.connectionString;
    },
    reset,
    get auditQueue() {
      return auditQueue!;
    },
    takeAuditMessage: async () => {
      const { receivedMessageItems: [item] } = await auditQueue!.receiveMessages({ numberOfMessages: 1 });
      if (!item) return undefined;
      await auditQueue!.deleteMessage(item.messageId, item.popReceipt);
      return JSON.parse(Buffer.from(item.messageText, "base64").toString("utf8")) as unknown;
    },
  };
}

export function invocation(
  functionName: string,
  logs: string[] = [],
  extraOutputs: InvocationContext["options"]["extraOutputs"] = [],
  retryContext?: InvocationContext["retryContext"],
): InvocationContext {
  return new InvocationContext({
    functionName,
    invocationId: `test-${functionName}`,
    logHandler: (level, ...args) => logs.push(`${level}: ${args.map(String).join(" ")}`),
    options: { extraOutputs },
    ...(retryContext ? { retryContext } : {}),
  });
}

export interface RequestInit {
  method?: string;
  headers?: Record<string, string>;
  params?: Record<string, string>;
  body?: string;
  roles?: string[];
}

/** A request as the host builds it; `roles` adds an App Service Authentication principal. */
export function request(pathAndQuery: string, init: RequestInit = {}): HttpRequest {
  const headers = { ...init.headers };
  if (init.roles) {
    const claims = init.roles.map((val) => ({ typ: "roles", val }));
    headers["x-ms-client-principal"] = Buffer.from(JSON.stringify({ auth_typ: "aad", claims })).toString("base64");
  }
  return new HttpRequest({
    method: init.method ?? "GET",
    url: `http://localhost${pathAndQuery}`,
    headers,
    params: init.params ?? {},
    body: init.body === undefined ? undefined : { string: init.body },
  });
}

export function json<T = Record<string, unknown>>(response: HttpResponseInit): T {
  return JSON.parse(response.body as string) as T;
}

export function header(response: HttpResponseInit, name: string): string | undefined {
  return (response.headers as Record<string, string> | undefined)?.[name];
}

/** A timer invocation for a schedule occurrence, as the host passes it while the occurrence runs. */
export function timerAt(occurrence: string, isPastDue = false): Timer {
  return {
    isPastDue,
    schedule: { adjustForDST: false },
    scheduleStatus: { last: "2026-01-01T06:00:00Z", next: occurrence, lastUpdated: "2026-01-01T06:00:00Z" },
  };
}

export function clusterIds(sim: FleetSimulator): string[] {
  return [...sim.fleet.clusterIds()];
}

/**
 * GET /api/clusters/{id}/history as the host hands it over: `clusterPath` is what the catch-all
 * route captured. `encoded`: the local host, or a deployed one given a double-encoded id;
 * `decoded`: a deployed front end that decoded %2F (and may have merged the leading slash).
 */
export function historyRequest(clusterId: string, query = "", as: "encoded" | "decoded" = "encoded"): HttpRequest {
  const once = encodeURIComponent(clusterId);
  const clusterPath = as === "encoded" ? `${once}/history` : `${clusterId.replace(/^\//, "")}/history`;
  return request(`/api/clusters/${once}/history${query}`, { params: { clusterPath } });
}

/**
 * Reads what is installed inside one cluster through the Kubernetes API (@kubernetes/client-node),
 * with read-only list calls only: Deployments, DaemonSets and StatefulSets across all namespaces,
 * and CustomResourceDefinition names. Of each workload only its kind, namespace, name, labels and
 * container images are kept; nothing else of the object (environment, volumes, annotations) leaves
 * this file. Secrets, ConfigMaps and Pods are never requested.
 *
 * The KubeConfig is built in code from the API server URL, its CA and a bearer token: no kubeconfig
 * file, no exec plugin, no cluster-local credential. The token is the caller's Entra token for the
 * AKS server application, so the cluster authorises the auditor's own identity (Azure RBAC).
 */
import {
  ApiException,
  ApiextensionsV1Api,
  AppsV1Api,
  KubeConfig,
  Observable,
  type ConfigurationOptions,
  type ObservableMiddleware,
  type V1PodTemplateSpec,
} from "@kubernetes/client-node";
import type { ClusterInventory, Workload, WorkloadKind } from "../core/signatures.js";

export interface KubeTarget {
  /** `https://<fqdn>:443` from the cluster's kubeconfig. */
  server: string;
  /** `certificate-authority-data` (base64 PEM) from the kubeconfig; null = the system trust store. */
  caData: string | null;
  /** Bearer token for the API server (an Entra token for the AKS server application). */
  token: string;
  tlsServerName?: string;
}

export interface KubeReadOptions {
  /** Per request; an API server that does not answer in time is unreachable (default 10 s). */
  timeoutMs?: number;
  /** Items per list page (`limit`, default 500): big clusters are read in pages, as kubectl does. */
  pageSize?: number;
}

export type KubeFailure = "unreachable" | "unauthorized" | "forbidden" | "failed";

/** Why a cluster could not be read; `transient` failures are worth another attempt later. */
export class KubeReadError extends Error {
  constructor(
    message: string,
    readonly reason: KubeFailure,
    readonly transient: boolean,
  ) {
    super(message);
    this.name = "KubeReadError";
  }
}

export interface KubeReadResult {
  inventory: ClusterInventory;
  /** What was left out and why (e.g. CRDs not readable with the granted role). */
  notes: string[];
}

const NETWORK_CODES = /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE|ESOCKETTIMEDOUT|UND_ERR_SOCKET|UND_ERR_CONNECT_TIMEOUT)$/;

function kubeConfigFor(target: KubeTarget): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: "cluster",
        server: target.server,
        ...(target.caData ? { caData: target.caData } : {}),
        ...(target.tlsServerName ? { tlsServerName: target.tlsServerName } : {}),
        skipTLSVerify: false,
      },
    ],
    users: [{ name: "auditor", token: target.token }],
    contexts: [{ name: "audit", cluster: "cluster", user: "auditor" }],
    currentContext: "audit",
  });
  return kc;
}

/** Aborts each request after `ms`: an unreachable API server must not hold a worker for minutes. */
function timeoutOptions(ms: number): ConfigurationOptions<ObservableMiddleware> {
  const middleware: ObservableMiddleware = {
    pre: (context) => {
      context.setSignal(AbortSignal.timeout(ms));
      return new Observable(Promise.resolve(context));
    },
    post: (context) => new Observable(Promise.resolve(context)),
  };
  return { middleware: [middleware], middlewareMergeStrategy: "append" };
}

/** The API server's own words from a Status body, without echoing anything else. */
function statusMessage(error: ApiException<unknown>): string {
  let body: unknown = error.body;
  if (typeof body === "string") {
    try {
      body = JSON.parse(body);
    } catch {
      body = null;
    }
  }
  const message = (body as { message?: unknown } | null)?.message;
  if (typeof message === "string") return message.replace(/\s+/g, " ").slice(0, 200);
  // Some statuses (401) come without a body; the client then names the status in its message.
  return /^Message: (.+)$/m.exec(error.message)?.[1]?.trim().slice(0, 200) ?? `HTTP ${error.code}`;
}

function hostOf(server: string): string {
  try {
    return new URL(server).host;
  } catch {
    return server;
  }
}

/** Maps what the client threw to a reason a report can show. */
export function classifyKubeError(error: unknown, what: string, target: Pick<KubeTarget, "server">, timeoutMs: number): KubeReadError {
  if (error instanceof KubeReadError) return error;
  const host = hostOf(target.server);
  if (error instanceof ApiException) {
    const code = error.code;
    const said = statusMessage(error);
    if (code === 401) return new KubeReadError(`the API server refused the token when listing ${what} (401: ${said}); is Entra ID integration on?`, "unauthorized", false);
    if (code === 403) return new KubeReadError(`the identity may not list ${what} (403: ${said})`, "forbidden", false);
    return new KubeReadError(`listing ${what} failed (${code}: ${said})`, "failed", code === 429 || code >= 500);
  }
  const e = error as { name?: unknown; code?: unknown; type?: unknown; message?: unknown };
  if (e?.name === "AbortError" || e?.type === "aborted" || e?.name === "TimeoutError") {
    return new KubeReadError(`the API server ${host} did not answer within ${timeoutMs} ms`, "unreachable", true);
  }
  const code = typeof e?.code === "string" ? e.code : typeof (e as { errno?: unknown })?.errno === "string" ? String((e as { errno: string }).errno) : "";
  if (NETWORK_CODES.test(code)) {
    const why = code === "ENOTFOUND" || code === "EAI_AGAIN" ? "its name does not resolve here (a private cluster?)" : `the connection failed (${code})`;
    return new KubeReadError(`the API server ${host} cannot be reached: ${why}`, "unreachable", true);
  }
  const message = typeof e?.message === "string" ? e.message.replace(/\s+/g, " ").slice(0, 200) : String(error);
  return new KubeReadError(`listing ${what} failed: ${message}`, "failed", false);
}

interface ListPage<T> {
  items: T[];
  metadata?: { _continue?: string };
}

async function listAll<T>(fetchPage: (cont: string | undefined) => Promise<ListPage<T>>): Promise<T[]> {
  const items: T[] = [];
  let cont: string | undefined;
  do {
    const page = await fetchPage(cont);
    items.push(...page.items);
    cont = page.metadata?._continue || undefined;
  } while (cont);
  return items;
}

interface WorkloadObject {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  spec?: { template?: V1PodTemplateSpec };
}

/** Keeps only what identifies the software; the rest of the object is dropped here. */
function toWorkload(kind: WorkloadKind, object: WorkloadObject): Workload | null {
  const name = object.metadata?.name;
  if (!name) return null;
  const template = object.spec?.template;
  const containers = [...(template?.spec?.initContainers ?? []), ...(template?.spec?.containers ?? [])];
  return {
    kind,
    namespace: object.metadata?.namespace ?? "",
    name,
    labels: { ...(template?.metadata?.labels ?? {}), ...(object.metadata?.labels ?? {}) },
    images: [...new Set(containers.map((c) => c.image).filter((i): i is string => typeof i === "string" && i !== ""))],
  };
}

export async function readClusterInventory(target: KubeTarget, options: KubeReadOptions = {}): Promise<KubeReadResult> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const limit = options.pageSize ?? 500;
  const kc = kubeConfigFor(target);
  const apps = kc.makeApiClient(AppsV1Api);
  const extensions = kc.makeApiClient(ApiextensionsV1Api);
  const call = timeoutOptions(timeoutMs);
  const notes: string[] = [];

  const list = async <T>(what: string, fetchPage: (cont: string | undefined) => Promise<ListPage<T>>): Promise<T[]> => {
    try {
      return await listAll(fetchPage);
    } catch (error) {
      throw classifyKubeError(error, what, target, timeoutMs);
    }
  };

  // Sequential on purpose: the first call tells whether the server is there at all, and one
  // cluster's scan should not burst its API server; the fleet-level concurrency is the caller's.
  const deployments = await list("deployments", (cont) => apps.listDeploymentForAllNamespaces({ limit, _continue: cont }, call));
  const daemonSets = await list("daemonsets", (cont) => apps.listDaemonSetForAllNamespaces({ limit, _continue: cont }, call));
  const statefulSets = await list("statefulsets", (cont) => apps.listStatefulSetForAllNamespaces({ limit, _continue: cont }, call));
  let crds: string[] = [];
  try {
    const items = await list("customresourcedefinitions", (cont) => extensions.listCustomResourceDefinition({ limit, _continue: cont }, call));
    crds = items.map((c) => c.metadata?.name).filter((n): n is string => typeof n === "string");
  } catch (error) {
    // CRD names only add evidence; a role without apiextensions read still gets the workloads.
    if (!(error instanceof KubeReadError) || error.reason !== "forbidden") throw error;
    notes.push("CRD names not read: the identity may not list customresourcedefinitions");
  }

  const workloads = [
    ...deployments.map((d) => toWorkload("Deployment", d)),
    ...daemonSets.map((d) => toWorkload("DaemonSet", d)),
    ...statefulSets.map((s) => toWorkload("StatefulSet", s)),
  ].filter((w): w is Workload => w !== null);
  return { inventory: { workloads, crds }, notes };
}

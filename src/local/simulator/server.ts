/**
 * The fleet simulator: an HTTPS server on 127.0.0.1 that answers the Resource Graph and
 * Container Service calls the auditor makes, the way Azure answers them, for a deterministic
 * fleet of any size. The demo, the integration tests and the benchmarks all run the real Azure
 * SDK clients against it (endpoint + tlsOptions.ca), so what passes here is what runs in Azure.
 */
import https from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createLocalTls, type LocalTls } from "../tls.js";
import { FaultInjector, type FaultPlan, type RequestKind } from "./faults.js";
import { DEFAULT_REGIONS, defaultSubscriptionCount, FleetModel, legacyFeatures, MANAGEMENT_GROUPS } from "./fleet.js";
import { KqlError, parseQuery, shapeRow, type ParsedQuery } from "./kql.js";
import { formatTimeSpan, SlidingWindowQuota, TokenBuckets } from "./quota.js";
import { hashString } from "./random.js";
import { versionsValues } from "./versions.js";
import {
  armList,
  clusterId,
  credentialResults,
  errorBody,
  extensionId,
  queryResponse,
  renderCluster,
  renderClusterGraphRow,
  renderExtension,
  renderExtensionGraphRow,
  renderSourceControlGraphRow,
  publicApiServer,
  renderUpgradeProfile,
  renderUserKubeconfig,
  type ErrorName,
  type JsonObject,
} from "./wire.js";

export interface FleetSimulatorOptions {
  /** Same seed, same fleet (default 1). */
  seed?: number;
  /** Number of AKS clusters (default 200). */
  clusters?: number;
  /** Number of subscriptions (default: 3 to 60, about one per 25 clusters). */
  subscriptions?: number;
  /** Regions clusters live in (default 12 regions). */
  regions?: string[];
  /** Added to every answer, to model a real network round trip. */
  latencyMs?: number;
  /**
   * Resource Graph quota per principal (default 15 per 5000 ms); null = unlimited. `resetsAfter`
   * "whole-seconds" writes `x-ms-user-quota-resets-after` as Azure's documentation shows it
   * (`00:00:03`, truncated, so `00:00:00` with 0 left); "fraction" (default) adds the 7-digit part.
   */
  quota?: { requests: number; windowMs: number; retryAfter?: boolean; resetsAfter?: "fraction" | "whole-seconds" } | null;
  /**
   * Subscriptions a tenant- or management-group-scope query covers at most (default 10,000, as
   * documented); past it the answer carries `x-ms-tenant-subscription-limit-hit: true`.
   */
  tenantSubscriptionLimit?: number;
  /** ARM read bucket per subscription (default 250, refilled 25/s); null = unlimited. */
  armQuota?: { capacity: number; refillPerSecond: number } | null;
  faults?: FaultPlan;
  /** The simulated "today" (YYYY-MM-DD), used for timestamps in the payloads (default 2026-11-24). */
  asOf?: string;
  /** Regions whose listKubernetesVersions has no data: 404 NotFound, or 200 with no values. */
  regionsWithoutVersions?: { region: string; answer: "404" | "empty" }[];
  /** Items per page of the Container Service managedClusters list (default 100). */
  armPageSize?: number;
  /** Reuse a certificate instead of making one. */
  tls?: LocalTls;
  /**
   * Where the clusters' Kubernetes API servers are (the kube fake, src/local/kubeFake.ts): user
   * kubeconfigs then name `<endpoint>/clusters/<cluster name>` and carry `ca` as the cluster CA.
   * Without it they name each cluster's public azmk8s.io address, which nothing answers.
   */
  kubeApi?: { endpoint: string; ca: string };
}

export interface SimulatorStats {
  /** Every request received, by what it was (clusters, extensions, versions, cluster-get, …). */
  byKind: Record<string, number>;
  /** Every answer sent, by HTTP status ("reset" for dropped connections). */
  byStatus: Record<string, number>;
  /** listKubernetesVersions requests received per location (lower case), refused ones included. */
  versionsByLocation: Record<string, number>;
  total: number;
  maxInFlight: number;
}

export interface FleetSummary {
  seed: number;
  clusters: number;
  extensions: number;
  /** Flux v1 configurations the Resource Graph query returns (a few clusters by position; see legacyFeatures). */
  sourceControlConfigurations: number;
  tenantId: string;
  regions: string[];
  subscriptions: { id: string; displayName: string; managementGroup: string; clusters: number; extensions: number }[];
  /** Management group name → subscription ids. */
  managementGroups: Record<string, string[]>;
  /** ARM ids of the clusters (optionally of some subscriptions), generated lazily. */
  clusterIds(filter?: { subscriptions?: string[] }): Generator<string>;
  /** Extension ids with the ARM id of their cluster, generated lazily. */
  extensionIds(filter?: { subscriptions?: string[] }): Generator<{ id: string; clusterId: string; extensionType: string }>;
  /** One cluster as `GET managedClusters/{name}` returns it, by position in the fleet. */
  clusterResource(index: number): JsonObject;
}

export interface FleetSimulator {
  /** `https://127.0.0.1:<port>`: pass as `endpoint` to the Azure SDK clients. */
  endpoint: string;
  /** PEM certificate to trust: pass as `tlsOptions: { ca }`. */
  ca: string;
  stats: SimulatorStats;
  fleet: FleetSummary;
  /**
   * Ids (lower case) of the clusters Resource Graph answers actually carried (200 answers, rows sent):
   * what a caller could have read, the baseline a test compares the store with.
   */
  servedClusterIds(): string[];
  /** Forget the served clusters (before a sweep whose reads alone are compared). */
  clearServed(): void;
  resetStats(): void;
  /** Answer as the fleet stood in this simulated week (0 = as generated), dated asOf. */
  setWeek(week: number, asOf?: string): void;
  close(): Promise<void>;
}

const CLUSTER_TYPE = "microsoft.containerservice/managedclusters";
const EXTENSION_TYPE = "microsoft.kubernetesconfiguration/extensions";
const SOURCE_CONTROL_TYPE = "microsoft.kubernetesconfiguration/sourcecontrolconfigurations";
const MAX_TOP = 1000;

interface PageToken {
  v: 1;
  /** Hash of query text and scope: a token is only valid for the query that made it. */
  h: number;
  c: number;
  e: number;
  p: number;
}

class HttpAnswer {
  constructor(
    readonly status: number,
    readonly body: JsonObject | null,
    readonly headers: Record<string, string> = {},
  ) {}
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > 4 * 1024 * 1024) {
        reject(new Error("request body too large"));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function encodeToken(t: PageToken): string {
  return Buffer.from(JSON.stringify(t)).toString("base64");
}

function decodeToken(text: string): PageToken | null {
  try {
    const t = JSON.parse(Buffer.from(text, "base64").toString("utf8")) as PageToken;
    return t && t.v === 1 && [t.h, t.c, t.e, t.p].every((n) => Number.isInteger(n) && n >= 0) ? t : null;
  } catch {
    return null;
  }
}

export async function startFleetSimulator(options: FleetSimulatorOptions = {}): Promise<FleetSimulator> {
  const seed = options.seed ?? 1;
  const clusters = options.clusters ?? 200;
  const regions = options.regions && options.regions.length > 0 ? options.regions.map((r) => r.toLowerCase()) : [...DEFAULT_REGIONS];
  const model = new FleetModel({ seed, clusters, subscriptions: options.subscriptions ?? defaultSubscriptionCount(clusters), regions });
  let asOf = options.asOf ?? "2026-11-24";
  const latencyMs = options.latencyMs ?? 0;
  const armPageSize = options.armPageSize ?? 100;
  const now = (): number => performance.now();
  const quota = options.quota === null ? null : new SlidingWindowQuota(options.quota?.requests ?? 15, options.quota?.windowMs ?? 5000, now);
  const quotaRetryAfter = options.quota?.retryAfter === true;
  const resetsAfter = (ms: number): string => (options.quota?.resetsAfter === "whole-seconds" ? formatTimeSpan(Math.floor(ms / 1000) * 1000) : formatTimeSpan(ms));
  const tenantSubscriptionLimit = options.tenantSubscriptionLimit ?? 10_000;
  const armQuota = options.armQuota === null ? null : new TokenBuckets(options.armQuota?.capacity ?? 250, options.armQuota?.refillPerSecond ?? 25, now);
  const faults = new FaultInjector(options.faults);
  const noVersions = new Map((options.regionsWithoutVersions ?? []).map((r) => [r.region.toLowerCase(), r.answer]));
  const tls = options.tls ?? (await createLocalTls());

  const stats: SimulatorStats = { byKind: {}, byStatus: {}, versionsByLocation: {}, total: 0, maxInFlight: 0 };
  const served = new Set<string>();
  let inFlight = 0;
  let requestSeq = 0;
  let endpoint = "";

  const managementGroups: Record<string, string[]> = Object.fromEntries(MANAGEMENT_GROUPS.map((mg) => [mg, [] as string[]]));
  for (const s of model.subscriptions) managementGroups[s.managementGroup]!.push(s.id);

  const count = (bag: Record<string, number>, key: string): void => {
    bag[key] = (bag[key] ?? 0) + 1;
  };

  const commonVars = (): Record<string, string> => ({
    timestamp: new Date().toISOString(),
    correlationId: `00000000-0000-4000-b000-${String(requestSeq).padStart(12, "0")}`,
  });

  const error = (status: number, name: ErrorName, vars: Record<string, string> = {}, headers: Record<string, string> = {}): HttpAnswer =>
    new HttpAnswer(status, errorBody(name, { ...commonVars(), ...vars }), headers);

  // ------------------------------------------------------------------ Resource Graph

  interface GraphRequest {
    query: ParsedQuery;
    queryText: string;
    kind: RequestKind;
    allowed: boolean[];
    denied: HttpAnswer | null;
    subscriptionsInScope: string[];
    /** A tenant or management-group query that saw more subscriptions than it covers. */
    subscriptionLimitHit: boolean;
    top: number;
    skip: number;
    token: PageToken | null;
    tokenError: string | null;
    hash: number;
  }

  const parseGraphRequest = (raw: string, principal: string): GraphRequest | HttpAnswer => {
    let body: { query?: unknown; subscriptions?: unknown; managementGroups?: unknown; options?: Record<string, unknown> };
    try {
      body = JSON.parse(raw);
    } catch {
      return error(400, "InvalidQuery", { reason: "The request body is not valid JSON." });
    }
    if (typeof body.query !== "string" || body.query.trim() === "") return error(400, "InvalidQuery", { reason: "The 'query' property is required." });
    let query: ParsedQuery;
    try {
      query = parseQuery(body.query);
    } catch (e) {
      return error(400, "InvalidQuery", { reason: e instanceof KqlError ? e.message : String(e) });
    }
    const opts = body.options ?? {};
    if (opts.resultFormat !== undefined && opts.resultFormat !== "objectArray") {
      return error(400, "InvalidQuery", { reason: "The fleet simulator answers resultFormat objectArray only." });
    }
    const top = opts.$top === undefined ? MAX_TOP : Number(opts.$top);
    if (!Number.isInteger(top) || top < 1 || top > MAX_TOP) return error(400, "InvalidQuery", { reason: `$top must be between 1 and ${MAX_TOP}.` });
    const skip = opts.$skip === undefined ? 0 : Number(opts.$skip);
    if (!Number.isInteger(skip) || skip < 0) return error(400, "InvalidQuery", { reason: "$skip must be a non-negative integer." });

    const kind: RequestKind =
      query.table === "resources" && (query.types === null || query.types.includes(CLUSTER_TYPE))
        ? "clusters"
        : query.table === "kubernetesconfigurationresources" && (query.types === null || query.types.includes(EXTENSION_TYPE))
          ? "extensions"
          : query.table === "kubernetesconfigurationresources" && query.types?.includes(SOURCE_CONTROL_TYPE)
            ? "source-control"
            : "graph-other";
    if (!["resources", "kubernetesconfigurationresources"].includes(query.table)) {
      return error(400, "InvalidQuery", { reason: `Table '${query.table}' is not simulated (resources and kubernetesconfigurationresources are).` });
    }

    // Scope: which subscriptions the principal reads through this request.
    const subs = Array.isArray(body.subscriptions) ? body.subscriptions.map(String) : [];
    const groups = Array.isArray(body.managementGroups) ? body.managementGroups.map(String) : [];
    const allowed: boolean[] = new Array<boolean>(model.subscriptions.length).fill(false);
    let denied: HttpAnswer | null = null;
    const inScope: string[] = [];
    if (subs.length === 0 && groups.length === 0) {
      model.subscriptions.forEach((s, i) => {
        allowed[i] = !faults.isDeniedSubscription(s.id);
        inScope.push(s.id);
      });
    }
    for (const sub of subs) {
      inScope.push(sub);
      if (faults.isDeniedSubscription(sub)) {
        // Resource Graph refuses a scope with its own envelope (AccessDenied + details), not ARM's AuthorizationFailed.
        denied ??= error(403, "AccessDenied");
        continue;
      }
      // A subscription the simulated tenant does not have simply contributes no rows.
      const i = model.subscriptionIndexById(sub);
      if (i !== undefined) allowed[i] = true;
    }
    for (const group of groups) {
      const known = group.toLowerCase() === model.tenantId.toLowerCase() ? model.subscriptions.map((s) => s.id) : managementGroups[group.toLowerCase()];
      if (!known || faults.isDeniedManagementGroup(group)) {
        denied ??= error(403, "AccessDenied");
        continue;
      }
      for (const id of known) {
        inScope.push(id);
        if (!faults.isDeniedSubscription(id)) allowed[model.subscriptionIndexById(id)!] = true;
      }
    }
    // A tenant- or group-wide query covers only the first N subscriptions the principal sees, and says so.
    let subscriptionLimitHit = false;
    if (subs.length === 0 && inScope.length > tenantSubscriptionLimit) {
      subscriptionLimitHit = true;
      for (const id of inScope.slice(tenantSubscriptionLimit)) {
        const i = model.subscriptionIndexById(id);
        if (i !== undefined) allowed[i] = false;
      }
      inScope.length = tenantSubscriptionLimit;
    }

    const scopeKey = `${subs.map((s) => s.toLowerCase()).sort().join(",")}|${groups.map((g) => g.toLowerCase()).sort().join(",")}`;
    const hash = hashString(`${body.query}\n${scopeKey}`);
    let token: PageToken | null = null;
    let tokenError: string | null = null;
    if (typeof opts.$skipToken === "string" && opts.$skipToken !== "") {
      token = decodeToken(opts.$skipToken);
      if (!token) tokenError = "The $skipToken is not valid.";
      else if (token.h !== hash) tokenError = "The $skipToken was issued for a different query or scope.";
    }
    return { query, queryText: body.query, kind, allowed, denied, subscriptionsInScope: inScope, subscriptionLimitHit, top, skip, token, tokenError, hash };
  };

  /** Row positions from a cursor, in a stable order: cluster index, then extension (or configuration) index. */
  function* positions(req: GraphRequest, from: { c: number; e: number }): Generator<{ c: number; e: number }> {
    if (req.kind === "graph-other") return;
    for (let c = from.c; c < model.size; c++) {
      if (!req.allowed[model.subscriptionIndexOf(c)]) continue;
      if (req.kind === "clusters") {
        yield { c, e: 0 };
        continue;
      }
      const n = req.kind === "source-control" ? legacyFeatures(c).fluxV1Configurations : model.extensionCountOf(c);
      for (let e = c === from.c ? from.e : 0; e < n; e++) yield { c, e };
    }
  }

  const totalFor = (req: GraphRequest): number => {
    if (req.kind === "graph-other") return 0;
    const perSub = req.kind === "clusters" ? model.clustersPerSubscription : req.kind === "source-control" ? model.sourceControlPerSubscription : model.extensionsPerSubscription;
    let total = 0;
    req.allowed.forEach((ok, i) => {
      if (ok) total += perSub[i]!;
    });
    return req.query.limit === null ? total : Math.min(total, req.query.limit);
  };

  const renderRow = (req: GraphRequest, pos: { c: number; e: number }): JsonObject => {
    const spec = model.cluster(pos.c);
    const full =
      req.kind === "clusters"
        ? renderClusterGraphRow(spec, model.tenantId)
        : req.kind === "source-control"
          ? renderSourceControlGraphRow(spec, pos.e, asOf, model.tenantId)
          : renderExtensionGraphRow(spec, spec.extensions[pos.e]!, asOf, model.tenantId);
    return shapeRow(req.query, full) as JsonObject;
  };

  const answerGraph = (req: GraphRequest, truncateFault: boolean): HttpAnswer => {
    if (req.tokenError) return error(400, "InvalidSkipToken", { reason: req.tokenError });
    const total = totalFor(req);
    const pageNo = req.token ? req.token.p : 1;
    // With a token and $skip, $skip sets the page's offset from the first row instead of the token's
    // position (the REST reference: "$skip overrides the next-page offset"; assumption: counted
    // from the start of the result, as without a token). Stepping is cheap: positions are not rendered.
    const fromToken = req.token !== null && req.skip === 0;
    const iterator = positions(req, fromToken ? { c: req.token!.c, e: req.token!.e } : { c: 0, e: 0 });
    if (!fromToken) for (let i = 0; i < req.skip; i++) if (iterator.next().done) break;
    // Queries with a limit are never paged (no token is issued), so the limit counts from $skip.
    const cap = req.query.limit === null ? req.top : Math.min(req.top, Math.max(0, req.query.limit - req.skip));
    const data: JsonObject[] = [];
    let next: { c: number; e: number } | null = null;
    for (let r = iterator.next(); !r.done; r = iterator.next()) {
      if (data.length >= cap) {
        next = r.value;
        break;
      }
      data.push(renderRow(req, r.value));
    }
    // Resource Graph cannot page an output without `id` or with a limit: it says so instead of a token.
    if ((next && !req.query.pageable) || truncateFault) return new HttpAnswer(200, queryResponse({ totalRecords: total, data, skipToken: null, truncated: true }));
    const skipToken = next ? encodeToken({ v: 1, h: req.hash, c: next.c, e: next.e, p: pageNo + 1 }) : null;
    return new HttpAnswer(200, queryResponse({ totalRecords: total, data, skipToken, truncated: false }));
  };

  // ------------------------------------------------------------------ Container Service

  interface ArmRoute {
    kind: RequestKind;
    subscriptionId: string;
    location?: string;
    handle: () => HttpAnswer;
  }

  const findCluster = (sub: string, rg: string, name: string): number | null => {
    const index = model.indexOfName(name);
    if (index === null) return null;
    const spec = model.cluster(index);
    return spec.subscriptionId.toLowerCase() === sub.toLowerCase() && spec.resourceGroup.toLowerCase() === rg.toLowerCase() ? index : null;
  };

  const notFound = (type: string, name: string, rg: string): HttpAnswer => error(404, "ResourceNotFound", { resourceType: type, name, resourceGroup: rg });

  const routeArm = (segments: string[], url: URL, apiVersion: string): ArmRoute | null => {
    const lower = segments.map((s) => s.toLowerCase());
    if (lower[0] !== "subscriptions" || segments.length < 4) return null;
    const sub = segments[1]!;
    // /subscriptions/{sub}/providers/Microsoft.ContainerService/locations/{loc}/kubernetesVersions
    if (lower.length === 7 && lower[2] === "providers" && lower[3] === "microsoft.containerservice" && lower[4] === "locations" && lower[6] === "kubernetesversions") {
      const location = lower[5]!;
      return {
        kind: "versions",
        subscriptionId: sub,
        location,
        handle: () => {
          const missing = noVersions.get(location);
          if (missing === "404") return error(404, "NoVersionData", { location });
          if (missing === "empty") return new HttpAnswer(200, { values: [] });
          const regionIndex = regions.indexOf(location);
          // The preview reaches regions gradually; a couple of regions do not offer it yet.
          return new HttpAnswer(200, { values: versionsValues({ withoutPreview: regionIndex >= 0 && regionIndex % 5 === 4 }) as JsonObject[] });
        },
      };
    }
    // /subscriptions/{sub}/providers/Microsoft.ContainerService/managedClusters
    if (lower.length === 5 && lower[2] === "providers" && lower[3] === "microsoft.containerservice" && lower[4] === "managedclusters") {
      return {
        kind: "cluster-list",
        subscriptionId: sub,
        handle: () => {
          const subIndex = model.subscriptionIndexById(sub);
          const start = Number(url.searchParams.get("$skipToken") ?? "0");
          if (!Number.isInteger(start) || start < 0) return error(400, "InvalidQuery", { reason: "invalid $skipToken" });
          const value: JsonObject[] = [];
          let nextIndex: number | null = null;
          if (subIndex !== undefined) {
            for (let c = start; c < model.size; c++) {
              if (model.subscriptionIndexOf(c) !== subIndex) continue;
              if (value.length >= armPageSize) {
                nextIndex = c;
                break;
              }
              value.push(renderCluster(model.cluster(c), model.tenantId));
            }
          }
          const nextLink =
            nextIndex === null
              ? null
              : `${endpoint}/subscriptions/${sub}/providers/Microsoft.ContainerService/managedClusters?api-version=${encodeURIComponent(apiVersion)}&$skipToken=${nextIndex}`;
          return new HttpAnswer(200, armList(value, nextLink));
        },
      };
    }
    // /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ContainerService/managedClusters/{name}[/…]
    if (lower.length >= 8 && lower[2] === "resourcegroups" && lower[4] === "providers" && lower[5] === "microsoft.containerservice" && lower[6] === "managedclusters") {
      const rg = segments[3]!;
      const name = segments[7]!;
      const rest = lower.slice(8).join("/");
      const withCluster = (kind: RequestKind, render: (index: number) => JsonObject): ArmRoute => ({
        kind,
        subscriptionId: sub,
        handle: () => {
          const index = findCluster(sub, rg, name);
          return index === null ? notFound("Microsoft.ContainerService/managedClusters", name, rg) : new HttpAnswer(200, render(index));
        },
      });
      if (rest === "") return withCluster("cluster-get", (i) => renderCluster(model.cluster(i), model.tenantId));
      if (rest === "upgradeprofiles/default") return withCluster("upgrade-profile", (i) => renderUpgradeProfile(model.cluster(i)));
      if (rest === "providers/microsoft.kubernetesconfiguration/extensions") {
        return withCluster("extension-list", (i) => {
          const spec = model.cluster(i);
          return armList(spec.extensions.map((x) => renderExtension(spec, x, asOf)), null, "null");
        });
      }
    }
    return null;
  };

  /** POST actions on a cluster: `listClusterUserCredential`. */
  const routeArmAction = (segments: string[]): ArmRoute | null => {
    const lower = segments.map((x) => x.toLowerCase());
    if (lower[0] !== "subscriptions" || lower.length !== 9 || lower[2] !== "resourcegroups" || lower[4] !== "providers") return null;
    if (lower[5] !== "microsoft.containerservice" || lower[6] !== "managedclusters" || lower[8] !== "listclusterusercredential") return null;
    const [sub, rg, name] = [segments[1]!, segments[3]!, segments[7]!];
    return {
      kind: "cluster-credentials",
      subscriptionId: sub,
      handle: () => {
        const index = findCluster(sub, rg, name);
        if (index === null) return notFound("Microsoft.ContainerService/managedClusters", name, rg);
        const spec = model.cluster(index);
        const server = options.kubeApi ? `${options.kubeApi.endpoint}/clusters/${encodeURIComponent(spec.name)}` : publicApiServer(spec);
        return new HttpAnswer(200, credentialResults(renderUserKubeconfig(spec, model.tenantId, server, options.kubeApi?.ca ?? tls.cert)));
      },
    };
  };

  // ------------------------------------------------------------------ dispatch

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    requestSeq += 1;
    stats.total += 1;
    inFlight += 1;
    stats.maxInFlight = Math.max(stats.maxInFlight, inFlight);
    try {
      const url = new URL(req.url ?? "/", "https://127.0.0.1");
      const segments = url.pathname.split("/").filter(Boolean).map((s) => decodeURIComponent(s));
      const apiVersion = url.searchParams.get("api-version");
      const raw = req.method === "POST" ? await readBody(req) : "";
      const auth = req.headers.authorization ?? "";
      const principal = /^Bearer\s+(.+)$/i.exec(auth)?.[1] ?? "";

      let kind: RequestKind = "unknown";
      let graph: GraphRequest | null = null;
      let arm: ArmRoute | null = null;
      let early: HttpAnswer | null = null;
      let graphRefused = false;
      const isGraph = req.method === "POST" && url.pathname.toLowerCase() === "/providers/microsoft.resourcegraph/resources";
      if (!apiVersion) early = error(400, "MissingApiVersionParameter");
      else if (!principal) early = error(401, "AuthenticationFailed");
      else if (isGraph) {
        const parsed = parseGraphRequest(raw, principal);
        if (parsed instanceof HttpAnswer) {
          kind = "graph-other";
          early = parsed;
          graphRefused = true;
        } else {
          graph = parsed;
          kind = parsed.kind;
        }
      } else if (req.method === "GET") {
        arm = routeArm(segments, url, apiVersion);
        if (arm) kind = arm.kind;
        if (arm?.location) count(stats.versionsByLocation, arm.location);
      } else if (req.method === "POST") {
        arm = routeArmAction(segments);
        if (arm) kind = arm.kind;
      }
      if (!early && !graph && !arm) early = error(404, "InvalidResourceType", { apiVersion: apiVersion ?? "", path: url.pathname });
      count(stats.byKind, kind);

      const facts = {
        kind,
        page: graph ? (graph.token ? graph.token.p : 1) : null,
        subscriptions: graph ? graph.subscriptionsInScope : arm ? [arm.subscriptionId] : [],
      };
      // Every fault list sees every request, so `request: N` counts the same way in each.
      const reset = faults.resetConnection.match(facts);
      const slow = faults.slow.match(facts);
      const throttle = faults.throttle.match(facts);
      const serverError = faults.serverError.match(facts);
      const truncate = faults.truncate.match(facts);
      // Admission happens on arrival: the quota is counted before the answer is worked out, so
      // latency and slow pages delay the answer, not the quota window (as with the real service).
      // A query Resource Graph refuses as invalid still costs quota and carries the quota headers.
      const verdict = (graph || graphRefused) && (!early || graphRefused) && !throttle && !serverError && !reset && quota ? quota.take(principal) : null;
      await sleep(latencyMs + (slow?.delayMs ?? 0));
      if (reset) {
        count(stats.byStatus, "reset");
        req.socket.destroy();
        return;
      }

      const headers: Record<string, string> = {};
      let answer: HttpAnswer;
      if (early) {
        answer = early;
        if (verdict) {
          headers["x-ms-user-quota-remaining"] = String(verdict.remaining);
          headers["x-ms-user-quota-resets-after"] = resetsAfter(verdict.resetsAfterMs);
        }
      } else if (throttle) {
        const resetsAfterMs = throttle.resetsAfterMs ?? (throttle.retryAfterSeconds ? throttle.retryAfterSeconds * 1000 : 1000);
        if (graph) {
          headers["x-ms-user-quota-remaining"] = "0";
          headers["x-ms-user-quota-resets-after"] = resetsAfter(resetsAfterMs);
        }
        if (throttle.retryAfterSeconds !== undefined && throttle.retryAfterSeconds !== null) headers["retry-after"] = String(throttle.retryAfterSeconds);
        answer = graph ? error(429, "RateLimiting") : error(429, "SubscriptionRequestsThrottled", { subscriptionId: arm?.subscriptionId ?? "", principal, seconds: String(throttle.retryAfterSeconds ?? 1) });
      } else if (serverError) {
        const status = serverError.status ?? 500;
        if (serverError.retryAfterSeconds !== undefined && serverError.retryAfterSeconds !== null) headers["retry-after"] = String(serverError.retryAfterSeconds);
        answer = error(status, status === 503 ? "ServiceUnavailable" : "InternalServerError");
      } else if (graph) {
        if (verdict) {
          headers["x-ms-user-quota-remaining"] = String(verdict.remaining);
          headers["x-ms-user-quota-resets-after"] = resetsAfter(verdict.resetsAfterMs);
        }
        if (graph.subscriptionLimitHit) headers["x-ms-tenant-subscription-limit-hit"] = "true";
        if (verdict && !verdict.allowed) {
          if (quotaRetryAfter) headers["retry-after"] = String(Math.max(1, Math.ceil(verdict.resetsAfterMs / 1000)));
          answer = error(429, "RateLimiting");
        } else if (graph.denied) answer = graph.denied;
        else answer = answerGraph(graph, truncate !== null);
      } else {
        const route = arm!;
        const bucket = armQuota ? armQuota.take(`${principal}|${route.subscriptionId.toLowerCase()}`) : null;
        if (bucket) headers["x-ms-ratelimit-remaining-subscription-reads"] = String(bucket.remaining);
        if (bucket && !bucket.allowed) {
          headers["retry-after"] = String(bucket.retryAfterSeconds);
          answer = error(429, "SubscriptionRequestsThrottled", { subscriptionId: route.subscriptionId, principal, seconds: String(bucket.retryAfterSeconds) });
        } else if (faults.isDeniedSubscription(route.subscriptionId)) {
          answer = error(403, "AuthorizationFailed", { principal, scope: `/subscriptions/${route.subscriptionId}` });
        } else answer = route.handle();
      }
      if (graph?.kind === "clusters" && answer.status === 200) {
        for (const row of ((answer.body as JsonObject | null)?.["data"] as JsonObject[] | undefined) ?? []) {
          if (typeof row["id"] === "string") served.add(row["id"].toLowerCase());
        }
      }
      send(res, answer, headers);
    } catch (e) {
      send(res, error(500, "InternalServerError"), {});
      // Surfacing the simulator's own bug beats hiding it behind a generic 500.
      console.error("fleet simulator: unexpected error", e);
    } finally {
      inFlight -= 1;
    }
  };

  const send = (res: ServerResponse, answer: HttpAnswer, headers: Record<string, string>): void => {
    count(stats.byStatus, String(answer.status));
    const body = answer.body === null ? "" : JSON.stringify(answer.body);
    res.writeHead(answer.status, {
      "content-type": "application/json; charset=utf-8",
      "content-length": Buffer.byteLength(body),
      "x-ms-request-id": `00000000-0000-4000-c000-${String(requestSeq).padStart(12, "0")}`,
      "x-ms-correlation-request-id": `00000000-0000-4000-b000-${String(requestSeq).padStart(12, "0")}`,
      ...answer.headers,
      ...headers,
    });
    res.end(body);
  };

  const server = https.createServer({ key: tls.key, cert: tls.cert, keepAlive: true }, (req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  endpoint = `https://127.0.0.1:${port}`;

  const subscriptionFilter = (filter?: { subscriptions?: string[] }): ((c: number) => boolean) => {
    if (!filter?.subscriptions) return () => true;
    const wanted = new Set(filter.subscriptions.map((s) => model.subscriptionIndexById(s)).filter((i): i is number => i !== undefined));
    return (c) => wanted.has(model.subscriptionIndexOf(c));
  };

  const fleet: FleetSummary = {
    seed,
    clusters,
    extensions: model.extensionTotal,
    sourceControlConfigurations: model.sourceControlTotal,
    tenantId: model.tenantId,
    regions,
    subscriptions: model.subscriptions.map((s, i) => ({
      id: s.id,
      displayName: s.displayName,
      managementGroup: s.managementGroup,
      clusters: model.clustersPerSubscription[i]!,
      extensions: model.extensionsPerSubscription[i]!,
    })),
    managementGroups,
    *clusterIds(filter) {
      const keep = subscriptionFilter(filter);
      for (let c = 0; c < model.size; c++) if (keep(c)) yield clusterId(model.cluster(c));
    },
    *extensionIds(filter) {
      const keep = subscriptionFilter(filter);
      for (let c = 0; c < model.size; c++) {
        if (!keep(c) || model.extensionCountOf(c) === 0) continue;
        const spec = model.cluster(c);
        for (const x of spec.extensions) yield { id: extensionId(spec, x), clusterId: clusterId(spec), extensionType: x.extensionType };
      }
    },
    clusterResource: (index) => renderCluster(model.cluster(index), model.tenantId),
  };

  return {
    endpoint,
    ca: tls.cert,
    stats,
    servedClusterIds: () => [...served].sort(),
    clearServed: () => served.clear(),
    fleet,
    setWeek(week, weekAsOf) {
      model.week = week;
      if (weekAsOf) asOf = weekAsOf;
    },
    resetStats() {
      stats.byKind = {};
      stats.byStatus = {};
      stats.versionsByLocation = {};
      stats.total = 0;
      stats.maxInFlight = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive sockets from SDK clients would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
}

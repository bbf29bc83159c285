/**
 * Fault injection for reliability tests and benchmarks. A plan is plain data so a test, the demo
 * or a benchmark script can write it inline:
 *
 *   faults: {
 *     throttle: [{ kind: "clusters", page: 2, retryAfterSeconds: 1 }],      // 429 + Retry-After
 *     throttle: [{ request: 5, retryAfterSeconds: null }],                  // 429, quota headers only
 *     serverError: [{ kind: "clusters", page: 3, status: 503 }],           // once, then healthy
 *     resetConnection: [{ kind: "extensions", request: 1 }],
 *     slow: [{ kind: "clusters", page: 4, delayMs: 800 }],
 *     deniedSubscriptions: ["<guid>"],
 *   }
 *
 * Denied subscriptions: a Resource Graph query that names a denied subscription in
 * `subscriptions` is refused with 403 AuthorizationFailed (the whole request, as ARM does for a
 * scope the caller cannot read). Tenant- and management-group-scoped queries simply leave the
 * denied subscription out, because Resource Graph only returns what the principal can read and
 * does not report what it skipped. Container Service calls on a denied subscription answer 403.
 */

/** What a request is, for fault matching and statistics. */
export type RequestKind =
  | "clusters"
  | "extensions"
  /** Flux v1 `sourceControlConfigurations` in kubernetesconfigurationresources. */
  | "source-control"
  | "graph-other"
  | "versions"
  | "cluster-get"
  | "cluster-list"
  | "upgrade-profile"
  | "extension-list"
  | "cluster-credentials"
  | "unknown";

const GRAPH_KINDS: readonly RequestKind[] = ["clusters", "extensions", "source-control", "graph-other"];

export interface FaultWhen {
  /**
   * Which requests the fault watches: one kind, "graph" (any Resource Graph query, the default),
   * "arm" (any Container Service call) or "any".
   */
  kind?: RequestKind | "graph" | "arm" | "any";
  /** Fire on the Nth watched request (1-based, counted since start or the last reset). */
  request?: number;
  /** Resource Graph page within one query stream (1 = the request without `$skipToken`). */
  page?: number;
  /** Only requests whose scope includes this subscription (Resource Graph scope or ARM path). */
  subscription?: string;
  /** How many times the fault fires before the service is healthy again (default 1; Infinity = always). */
  times?: number;
}

export interface FaultPlan {
  /** 429 RateLimiting. `retryAfterSeconds: null` (default) sends only the quota headers. */
  throttle?: (FaultWhen & { retryAfterSeconds?: number | null; resetsAfterMs?: number })[];
  /** 5xx with an ARM error body (InternalServerError / ServiceUnavailable). */
  serverError?: (FaultWhen & { status?: 500 | 502 | 503 | 504; retryAfterSeconds?: number | null })[];
  /** The TCP connection is destroyed before any response byte. */
  resetConnection?: FaultWhen[];
  /** The answer is delayed (a slow page). */
  slow?: (FaultWhen & { delayMs: number })[];
  /** The page answers `resultTruncated: "true"` without a `$skipToken`. */
  truncate?: FaultWhen[];
  deniedSubscriptions?: string[];
  /** Management groups the principal cannot read: 403 when named in `managementGroups`. */
  deniedManagementGroups?: string[];
}

export interface RequestFacts {
  kind: RequestKind;
  page: number | null;
  subscriptions: readonly string[];
}

type Entry<T> = T & FaultWhen;

interface Armed<T> {
  entry: Entry<T>;
  seen: number;
  fired: number;
}

function watches(kind: FaultWhen["kind"], actual: RequestKind): boolean {
  const k = kind ?? "graph";
  if (k === "any") return true;
  if (k === "graph") return GRAPH_KINDS.includes(actual);
  if (k === "arm") return !GRAPH_KINDS.includes(actual);
  return k === actual;
}

class FaultList<T> {
  private readonly armed: Armed<T>[];
  constructor(entries: Entry<T>[] | undefined) {
    this.armed = (entries ?? []).map((entry) => ({ entry, seen: 0, fired: 0 }));
  }

  /** Advances every watcher's request counter and returns the first fault that fires now. */
  match(facts: RequestFacts): Entry<T> | null {
    let hit: Entry<T> | null = null;
    for (const a of this.armed) {
      if (!watches(a.entry.kind, facts.kind)) continue;
      a.seen += 1;
      if (hit) continue;
      if (a.fired >= (a.entry.times ?? 1)) continue;
      if (a.entry.request !== undefined && a.entry.request !== a.seen) continue;
      if (a.entry.page !== undefined && a.entry.page !== facts.page) continue;
      if (a.entry.subscription !== undefined && !facts.subscriptions.some((s) => s.toLowerCase() === a.entry.subscription!.toLowerCase())) continue;
      a.fired += 1;
      hit = a.entry;
    }
    return hit;
  }
}

export class FaultInjector {
  readonly throttle: FaultList<{ retryAfterSeconds?: number | null; resetsAfterMs?: number }>;
  readonly serverError: FaultList<{ status?: 500 | 502 | 503 | 504; retryAfterSeconds?: number | null }>;
  readonly resetConnection: FaultList<object>;
  readonly slow: FaultList<{ delayMs: number }>;
  readonly truncate: FaultList<object>;
  private readonly deniedSubs: Set<string>;
  private readonly deniedGroups: Set<string>;

  constructor(plan: FaultPlan = {}) {
    this.throttle = new FaultList(plan.throttle);
    this.serverError = new FaultList(plan.serverError);
    this.resetConnection = new FaultList(plan.resetConnection);
    this.slow = new FaultList(plan.slow);
    this.truncate = new FaultList(plan.truncate);
    this.deniedSubs = new Set((plan.deniedSubscriptions ?? []).map((s) => s.toLowerCase()));
    this.deniedGroups = new Set((plan.deniedManagementGroups ?? []).map((s) => s.toLowerCase()));
  }

  isDeniedSubscription(id: string): boolean {
    return this.deniedSubs.has(id.toLowerCase());
  }

  isDeniedManagementGroup(name: string): boolean {
    return this.deniedGroups.has(name.toLowerCase());
  }
}

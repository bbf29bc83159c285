/**
 * Builds digest models from a run a cluster at a time. The weekly job folds a stored run page by
 * page (with the run a week earlier beside it, joined on the cluster), so what it holds is one page
 * and, per recipient, what the mail can show: the first `keep` entries of each list and the count
 * of all of them. With `keep` = Infinity (buildDigests, digestModel over a report in memory) every
 * list is whole. Either way the rendered mail is the same, because renderers read the counts.
 */
import type { ClusterPair } from "../ports.js";
import type { AuditReport, ClusterReport, Integration } from "../report.js";
import { DEFAULT_WINDOW_DAYS, SEVERITY_RANK, addToSummary, emptySummary } from "../report.js";
import { armIdKey } from "../types.js";
import { daysBetween } from "../dates.js";
import { minorKey } from "../versions.js";
import { routeClusters, routeWithDrops, type Recipients, type Route, type RouteReason, type RoutingDrop } from "../routing.js";
import { CauseFold, causeCluster, compareClusters, nextMinor, type CauseCluster } from "./causes.js";
import { FirstInOrder } from "./firstInOrder.js";
import { LIMIT_STEPS } from "./limits.js";
import { ACT_THIS_WEEK, cmp, fullListAt, verdictOf, type DigestFinding, type DigestModel, type OutOfSupportGroup, type UnsupportedGroup } from "./model.js";

export type { ClusterPair };

/** The run a digest speaks of: its header; its clusters arrive through `add`. */
export type RunHeading = Pick<AuditReport, "runId" | "asOf" | "catalog" | "errors">;

export interface FoldOptions {
  report: RunHeading;
  /** The run the previous digest was built from (changes are relative to it), or null on the first. */
  previous: Pick<AuditReport, "runId" | "asOf"> | null;
  windowDays?: number;
  /** MAIL_ROUTING_TAG: shown per cluster when set. */
  routingTag?: string | null;
  /** The console's public base URL (config.ts: CONSOLE_BASE_URL or WEBSITE_HOSTNAME); null or absent: no links. */
  consoleBase?: string | null;
  /** Entries kept per list (the rest are counted); Infinity keeps all. */
  keep?: number;
}

/**
 * What any step of limits.ts can show of one list: the streamed digest keeps this many entries per
 * list, so its mail is byte for byte the mail of the whole run in memory.
 */
export const STREAMED_KEEP = Math.max(...LIMIT_STEPS.map((step) => Math.max(step.clustersPerCause, step.items)));

const isFinding = (i: Integration): boolean => i.severity === "warning" || i.severity === "critical";

function finding(cluster: ClusterReport, i: Integration): DigestFinding {
  return { clusterId: armIdKey(cluster.id), clusterName: cluster.name, kind: i.kind, name: i.name, version: i.version, severity: i.severity, reasons: i.reasons };
}

/** Worst first, then by cluster name and id, kind and name. */
export function compareFindings(a: DigestFinding, b: DigestFinding): number {
  return (
    SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
    cmp(a.clusterName.toLowerCase(), b.clusterName.toLowerCase()) ||
    cmp(a.clusterId, b.clusterId) ||
    cmp(a.kind, b.kind) ||
    cmp(a.name, b.name)
  );
}

/** A cluster's findings by kind and name (the last of a repeated one wins). */
function findingsOf(cluster: ClusterReport): Map<string, DigestFinding> {
  const out = new Map<string, DigestFinding>();
  for (const i of cluster.integrations) if (isFinding(i)) out.set(`${i.kind}|${i.name.toLowerCase()}`, finding(cluster, i));
  return out;
}

function isOutOfSupport(i: Integration): boolean {
  return i.kind === "kubernetes" && (i.drift === "out-of-support" || i.stage === "retired" || i.deadlines.some((d) => d.kind === "end-of-support" && d.daysLeft < 0));
}

interface OutOfSupportAcc {
  group: Omit<OutOfSupportGroup, "clusters" | "clusterCount" | "reasons">;
  clusters: FirstInOrder<CauseCluster>;
  reasons: Map<string, number>;
}

interface UnsupportedAcc {
  name: string;
  /** The cluster whose spelling of the name is shown: the lowest lower-cased id. */
  describedBy: string;
  versions: Set<string>;
  clusters: FirstInOrder<CauseCluster>;
}

interface ClusterError {
  clusterId: string;
  index: number;
  text: string;
}

/** One recipient's digest, built from the clusters routed to them now and a week before. */
export class RecipientDigest {
  readonly via = new Set<RouteReason>();
  wholeFleet = false;
  private readonly windowDays: number;
  private readonly routingTag: string | null;
  private readonly keep: number;
  private readonly summary = emptySummary();
  private readonly causes: CauseFold;
  private readonly outOfSupport = new Map<string, OutOfSupportAcc>();
  private readonly unsupported = new Map<string, UnsupportedAcc>();
  private readonly newFindings: FirstInOrder<DigestFinding>;
  private readonly worsened: FirstInOrder<DigestFinding>;
  private readonly resolved: FirstInOrder<DigestFinding>;
  private readonly added: FirstInOrder<string>;
  private readonly gone: FirstInOrder<string>;
  private readonly errors: FirstInOrder<ClusterError>;

  constructor(
    readonly recipient: string,
    private readonly options: FoldOptions,
  ) {
    this.windowDays = options.windowDays ?? DEFAULT_WINDOW_DAYS;
    this.routingTag = options.routingTag ?? null;
    this.keep = options.keep ?? Number.POSITIVE_INFINITY;
    this.causes = new CauseFold({ asOf: options.report.asOf, windowDays: this.windowDays, routingTag: this.routingTag }, this.keep);
    this.newFindings = new FirstInOrder(compareFindings, this.keep);
    this.worsened = new FirstInOrder(compareFindings, this.keep);
    this.resolved = new FirstInOrder(compareFindings, this.keep);
    this.added = new FirstInOrder(cmp, this.keep);
    this.gone = new FirstInOrder(cmp, this.keep);
    this.errors = new FirstInOrder((a, b) => cmp(a.clusterId, b.clusterId) || a.index - b.index, this.keep);
  }

  /** One cluster: as routed to this recipient now (or null) and a week before (or null). */
  add(now: ClusterReport | null, before: ClusterReport | null): void {
    if (now) this.addNow(now);
    if (!this.options.previous) return;
    // A finding counts as resolved only while its cluster is still reported; a deleted cluster is "gone".
    if (now && !before) {
      this.added.add(now.name);
      for (const f of findingsOf(now).values()) this.newFindings.add(f);
    } else if (before && !now) {
      this.gone.add(before.name);
    } else if (now && before) {
      const was = findingsOf(before);
      const is = findingsOf(now);
      for (const [key, f] of is) {
        const prior = was.get(key);
        if (!prior) this.newFindings.add(f);
        else if (SEVERITY_RANK[f.severity] > SEVERITY_RANK[prior.severity]) this.worsened.add(f);
      }
      for (const [key, f] of was) if (!is.has(key)) this.resolved.add(f);
    }
  }

  private addNow(c: ClusterReport): void {
    addToSummary(this.summary, c, this.windowDays);
    this.causes.add(c);
    c.errors.forEach((e, index) => this.errors.add({ clusterId: armIdKey(c.id), index, text: `${c.name}: ${e}` }));
    const k8s = c.integrations.find(isOutOfSupport);
    if (k8s) this.addOutOfSupport(c, k8s);
    const named = new Set<string>();
    for (const i of c.integrations) {
      if (i.supportTier !== "unsupported") continue;
      const key = i.name.toLowerCase();
      const id = armIdKey(c.id);
      let g = this.unsupported.get(key);
      if (!g) this.unsupported.set(key, (g = { name: i.name, describedBy: id, versions: new Set(), clusters: new FirstInOrder(compareClusters, this.keep) }));
      else if (id < g.describedBy) {
        g.name = i.name;
        g.describedBy = id;
      }
      if (i.version) g.versions.add(i.version);
      if (!named.has(key)) {
        named.add(key);
        g.clusters.add(causeCluster(c, i, this.routingTag));
      }
    }
  }

  private addOutOfSupport(c: ClusterReport, k8s: Integration): void {
    const asOf = this.options.report.asOf;
    const version = c.kubernetesVersion ?? k8s.version;
    const minor = minorKey(version) ?? "unknown";
    let entry = this.outOfSupport.get(minor);
    if (!entry) {
      const next = nextMinor(version);
      entry = {
        group: {
          key: `out-of-support|${minor}`,
          minor,
          since: null,
          aksUpgrade: null,
          action: next ? `Upgrade to ${next} now (one minor at a time), before AKS does it for you.` : "Upgrade to a supported minor now.",
          command: next ? `az aks upgrade --resource-group <resource group> --name <cluster> --kubernetes-version ${next}` : null,
        },
        clusters: new FirstInOrder(compareClusters, this.keep),
        reasons: new Map(),
      };
      this.outOfSupport.set(minor, entry);
    }
    const g = entry.group;
    entry.clusters.add(causeCluster(c, k8s, this.routingTag));
    for (const d of k8s.deadlines) {
      if (d.kind === "end-of-support" && d.daysLeft < 0 && (!g.since || d.date < g.since)) g.since = d.date;
      if (d.kind === "forced-upgrade" && d.daysLeft >= 0 && (!g.aksUpgrade || d.date < g.aksUpgrade.date)) g.aksUpgrade = { date: d.date, daysLeft: daysBetween(asOf, d.date) };
    }
    // Pool names make each cluster's sentence unique; those are per-cluster detail, not the group's.
    for (const r of k8s.reasons) if (!/^Node pool "/.test(r)) entry.reasons.set(r, (entry.reasons.get(r) ?? 0) + 1);
  }

  model(): DigestModel {
    const { report, previous } = this.options;
    const consoleBase = this.options.consoleBase ?? null;
    const window = this.causes.result();
    const outOfSupport: OutOfSupportGroup[] = [...this.outOfSupport.values()]
      .map(({ group, clusters, reasons }) => ({
        ...group,
        reasons: [...reasons.entries()].sort((a, b) => b[1] - a[1] || cmp(a[0], b[0])).map(([r]) => r),
        clusters: clusters.list(),
        clusterCount: clusters.total,
      }))
      .sort((a, b) => b.clusterCount - a.clusterCount || cmp(a.minor, b.minor));
    const unsupported: UnsupportedGroup[] = [...this.unsupported.values()]
      .map((g) => ({ name: g.name, versions: [...g.versions].sort(), clusters: g.clusters.list(), clusterCount: g.clusters.total }))
      .sort((a, b) => b.clusterCount - a.clusterCount || cmp(a.name.toLowerCase(), b.name.toLowerCase()));
    const outOfSupportClusters = outOfSupport.reduce((n, g) => n + g.clusterCount, 0);
    const runErrors = this.wholeFleet ? report.errors.map((e) => `${e.scope}: ${e.message}`) : [];
    return {
      runId: report.runId,
      asOf: report.asOf,
      recipient: this.recipient,
      via: [...this.via].sort(),
      wholeFleet: this.wholeFleet,
      windowDays: this.windowDays,
      catalogVersion: report.catalog.version,
      catalogNote: report.catalog.note ?? null,
      summary: { ...this.summary },
      verdict:
        verdictOf(this.summary.clusters, window, outOfSupportClusters, this.windowDays) +
        // A stale catalog can hide deadlines, so the verdict says so at once; the note itself ends the message.
        (report.catalog.note ? ` The catalog was last checked on ${report.catalog.checkedAt}; events announced since are missing (see the catalog note at the end).` : ""),
      actThisWeek: window.slice(0, ACT_THIS_WEEK),
      window,
      outOfSupport,
      outOfSupportClusters,
      unsupported,
      changes: previous
        ? {
            comparedTo: { runId: previous.runId, asOf: previous.asOf },
            newFindings: this.newFindings.list(),
            worsened: this.worsened.list(),
            resolved: this.resolved.list(),
            clustersAdded: this.added.list(),
            clustersGone: this.gone.list(),
            totals: {
              newFindings: this.newFindings.total,
              worsened: this.worsened.total,
              resolved: this.resolved.total,
              clustersAdded: this.added.total,
              clustersGone: this.gone.total,
            },
          }
        : { comparedTo: null, newFindings: [], worsened: [], resolved: [], clustersAdded: [], clustersGone: [], totals: { newFindings: 0, worsened: 0, resolved: 0, clustersAdded: 0, clustersGone: 0 } },
      runErrors: [...runErrors, ...this.errors.list().map((e) => e.text)],
      runErrorCount: runErrors.length + this.errors.total,
      fullListAt: fullListAt(report.runId, report.asOf, consoleBase),
      consoleBase,
    };
  }
}

/**
 * Every recipient's digest of a run, folded a page of cluster pairs at a time. Routing is decided
 * per cluster (routing.ts), so routing each page is routing the run; default recipients get a
 * digest even of an empty run. Memory: one RecipientDigest per address, each bounded by `keep`.
 */
export class DigestFold {
  private readonly recipients = new Map<string, { digest: RecipientDigest; routedNow: boolean }>();
  private readonly dropped = new Map<string, RoutingDrop>();

  constructor(
    private readonly routing: Recipients,
    private readonly options: FoldOptions,
  ) {
    for (const route of routeClusters(routing, [])) this.noteRoute(route);
  }

  add(pairs: readonly ClusterPair[]): void {
    const byKey = new Map<string, ClusterPair>();
    for (const p of pairs) {
      const c = p.now ?? p.before;
      if (c) byKey.set(armIdKey(c.id), p);
    }
    const { routes, drops } = routeWithDrops(this.routing, pairs.flatMap((p) => (p.now ? [p.now] : [])));
    for (const d of drops) this.dropped.set(`${d.recipient}\n${d.clusterId ?? ""}\n${d.subscriptionId}\n${d.reason}`, d);
    const before = new Map((this.options.previous ? routeClusters(this.routing, pairs.flatMap((p) => (p.before ? [p.before] : []))) : []).map((r) => [r.recipient, r.clusters]));
    for (const route of routes) {
      const digest = this.noteRoute(route);
      const was = new Set((before.get(route.recipient) ?? []).map((c) => armIdKey(c.id)));
      const nowKeys = new Set<string>();
      for (const c of route.clusters) {
        const key = armIdKey(c.id);
        nowKeys.add(key);
        digest.add(c, was.has(key) ? (byKey.get(key)?.before ?? null) : null);
      }
      for (const c of before.get(route.recipient) ?? []) if (!nowKeys.has(armIdKey(c.id))) digest.add(null, c);
      before.delete(route.recipient);
    }
    // Recipients routed clusters a week ago and none on this page: their "no longer reported" list.
    for (const [recipient, clusters] of before) {
      const digest = this.entry(recipient).digest;
      for (const c of clusters) digest.add(null, c);
    }
  }

  /** Addresses routing refused, each once, in the order met. */
  drops(): RoutingDrop[] {
    return [...this.dropped.values()];
  }

  /** One model per recipient routed anything in this run (default recipients always), in address order. */
  models(): DigestModel[] {
    return [...this.recipients.entries()]
      .filter(([, e]) => e.routedNow)
      .sort(([a], [b]) => cmp(a, b))
      .map(([, e]) => e.digest.model());
  }

  private entry(recipient: string): { digest: RecipientDigest; routedNow: boolean } {
    let e = this.recipients.get(recipient);
    if (!e) this.recipients.set(recipient, (e = { digest: new RecipientDigest(recipient, this.options), routedNow: false }));
    return e;
  }

  private noteRoute(route: Route): RecipientDigest {
    const e = this.entry(route.recipient);
    e.routedNow = true;
    for (const v of route.via) e.digest.via.add(v);
    if (route.wholeFleet) e.digest.wholeFleet = true;
    return e.digest;
  }
}

/** A run and the run before it in memory, joined on the cluster (the order does not matter to the fold). */
export function pairsOf(clusters: readonly ClusterReport[], previous: readonly ClusterReport[] | null): ClusterPair[] {
  const pairs = new Map<string, ClusterPair>();
  for (const c of clusters) pairs.set(armIdKey(c.id), { now: c, before: null });
  for (const c of previous ?? []) {
    const key = armIdKey(c.id);
    const p = pairs.get(key);
    if (p) p.before = c;
    else pairs.set(key, { now: null, before: c });
  }
  return [...pairs.values()];
}

/** The digest model of one route over a report in memory (every list whole). */
export function digestModel(
  report: AuditReport,
  route: Route,
  previous: { report: AuditReport; clusters: readonly ClusterReport[] } | null,
  windowDaysOrOptions: number | Omit<FoldOptions, "report" | "previous" | "keep"> = {},
): DigestModel {
  const options = typeof windowDaysOrOptions === "number" ? { windowDays: windowDaysOrOptions } : windowDaysOrOptions;
  const digest = new RecipientDigest(route.recipient, { ...options, report, previous: previous?.report ?? null });
  for (const v of route.via) digest.via.add(v);
  digest.wholeFleet = route.wholeFleet;
  for (const p of pairsOf(route.clusters, previous?.clusters ?? null)) digest.add(p.now, p.before);
  return digest.model();
}

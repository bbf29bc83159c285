/**
 * Causes: the events behind a fleet's findings, each once. A Kubernetes minor leaving support is
 * one cause however many clusters run it, and the add-ons whose major/minor moves with that upgrade
 * are folded into it instead of being repeated as rows of their own. Pure; `asOf` comes from the report.
 */
import type { ClusterReport, Deadline, DeadlineKind, Integration, IntegrationKind, Severity } from "../report.js";
import { SEVERITY_RANK } from "../report.js";
import type { IsoDate } from "../types.js";
import { armIdKey } from "../types.js";
import { minorKey, parseAsmRevision, parseVersion } from "../versions.js";
import { tagValue } from "../routing.js";
import { FirstInOrder } from "./firstInOrder.js";

export type CauseKind =
  /** A Kubernetes minor's end of support (community or LTS). */
  | "kubernetes-end-of-support"
  /** AKS upgrades clusters on an unsupported minor itself (platform-initiated). */
  | "kubernetes-aks-upgrade"
  | "istio-revision"
  | "extension-window"
  | "node-os"
  | "retirement"
  | "breaking-change"
  | "end-of-support"
  | "forced-upgrade";

/** One affected cluster, as compactly as a reader needs to find it. */
export interface CauseCluster {
  /** Lower-cased ARM id. */
  clusterId: string;
  name: string;
  resourceGroup: string;
  subscriptionId: string;
  /** The routing tag's value on the cluster (MAIL_ROUTING_TAG), when tag routing is on and the tag is set. */
  routingTag: string | null;
  /** The version this cluster runs of the cause's subject (for Kubernetes the full version). */
  version: string | null;
}

/** An add-on (or extension) whose major/minor moves with the cause's upgrade: said once, under the cause. */
export interface FoldedChange {
  name: string;
  kind: IntegrationKind;
  /** Versions in use across the affected clusters, sorted. */
  versions: string[];
  clusters: number;
  /** What the catalog says about the move (the first cluster's sentence), or null. */
  note: string | null;
}

export interface Cause {
  /** Stable identity: the same event on another day has the same key (alert ledger, console links). */
  key: string;
  kind: CauseKind;
  deadlineKind: DeadlineKind;
  integrationKind: IntegrationKind;
  /** The integration the cause is about (`kubernetes`, an add-on, an extension type, a signature). */
  subject: string;
  /** The minor, revision or version concerned (1.34, asm-1-24), or null when it applies to any. */
  subjectVersion: string | null;
  /** Short headline: "Kubernetes 1.34 support ends". */
  title: string;
  /** What happens, in a sentence. */
  happens: string;
  date: IsoDate;
  /** Days from asOf to `date`; negative when passed. */
  daysLeft: number;
  /** A later date of the same cause (the AKS-initiated upgrade after an end of support), when known. */
  followUp: { label: string; date: IsoDate; daysLeft: number } | null;
  /** What to do, in a sentence. */
  action: string;
  /** A concrete command with `<placeholders>` for what varies per cluster, or null. */
  command: string | null;
  /** Upgrade target (next minor, next revision), when one is implied. */
  target: string | null;
  folded: FoldedChange[];
  /**
   * Affected clusters, sorted by name, resource group, subscription: all of them from causesOf
   * (renderers cut), the first few from a streamed digest (fold.ts); `clusterCount` counts them all.
   */
  clusters: CauseCluster[];
  /** How many clusters the cause affects, listed in `clusters` or not. */
  clusterCount: number;
  severity: Severity;
  source: string;
}

export interface CauseOptions {
  asOf: IsoDate;
  /** Only deadlines with 0 ≤ daysLeft ≤ windowDays make a cause. */
  windowDays: number;
  /** MAIL_ROUTING_TAG, for the routing-tag column; null when tag routing is off. */
  routingTag?: string | null;
}

interface Hit {
  cluster: ClusterReport;
  integration: Integration;
  deadline: Deadline;
}

/** Causes with a deadline inside the window, ordered by `compareCauses`; every affected cluster listed. */
export function causesOf(clusters: readonly ClusterReport[], options: CauseOptions): Cause[] {
  const causes = new CauseFold(options);
  for (const cluster of clusters) causes.add(cluster);
  return causes.result();
}

interface CauseAcc {
  cause: Omit<Cause, "clusters" | "folded" | "clusterCount">;
  /** The cluster whose sentences the cause quotes (the lowest lower-cased id; see CauseFold). */
  describedBy: string;
  clusters: FirstInOrder<CauseCluster>;
  folded: Map<string, FoldAcc>;
}

/**
 * Causes built a cluster at a time, so a run can be folded page by page. `keep` bounds the clusters
 * listed under each cause (the rest are counted in `clusterCount`); the number of causes is bounded
 * by the catalog's events, not by the fleet. Each cluster is added once.
 */
export class CauseFold {
  private readonly byKey = new Map<string, CauseAcc>();

  constructor(
    private readonly options: CauseOptions,
    private readonly keep: number = Number.POSITIVE_INFINITY,
  ) {}

  add(cluster: ClusterReport): void {
    const options = this.options;
    const hits: Hit[] = [];
    for (const integration of cluster.integrations) {
      for (const deadline of integration.deadlines) {
        if (deadline.daysLeft < 0 || deadline.daysLeft > options.windowDays) continue;
        hits.push({ cluster, integration, deadline });
      }
    }
    if (hits.length === 0) return;
    // Kubernetes first, so its cause exists before the add-ons that fold into it.
    hits.sort((a, b) => Number(a.integration.kind !== "kubernetes") - Number(b.integration.kind !== "kubernetes"));
    // Kubernetes dates on this cluster: an add-on's forced upgrade on one of them is that upgrade's doing.
    const k8sDates = new Map<IsoDate, string>();
    for (const h of hits) if (h.integration.kind === "kubernetes" && isMinorDeadline(h.deadline.kind)) k8sDates.set(h.deadline.date, describe(h, options).key);
    // A cluster counts once per cause and once per folded add-on, however many of its deadlines hit them.
    const counted = new Set<string>();
    const id = armIdKey(cluster.id);
    for (const h of hits) {
      // Add-ons and extensions alike: a forced upgrade on the minor's date is that upgrade's doing.
      const foldInto = h.integration.kind !== "kubernetes" && h.deadline.kind === "forced-upgrade" ? k8sDates.get(h.deadline.date) : undefined;
      if (foldInto) {
        const foldKey = `${foldInto}\n${h.integration.name.toLowerCase()}`;
        fold(this.byKey.get(foldInto)!.folded, h, !counted.has(foldKey), id);
        counted.add(foldKey);
        continue;
      }
      const described = describe(h, options);
      let entry = this.byKey.get(described.key);
      if (!entry) {
        entry = { cause: described, describedBy: id, clusters: new FirstInOrder(compareClusters, this.keep), folded: new Map() };
        this.byKey.set(described.key, entry);
      } else if (id < entry.describedBy) {
        // Whatever order clusters arrive in (a report's id order, a store's key order), the cause
        // says what the lowest-id cluster's finding says; only the severity is the worst of all.
        entry.cause = { ...described, severity: entry.cause.severity };
        entry.describedBy = id;
      }
      if (!counted.has(described.key)) {
        counted.add(described.key);
        entry.clusters.add(causeCluster(cluster, h.integration, options.routingTag ?? null));
      }
      if (SEVERITY_RANK[h.integration.severity] > SEVERITY_RANK[entry.cause.severity]) entry.cause.severity = h.integration.severity;
    }
  }

  result(): Cause[] {
    const out: Cause[] = [];
    for (const { cause, clusters, folded } of this.byKey.values()) {
      out.push({
        ...cause,
        clusterCount: clusters.total,
        clusters: clusters.list(),
        folded: [...folded.values()]
          .map((f) => ({ name: f.name, kind: f.kind, versions: [...f.versions].sort(), clusters: f.clusters, note: f.note }))
          .sort((a, b) => b.clusters - a.clusters || cmp(a.name.toLowerCase(), b.name.toLowerCase())),
      });
    }
    return out.sort(compareCauses);
  }
}

/** Soonest first, then the most clusters, then the key: the order of "act this week" and the window. */
export function compareCauses(a: Cause, b: Cause): number {
  return a.daysLeft - b.daysLeft || b.clusterCount - a.clusterCount || cmp(a.key, b.key);
}

export function compareClusters(a: CauseCluster, b: CauseCluster): number {
  return (
    cmp(a.name.toLowerCase(), b.name.toLowerCase()) ||
    cmp(a.resourceGroup.toLowerCase(), b.resourceGroup.toLowerCase()) ||
    cmp(a.subscriptionId.toLowerCase(), b.subscriptionId.toLowerCase()) ||
    cmp(a.clusterId, b.clusterId)
  );
}

export function causeCluster(cluster: ClusterReport, integration: Integration | null, routingTag: string | null): CauseCluster {
  return {
    clusterId: armIdKey(cluster.id),
    name: cluster.name,
    resourceGroup: cluster.resourceGroup,
    subscriptionId: cluster.subscriptionId,
    routingTag: routingTag ? (tagValue(cluster.tags, routingTag) ?? null) : null,
    version: integration?.kind === "kubernetes" ? (cluster.kubernetesVersion ?? integration.version) : (integration?.version ?? null),
  };
}

// ------------------------------------------------------------------ what each cause says

type Described = Omit<Cause, "clusters" | "folded" | "clusterCount">;

const isMinorDeadline = (kind: DeadlineKind): boolean => kind === "end-of-support" || kind === "forced-upgrade";

function describe(h: Hit, options: CauseOptions): Described {
  const { integration: i, deadline: d } = h;
  const base = {
    deadlineKind: d.kind,
    integrationKind: i.kind,
    subject: i.name,
    date: d.date,
    daysLeft: d.daysLeft,
    followUp: null,
    severity: i.severity,
    source: d.source,
    target: null,
  };
  if (i.kind === "kubernetes" && isMinorDeadline(d.kind)) {
    const version = h.cluster.kubernetesVersion ?? i.version;
    const minor = minorKey(version) ?? "unknown";
    const next = nextMinor(version);
    const upgrade = next ? `az aks upgrade --resource-group <resource group> --name <cluster> --kubernetes-version ${next}` : null;
    const lts = h.cluster.supportPlan === "AKSLongTermSupport";
    if (d.kind === "end-of-support") {
      const followUp = i.deadlines.find((x) => x.kind === "forced-upgrade" && x.date > d.date);
      return {
        ...base,
        key: `kubernetes|${minor}|${lts ? "lts-" : ""}end-of-support|${d.date}`,
        kind: "kubernetes-end-of-support",
        subjectVersion: minor,
        title: `Kubernetes ${minor} ${lts ? "long-term " : ""}support ends`,
        happens: `Kubernetes ${minor} leaves ${lts ? "long-term" : "community"} support on ${d.date}; after that only platform issues are covered, and AKS upgrades the cluster itself later.`,
        followUp: followUp ? { label: "AKS-initiated upgrade", date: followUp.date, daysLeft: followUp.daysLeft } : null,
        action: next ? `Upgrade to ${next} before ${d.date}, in a maintenance window you choose.` : `Upgrade to a supported minor before ${d.date}.`,
        command: upgrade,
        target: next,
      };
    }
    return {
      ...base,
      key: `kubernetes|${minor}|aks-upgrade|${d.date}`,
      kind: "kubernetes-aks-upgrade",
      subjectVersion: minor,
      title: `AKS upgrades Kubernetes ${minor} clusters itself`,
      happens: `Kubernetes ${minor} is out of support; from ${d.date} AKS may upgrade these clusters without waiting for a maintenance window.`,
      action: next ? `Upgrade to ${next} yourself before ${d.date}, so the change happens when you choose.` : `Upgrade to a supported minor before ${d.date}.`,
      command: upgrade,
      target: next,
    };
  }
  if (i.kind === "kubernetes") {
    // The node OS and node image rules land on the cluster's Kubernetes finding, one reason per pool.
    const said = reasonFor(i, d.date);
    const what = said ? said.replace(/^Node pool "[^"]*" uses ([^:]*): /, "$1 node pools: ") : `A node OS change (${d.kind.replace(/-/g, " ")})`;
    return {
      ...base,
      key: `node-os|${d.kind}|${d.date}|${nodeOsSubject(said)}`,
      kind: "node-os",
      subject: "node pools",
      subjectVersion: null,
      title: `Node OS ${d.kind === "retirement" ? "retirement" : "change"}: ${nodeOsSubject(said) || "node pools"}`,
      happens: stripDateSuffix(what),
      action: replacementOf(said) ? `Move the node pools to ${replacementOf(said)} before ${d.date}.` : `Review the node pools before ${d.date}.`,
      command: "az aks nodepool update --resource-group <resource group> --cluster-name <cluster> --name <pool> --os-sku <new OS SKU>",
    };
  }
  if (i.kind === "addon" && i.name.toLowerCase() === "istio") {
    const revision = revisionFor(i, d.date) ?? i.version ?? "unknown";
    const next = nextRevision(revision);
    return {
      ...base,
      key: `istio|${revision.toLowerCase()}|${d.kind}|${d.date}`,
      kind: "istio-revision",
      subjectVersion: revision,
      title: `Istio revision ${revision} ${d.kind === "end-of-support" ? "reaches end of life" : d.kind.replace(/-/g, " ")}`,
      happens: `The Istio add-on's revision ${revision} is supported until ${d.date}.`,
      action: `Start a canary upgrade to a newer revision${next ? ` (for example ${next})` : ""} compatible with the cluster's minor, then complete it.`,
      command: `az aks mesh upgrade start --resource-group <resource group> --name <cluster> --revision ${next ?? "<revision>"}`,
      target: next,
    };
  }
  const label = d.kind.replace(/-/g, " ");
  // Without a sentence naming the date, the finding's first reason is the best account of it.
  const said = reasonFor(i, d.date) ?? i.reasons[0] ?? null;
  if (i.kind === "extension") {
    return {
      ...base,
      key: `extension|${i.name.toLowerCase()}|${d.kind}|${d.date}`,
      kind: "extension-window",
      subjectVersion: null,
      title: `Extension ${i.name}: ${label}`,
      happens: said ? stripDateSuffix(said) : `The ${i.name} extension reaches its ${label} on ${d.date}.`,
      action: `Update the extension to a supported version before ${d.date}.`,
      command: `az k8s-extension update --cluster-type managedClusters --resource-group <resource group> --cluster-name <cluster> --name <extension name> --version <supported version>`,
    };
  }
  const kind: CauseKind = d.kind === "retirement" ? "retirement" : d.kind === "breaking-change" ? "breaking-change" : d.kind === "end-of-support" ? "end-of-support" : "forced-upgrade";
  const replacement = replacementOf(said);
  return {
    ...base,
    key: `${i.kind}|${i.name.toLowerCase()}|${d.kind}|${d.date}`,
    kind,
    subjectVersion: null,
    title: `${i.name}: ${label}`,
    happens: said ? stripDateSuffix(said) : `${i.name} (${i.kind}) reaches its ${label} on ${d.date}.`,
    action: replacement
      ? `Switch to ${replacement} before ${d.date}.`
      : i.kind === "open-source"
        ? `Upgrade or replace this self-installed component before ${d.date}; AKS support does not cover it.`
        : `Act on the ${label} before ${d.date}; the source says what changes.`,
    command: i.kind === "addon" && d.kind === "retirement" ? `az aks disable-addons --resource-group <resource group> --name <cluster> --addons ${i.name}` : null,
    target: replacement,
  };
}

interface FoldAcc {
  name: string;
  kind: IntegrationKind;
  versions: Set<string>;
  /** Clusters whose upgrade moves it. */
  clusters: number;
  note: string | null;
  /** The cluster whose name and note are quoted: the lowest lower-cased id, as for causes. */
  describedBy: string;
}

function fold(into: Map<string, FoldAcc>, h: Hit, newCluster: boolean, clusterId: string): void {
  const key = h.integration.name.toLowerCase();
  const note = (): string | null => h.integration.reasons.find((r) => r.startsWith("When ")) ?? null;
  let acc = into.get(key);
  if (!acc) {
    acc = { name: h.integration.name, kind: h.integration.kind, versions: new Set(), clusters: 0, note: note(), describedBy: clusterId };
    into.set(key, acc);
  } else if (clusterId < acc.describedBy) {
    acc.name = h.integration.name;
    acc.kind = h.integration.kind;
    acc.note = note();
    acc.describedBy = clusterId;
  }
  if (h.integration.version) acc.versions.add(h.integration.version);
  if (newCluster) acc.clusters += 1;
}

/** The finding's sentence that names the date, which is the one about this deadline. */
function reasonFor(i: Integration, date: IsoDate): string | null {
  return i.reasons.find((r) => r.includes(date)) ?? null;
}

function revisionFor(i: Integration, date: IsoDate): string | null {
  const said = i.reasons.find((r) => r.includes(date) && /^Revision /.test(r));
  return said ? (/^Revision (\S+)/.exec(said)?.[1] ?? null) : i.version && !i.version.includes(",") ? i.version : null;
}

function nodeOsSubject(said: string | null): string {
  return said ? (/uses ([^:]*):/.exec(said)?.[1] ?? "") : "";
}

function replacementOf(said: string | null): string | null {
  const m = said ? /(?:Move to|Switch to) ([^.]+)\.?$/.exec(said) : null;
  return m?.[1]?.trim() ?? null;
}

/** Drops a trailing "Move to …"/"Switch to …" sentence: the action says it. */
function stripDateSuffix(s: string): string {
  return s.replace(/\s*(?:Move to|Switch to) [^.]+\.?$/, "").trim();
}

export function nextMinor(version: string | null | undefined): string | null {
  const v = parseVersion(version ?? null);
  return v ? `${v.major}.${v.minor + 1}` : null;
}

function nextRevision(revision: string): string | null {
  const v = parseAsmRevision(revision);
  return v ? `asm-${v.major}-${v.minor + 1}` : null;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

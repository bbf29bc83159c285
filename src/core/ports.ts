/**
 * The small interfaces the edges implement. The core and the app layer depend on these, never on
 * an SDK: sources (Resource Graph, Container Service, files), the history store (Table Storage)
 * and mail transports (SendGrid, local outbox).
 */
import type { EvidenceBundle } from "./evidence.js";
import type { FleetFilter } from "./fleetFilter.js";
import type { AuditReport, ClusterReport, ReportSummary } from "./report.js";
import type { AuditScope, ClusterRecord, ExtensionRecord, IsoDate, LocationVersions, ScopeError } from "./types.js";

// ---------------------------------------------------------------- sources

export interface FleetSource {
  /** Every extension in scope. Read before the clusters so they can be joined page by page. */
  extensions(scope: AuditScope, errors: ScopeError[]): AsyncIterable<ExtensionRecord>;
  /** Clusters a page at a time; memory is bounded by a page. Failures are pushed to `errors`, not thrown. */
  clusterPages(scope: AuditScope, errors: ScopeError[]): AsyncIterable<ClusterRecord[]>;
}

export interface VersionSource {
  /**
   * Kubernetes versions offered in a region, fetched at most once per location per run.
   * Returns null (and records an error) when the region has no data or the call failed.
   */
  versionsFor(location: string, subscriptionId: string, errors: ScopeError[]): Promise<LocationVersions | null>;
}

/** Where a cluster can upgrade to, from its upgrade profile (optional, one ARM call per cluster). */
export interface UpgradeOptions {
  controlPlane: { upgrades: { version: string; isPreview: boolean }[] };
  agentPools: { name: string; upgrades: { version: string; isPreview: boolean }[] }[];
}

export interface UpgradeProfileSource {
  /** The cluster's upgrade options, or null (with a recorded error) when they cannot be read. */
  upgradeProfile(clusterId: string, errors: ScopeError[]): Promise<UpgradeOptions | null>;
}

// ---------------------------------------------------------------- history

export type RunTrigger = "timer" | "http" | "cli";
export type RunStatus = "running" | "succeeded" | "partial" | "failed";

export interface RunRecord {
  runId: string;
  trigger: RunTrigger;
  scope: AuditScope;
  asOf: IsoDate;
  /** Instants (ISO 8601) recorded by the edge that ran it. */
  startedAt: string;
  endedAt: string | null;
  status: RunStatus;
  summary: ReportSummary;
  errors: ScopeError[];
  catalogVersion: string;
  catalogCheckedAt: IsoDate;
  /**
   * True when the run covered the configured scope with nothing narrowed (see core/scope.ts).
   * Only fleet runs feed the digest, the window alerts, the fleet view and history as of a date.
   */
  fleet?: boolean;
  /** Set when the caller chose the run's date (CLI `--as-of`) instead of the day it ran. */
  asOfChosen?: boolean;
  /** The run's root hash over the chains it wrote (set when the run completes; see docs/storage-design.md). */
  root?: RunRoot;
}

/**
 * An anchor for one run: a hash over the (cluster key, chain hash) pairs the run wrote, linked to
 * the previous fleet run's root. Copies held outside the store (the digest, an evidence bundle)
 * make a rolled-back head or a removed link visible.
 */
export interface RunRoot {
  hash: string;
  /** SHA-256 over the run's `<cluster key>\t<chain hash>\n` lines in key order. */
  pairsHash: string;
  clusters: number;
  /** The root of the fleet run this one follows ("" for the first). */
  previousRoot: string;
  /** Position in the root chain (fleet runs only; 0 for a scoped or failed run). */
  seq: number;
}

export interface Page<T> {
  items: T[];
  continuationToken: string | null;
}

/** The most items one page of a history query returns (Table Storage answers at most 1,000 per response). */
export const MAX_PAGE_SIZE = 1000;

export interface PageQuery {
  from?: IsoDate;
  to?: IsoDate;
  limit?: number;
  continuationToken?: string;
}

/** One stored snapshot of one cluster in one run. */
export interface StoredSnapshot {
  runId: string;
  asOf: IsoDate;
  cluster: ClusterReport;
  /** SHA-256 of the canonical cluster report. */
  contentHash: string;
  /** Hash of the cluster's previous snapshot ("" for the first). */
  previousHash: string;
}

export interface VerifyResult {
  clustersChecked: number;
  snapshotsChecked: number;
  ok: boolean;
  /** The first broken link per cluster, if any: cluster, position, the field that failed and why. */
  broken: { clusterId: string; runId: string; asOf: IsoDate; seq: number | null; field: string; reason: string }[];
  /**
   * The registry compared with the chains found in the snapshot buckets. `missing` (a chain with
   * no registry row) fails verify: it hides the chain from purge. `extra` (a row with no chain) is
   * reported only: a first write that stopped between registering and linking leaves one.
   */
  registry: { missing: string[]; extra: string[] };
  /** Set when a root was given to check (`verify --root`); a failed root check fails verify. */
  root?: RootCheck;
}

/** A held root checked against the store: in the stored root chain, and reproduced by the chains. */
export interface RootCheck {
  root: string;
  ok: boolean;
  /** The run the root anchors (null when no stored run has it). */
  runId: string | null;
  asOf: IsoDate | null;
  /** Its position in the root chain (0: a run outside the chain). */
  seq: number | null;
  /** The positions the stored root chain spans (earlier roots go with purged runs). */
  chain: { first: number | null; last: number | null };
  /** What failed: the cluster (null for the run or the chain), the position and the field. */
  broken: { clusterId: string | null; runId: string; seq: number | null; field: string; reason: string }[];
}

export interface VerifyOptions {
  /** Today's retention limit (today − RETENTION_DAYS): a chain's floor may not claim a later one. */
  retentionLimit?: IsoDate;
  /** A run root someone holds (the digest, GET /api/runs/{runId}): checked against the root chain and the chains. */
  root?: string;
  /**
   * false: check only the held root (the root chain and one link per cluster of its run), not every
   * stored snapshot. What HTTP offers without a clusterId.
   */
  chains?: boolean;
}

/** The fleet view's filters (core/fleetFilter.ts) and its page. */
export interface FleetQuery extends FleetFilter {
  /** Clusters per page (default 50, at most MAX_PAGE_SIZE). */
  limit?: number;
  continuationToken?: string;
}

export interface HistoryStore {
  /** Records a run as running. Re-beginning the same runId (a retry) is allowed and overwrites nothing stored. */
  beginRun(run: RunRecord): Promise<void>;
  /** Stores a page of snapshots for a run; idempotent per (runId, cluster). */
  saveSnapshots(run: RunRecord, clusters: readonly ClusterReport[]): Promise<void>;
  /** Records the run's final status, summary and errors. */
  completeRun(run: RunRecord): Promise<void>;
  /**
   * Claims the single slot for an on-demand run that sweeps whole subscriptions or the tenant.
   * Null when `runId` now holds it; otherwise the id of the run that does (still running, or
   * claimed less than a few minutes before `now` and not yet begun).
   */
  claimWideRun(runId: string, now: Date): Promise<string | null>;
  getRun(runId: string): Promise<RunRecord | null>;
  /** Runs, newest first. */
  listRuns(query: PageQuery): Promise<Page<RunRecord>>;
  /** A stored run as the report contract, or null when unknown. */
  runReport(runId: string): Promise<AuditReport | null>;
  /**
   * One page of a stored run's report: the run's summary and errors with a page of its clusters, and
   * the token of the next page (null on the last). Memory is bounded by the page, not the run.
   */
  runReportPage(runId: string, query: Pick<PageQuery, "limit" | "continuationToken">): Promise<{ report: AuditReport; continuationToken: string | null } | null>;
  /**
   * A stored run's clusters, a page at a time (in cluster-key order, each page sorted by id), so a
   * reader that folds over them (a summary) holds one page, not the run. Nothing for an unknown run.
   */
  runClusterPages(runId: string, pageSize?: number): AsyncIterable<ClusterReport[]>;
  /**
   * Two stored runs side by side, joined on the cluster: each pair holds the cluster as `runId`
   * recorded it and as `otherRunId` did (null where a run does not have it), a page of pairs at a
   * time in cluster-key order. The weekly digest folds this (core/digest/fold.ts), so it holds a page
   * of pairs (two while the next is read ahead), not both runs. With `otherRunId` null or unknown, `before` is always null.
   */
  runClusterPairs(runId: string, otherRunId: string | null, pageSize?: number): AsyncIterable<ClusterPair[]>;
  /** One cluster's snapshots, newest first. */
  clusterHistory(clusterId: string, query: PageQuery): Promise<Page<StoredSnapshot>>;
  /**
   * The fleet as last recorded on or before `asOf`: the newest finished (succeeded or partial) run
   * with that asOf or earlier, skipping runs limited to named clusters; filters narrow the integrations.
   */
  fleetAsOf(asOf: IsoDate, query: FleetQuery): Promise<{ run: RunRecord; clusters: ClusterReport[]; continuationToken: string | null } | null>;
  /** Walks every snapshot bucket (not only the registry) and checks each chain, or one cluster's. */
  verify(clusterId?: string, options?: VerifyOptions): Promise<VerifyResult>;
  /** One run's evidence bundle (core/evidence.ts): record, report, links and root chain; null when unknown. */
  evidence(runId: string): Promise<EvidenceBundle | null>;
  /** Deletes everything recorded before `before`; returns how many entities were removed. */
  purge(before: IsoDate): Promise<number>;
}

// ---------------------------------------------------------------- mail

export interface OutgoingMail {
  /** Deterministic id (same content, same run → same id), used for de-duplication. */
  messageId: string;
  to: string[];
  subject: string;
  html: string;
  text: string;
}

export interface MailTransport {
  readonly name: string;
  /** Resolves when the provider accepted the message; throws MailSendError otherwise. */
  send(mail: OutgoingMail): Promise<void>;
}

export class MailSendError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status: number | null,
    readonly retryAfterMs: number | null = null,
    /** The request may have reached SendGrid and been accepted (a timeout, a connection lost mid-answer). */
    readonly mayHaveBeenAccepted: boolean = false,
  ) {
    super(message);
    this.name = "MailSendError";
  }
}

/** One cluster in a run and in an earlier run; null where that run does not have it. */
export interface ClusterPair {
  now: ClusterReport | null;
  before: ClusterReport | null;
}

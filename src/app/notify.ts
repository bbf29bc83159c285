/**
 * Digest and window-alert delivery for the app: find the reports to speak about in the store, let
 * the core render them, and hand them to the exactly-once delivery over the alert ledger.
 */
import { withCatalogAge } from "../core/catalogAge.js";
import { addDays } from "../core/dates.js";
import { DigestFold, STREAMED_KEEP, foldOptions, renderDigest } from "../core/digest.js";
import { reportOfRun, type AuditReport, type ClusterReport } from "../core/report.js";
import type { Recipients } from "../core/routing.js";
import { alertingPart } from "./audit.js";
import type { HistoryStore, OutgoingMail, RunRecord } from "../core/ports.js";
import { isFinishedFleetRun } from "../core/scope.js";
import type { IsoDate, ScopeError } from "../core/types.js";
import { describeDrops, routeClusters, routeWithDrops } from "../core/routing.js";
import { createAlertLedger } from "../notify/ledger.js";
import { deliverAlerts, deliverMail, type DeliveryResult } from "../notify/deliver.js";
import type { AppContext } from "./context.js";

export interface AlertCounts {
  sent: number;
  pending: number;
  failed: number;
  /** Addresses routing refused (MAIL_ALLOWED_DOMAINS, MAIL_MAX_RECIPIENTS_PER_TAG), as recorded in the run's errors. */
  dropped?: ScopeError[];
}

export interface NotifyOptions {
  asOf: IsoDate;
  /** Render only: nothing is sent and the ledger is untouched; the outbox shows what would go out. */
  preview?: boolean;
  /** Clock for send times and claims (tests move it past a claim's lifetime). */
  now?: () => Date;
}

/** Sends the window alerts due in `report` (or in the latest stored run when null). */
export async function sendWindowAlerts(ctx: AppContext, report: AuditReport | null, options: NotifyOptions): Promise<AlertCounts> {
  const store = await ctx.store();
  const configured = ctx.config.mail.recipients;
  const found = report ? { report, routesAnyone: routeClusters(configured, report.clusters).length > 0 } : await latestAlertingReport(store, options.asOf, ctx.config.alertWindowDays, configured);
  if (!found) return { sent: 0, pending: 0, failed: 0 };
  const subject = found.report;
  const dropped = options.preview ? [] : await recordRoutingDrops(ctx, store, subject);
  // Like the digest's preview: with nobody to send to, show what the whole fleet's alerts would say.
  const recipients = options.preview && !found.routesAnyone ? { ...configured, defaults: [PREVIEW_RECIPIENT] } : configured;
  const result = await deliverAlerts(
    { transport: ctx.transport(), ledger: createAlertLedger(store.ledgerTable()), now: options.now },
    { report: subject, recipients, thresholds: ctx.config.alertThresholds, windowDays: ctx.config.alertWindowDays, consoleBase: ctx.config.mail.consoleBase },
    { preview: options.preview, previewTo: options.preview ? ctx.previewTransport() : undefined },
  );
  return { ...countAlerts(result), ...(dropped.length > 0 ? { dropped } : {}) };
}

/**
 * Addresses routing refused for this report, added to its run's errors (once each), so the run's
 * history says who did not get mail and why.
 */
export async function recordRoutingDrops(ctx: AppContext, store: HistoryStore, report: AuditReport): Promise<ScopeError[]> {
  const { drops } = routeWithDrops(ctx.config.mail.recipients, report.clusters);
  return recordDropErrors(store, report.runId, describeDrops(drops, ctx.config.mail.recipients.maxPerTag));
}

/**
 * Adds routing's refusals to the run's errors, each once. A run still running (scans fanned out) is
 * left to its own completion: writing its record here could race with that.
 */
async function recordDropErrors(store: HistoryStore, runId: string, errors: ScopeError[]): Promise<ScopeError[]> {
  if (errors.length === 0) return [];
  const run = await store.getRun(runId);
  if (run && run.status !== "running") {
    const known = new Set(run.errors.map((e) => `${e.scope}\n${e.message}`));
    const fresh = errors.filter((e) => !known.has(`${e.scope}\n${e.message}`));
    if (fresh.length > 0) await store.completeRun({ ...run, errors: [...run.errors, ...fresh] });
  }
  return errors;
}

/** Stands in for the recipient of a preview when none is configured (`.invalid` can never be delivered). */
export const PREVIEW_RECIPIENT = "no-recipient-configured@preview.invalid";

export interface DigestCounts {
  messages: number;
  pending: number;
  failed: number;
  /**
   * Preview only: no recipient was configured (or none was routed a cluster), so the whole-fleet
   * digest was rendered for PREVIEW_RECIPIENT instead; says which.
   */
  noRecipients?: "none-configured" | "none-routed";
  /** Preview only: the folder the preview was written to, when the preview transport is the outbox. */
  previewDir?: string;
}

/** Cluster pairs read per page of the digest's fold. */
const DIGEST_PAGE = 200;

export interface StoredDigestSettings {
  recipients: Recipients;
  windowDays: number;
  catalogMaxAgeDays: number;
  consoleBase: string | null;
  /** Also fold the whole-fleet digest for this address (a preview with nobody to send to). */
  fallbackTo?: string;
}

export interface StoredDigests {
  mails: OutgoingMail[];
  /** The whole-fleet digest for `fallbackTo`, when asked for. */
  fallback: OutgoingMail[];
  /** Addresses routing refused, for the run's errors. */
  drops: ScopeError[];
}

/**
 * The digests of a stored run, with changes since `previous`. The two runs are folded a page of
 * cluster pairs at a time (store.runClusterPairs, core/digest/fold.ts), each recipient keeping only
 * what a mail can show and counting the rest, so memory stays flat as the fleet grows and the mail
 * is the one the whole run in memory would give.
 */
export async function storedDigests(store: HistoryStore, latest: RunRecord, previous: RunRecord | null, settings: StoredDigestSettings): Promise<StoredDigests> {
  // Stored runs keep only the catalog's version and check date; its age is judged afresh.
  const report = withCatalogAge(reportOfRun(latest, []), settings.catalogMaxAgeDays);
  const options = foldOptions({ report, previous, recipients: settings.recipients, windowDays: settings.windowDays, consoleBase: settings.consoleBase, keep: STREAMED_KEEP });
  const folds = [new DigestFold(settings.recipients, options)];
  if (settings.fallbackTo) folds.push(new DigestFold({ ...settings.recipients, defaults: [settings.fallbackTo] }, options));
  for await (const pairs of store.runClusterPairs(latest.runId, previous?.runId ?? null, DIGEST_PAGE)) for (const fold of folds) fold.add(pairs);
  const render = (fold: DigestFold | undefined): OutgoingMail[] => (fold ? fold.models().map((m) => renderDigest({ ...m, root: latest.root?.hash ?? null })) : []);
  return { mails: render(folds[0]), fallback: render(folds[1]), drops: describeDrops(folds[0]!.drops(), settings.recipients.maxPerTag) };
}

/** Sends the weekly digest built from the latest run, with changes since the run a week before. */
export async function sendDigest(ctx: AppContext, options: NotifyOptions): Promise<DigestCounts> {
  const store = await ctx.store();
  const latest = await latestRun(store, options.asOf);
  if (!latest) return { messages: 0, pending: 0, failed: 0 };
  const previousRun = await latestRun(store, addDays(latest.asOf, -7));
  const previous = previousRun && previousRun.runId !== latest.runId ? previousRun : null;
  const configured = ctx.config.mail.recipients;
  const built = await storedDigests(store, latest, previous, {
    recipients: configured,
    windowDays: ctx.config.alertWindowDays,
    catalogMaxAgeDays: ctx.config.catalogMaxAgeDays,
    consoleBase: ctx.config.mail.consoleBase,
    // A preview is for seeing the mail before anyone gets it: with nobody routed, show the whole fleet's.
    ...(options.preview ? { fallbackTo: PREVIEW_RECIPIENT } : {}),
  });
  if (!options.preview) await recordDropErrors(store, latest.runId, built.drops);
  let mails = built.mails;
  let noRecipients: DigestCounts["noRecipients"];
  if (options.preview && mails.length === 0) {
    noRecipients = configured.defaults.length === 0 && Object.keys(configured.bySubscription).length === 0 && !configured.tagName ? "none-configured" : "none-routed";
    mails = built.fallback;
  }
  const previewTo = options.preview ? ctx.previewTransport() : undefined;
  const result = await deliverMail({ transport: ctx.transport(), ledger: createAlertLedger(store.ledgerTable()), now: options.now }, mails, { preview: options.preview, previewTo });
  const counts = countAlerts(result);
  const previewDir = previewTo && "dir" in previewTo && typeof previewTo.dir === "string" ? previewTo.dir : undefined;
  return {
    messages: options.preview ? result.messages.length : counts.sent,
    pending: counts.pending,
    failed: counts.failed,
    ...(noRecipients ? { noRecipients } : {}),
    ...(previewDir ? { previewDir } : {}),
  };
}

function countAlerts(result: DeliveryResult): AlertCounts {
  const counts: AlertCounts = { sent: 0, pending: 0, failed: 0 };
  for (const m of result.messages) {
    if (m.status === "sent" || m.status === "preview") counts.sent += 1;
    else if (m.status === "pending") counts.pending += 1;
    else counts.failed += 1;
  }
  return counts;
}

/**
 * The newest fleet run that finished (succeeded or partial) with asOf on or before `asOf`. Runs
 * narrower than the configured scope (a subscription, named clusters) are not "the fleet" and are skipped.
 */
export async function latestRun(store: HistoryStore, asOf: IsoDate): Promise<RunRecord | null> {
  let token: string | undefined;
  do {
    const page = await store.listRuns({ to: asOf, limit: 50, continuationToken: token });
    const done = page.items.find((r) => isFinishedFleetRun(r) && r.asOf <= asOf);
    if (done) return done;
    token = page.continuationToken ?? undefined;
  } while (token);
  return null;
}

/**
 * The latest run as window alerts need it: only the clusters with a deadline inside the window
 * (alertingPart), read a page at a time, so the rest of the fleet is never held; and whether the
 * whole run routes to anyone (a preview with nobody to send to shows the whole fleet's alerts).
 */
async function latestAlertingReport(store: HistoryStore, asOf: IsoDate, windowDays: number, recipients: Recipients): Promise<{ report: AuditReport; routesAnyone: boolean } | null> {
  const run = await latestRun(store, asOf);
  if (!run) return null;
  const keep = alertingPart(windowDays);
  const clusters: ClusterReport[] = [];
  let routesAnyone = routeClusters(recipients, []).length > 0;
  for await (const page of store.runClusterPages(run.runId)) {
    if (!routesAnyone) routesAnyone = routeClusters(recipients, page).length > 0;
    for (const c of page) {
      const part = keep(c);
      if (part) clusters.push(part);
    }
  }
  return { report: reportOfRun(run, clusters), routesAnyone };
}

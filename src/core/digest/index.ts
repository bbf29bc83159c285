/**
 * Mail content: the weekly digest and the window-alert message, as HTML with a plain-text
 * alternative. Pure: everything comes from the report(s), the routes and `asOf`; the same input
 * gives the same bytes and the same message id, which is what lets the delivery layer re-send an
 * unacknowledged message under its original id.
 *
 * model.ts and causes.ts decide what to say; renderHtml.ts and renderText.ts draw it; limits.ts
 * keeps every part under the size mail clients show.
 */
import type { OutgoingMail } from "../ports.js";
import type { AuditReport } from "../report.js";
import { DEFAULT_WINDOW_DAYS } from "../report.js";
import type { IsoDate } from "../types.js";
import { plainText } from "../html.js";
import type { Recipients, RouteReason } from "../routing.js";
import { sortCauseAlerts, stableId, type CauseAlert } from "../alerts.js";
import { causeShort, fullListAt, digestSubject, inDays, plural, type DigestModel } from "./model.js";
import { DigestFold, pairsOf } from "./fold.js";
import { withinLimits } from "./limits.js";
import type { FoldOptions, RunHeading } from "./fold.js";
import { alertHtml, digestHtml } from "./renderHtml.js";
import { alertText, digestText } from "./renderText.js";

export * from "./model.js";
export { DigestFold, STREAMED_KEEP, digestModel, pairsOf, type ClusterPair, type FoldOptions, type RunHeading } from "./fold.js";
export { causesOf, compareCauses, type CauseOptions } from "./causes.js";
export { causeLink, clusterLink, fleetLink } from "./links.js";
export { LIMIT_STEPS, MAX_PART_BYTES, byteLength, type Limits } from "./limits.js";
export { DEFAULT_WINDOW_DAYS };

export type MailKind = "digest" | "alerts";

/**
 * `<kind>-<asOf>-<hash of run, recipient, kind>`: same run + recipient + kind → same id. The date
 * in front keeps outbox files and ledger buckets in order; only letters, digits and `-`, so it is
 * safe as a Table key, a file name and a SendGrid custom arg.
 */
export function messageIdFor(kind: MailKind, runId: string, asOf: IsoDate, recipient: string): string {
  return `${kind}-${asOf}-${stableId(["mail/v1", kind, runId, recipient.trim().toLowerCase()]).slice(0, 24)}`;
}

export interface DigestInput {
  report: AuditReport;
  /** The report the previous digest was built from; changes are relative to it. */
  previous?: AuditReport | null;
  recipients: Recipients;
  windowDays?: number;
  /** The run's root hash, shown in the footer (`aks-audit verify --root` checks a copy). */
  root?: string | null;
  /** The console's public base URL; null or absent: the mail names the CLI and the API path as text. */
  consoleBase?: string | null;
}

/** One digest per recipient, in recipient order, from a report (and the previous one) in memory. */
export function buildDigests(input: DigestInput): OutgoingMail[] {
  const fold = new DigestFold(input.recipients, foldOptions(input));
  fold.add(pairsOf(input.report.clusters, input.previous?.clusters ?? null));
  return fold.models().map((model) => renderDigest({ ...model, root: input.root ?? null }));
}

/** The fold's settings for a digest input (the streamed digest passes its own `keep`). */
export function foldOptions(input: {
  report: RunHeading;
  previous?: Pick<AuditReport, "runId" | "asOf"> | null;
  recipients: Pick<Recipients, "tagName">;
  windowDays?: number;
  consoleBase?: string | null;
  keep?: number;
}): FoldOptions {
  return {
    report: input.report,
    previous: input.previous ?? null,
    windowDays: input.windowDays ?? DEFAULT_WINDOW_DAYS,
    routingTag: input.recipients.tagName ?? null,
    consoleBase: input.consoleBase ?? null,
    ...(input.keep !== undefined ? { keep: input.keep } : {}),
  };
}

function subjectLine(text: string): string {
  const clean = plainText(text).replace(/\s+/g, " ").trim();
  return clean.length > 200 ? `${clean.slice(0, 197)}...` : clean;
}

export function renderDigest(m: DigestModel): OutgoingMail {
  const subject = subjectLine(digestSubject(m));
  const parts = withinLimits((limits) => ({ html: digestHtml(m, subject, limits), text: digestText(m, subject, limits) }));
  return { messageId: messageIdFor("digest", m.runId, m.asOf, m.recipient), to: [m.recipient], subject, ...parts };
}

// ------------------------------------------------------------------ alerts

export interface AlertMailInput {
  runId: string;
  asOf: IsoDate;
  recipient: string;
  alerts: readonly CauseAlert[];
  /** Shown in the footer; optional so a re-send from the ledger renders the same bytes. */
  via?: RouteReason[];
  /** The console's public base URL; null or absent: the mail names the CLI and the API path as text. */
  consoleBase?: string | null;
}

/** "AKS: 1.34 support ends in 46 days for 61 clusters, 3 more deadlines": the most urgent cause first. */
export function alertSubject(alerts: readonly CauseAlert[]): string {
  const sorted = sortCauseAlerts(alerts);
  const top = sorted[0];
  if (!top) return "AKS: no window alerts";
  const more = sorted.length - 1;
  return subjectLine(`AKS: ${causeShort(top.cause)} ${inDays(top.cause.daysLeft)} for ${plural(top.clusterCount, "cluster")}${more > 0 ? `, ${plural(more, "more deadline")}` : ""}`);
}

export function renderAlertMail(input: AlertMailInput): OutgoingMail {
  const alerts = sortCauseAlerts(input.alerts);
  const subject = alertSubject(alerts);
  const intro = `As of ${input.asOf}. Each cause alerts once per threshold; act before the next one, or it comes back then.`;
  const via = input.via ?? [];
  const consoleBase = input.consoleBase ?? null;
  const view = { subject, intro, asOf: input.asOf, runId: input.runId, recipient: input.recipient, via, alerts, consoleBase, fullListAt: fullListAt(input.runId, input.asOf, consoleBase) };
  const parts = withinLimits((limits) => ({ html: alertHtml(view, limits), text: alertText(view, limits) }));
  return { messageId: messageIdFor("alerts", input.runId, input.asOf, input.recipient), to: [input.recipient.trim().toLowerCase()], subject, ...parts };
}

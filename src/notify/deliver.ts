/**
 * Exactly-once delivery over the ledger (see docs/alerts.md for the reasoning).
 *
 *  1. Record before sending: each alert is claimed `pending` under the message's deterministic id.
 *  2. Mark `sent` only after the transport resolved (SendGrid 202, or 200 in sandbox).
 *  3. 429 waits as long as Retry-After says (up to a cap); 5xx and refused connections back off
 *     and retry a few times, then the alerts stay `pending` for the next run. A timeout or a lost
 *     answer (SendGrid may have accepted) is never retried in the same run: it stays `pending`.
 *  4. Other 4xx: recorded `failed` with SendGrid's error text; tried again in at most
 *     `maxFailedRuns` runs, then given up.
 *  5. The next run first re-sends every pending message, rebuilt from the ledger with the SAME id
 *     and the same content. That is the only way an alert can go out twice: when SendGrid
 *     accepted it but the acceptance was never recorded (the run died, or the answer was lost).
 *  6. Every claim carries the sender's owner token and the claim time: a row another sender
 *     claimed within the claim lifetime is in flight, and no one else sends it.
 */
import { randomUUID } from "node:crypto";
import type { AuditReport } from "../core/report.js";
import type { Recipients } from "../core/routing.js";
import { MailSendError, type MailTransport, type OutgoingMail } from "../core/ports.js";
import { causeAlertsByRecipient, type CauseAlert } from "../core/alerts.js";
import { routeClusters } from "../core/routing.js";
import { messageIdFor, renderAlertMail } from "../core/digest.js";
import { claimedByOther, DEFAULT_CLAIM_TTL_MS, type AlertLedger, type AlertRecord, type PendingMessage } from "./ledger.js";

export interface RetryPolicy {
  /** Tries per message within one run. */
  maxAttempts: number;
  /** Backoff for 5xx/timeouts (and 429 without Retry-After): base × 2^(try-1), capped. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Longest Retry-After honoured within a run; a longer one leaves the message pending for the next run. */
  maxRetryAfterMs: number;
  /** Runs in which a rejected (non-429 4xx) alert or mail is tried before it is given up. */
  maxFailedRuns: number;
}

export const DEFAULT_RETRY: RetryPolicy = Object.freeze({
  maxAttempts: 4,
  baseDelayMs: 2_000,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 60_000,
  maxFailedRuns: 3,
});

export interface DeliveryDeps {
  transport: MailTransport;
  /** Required unless `preview`; in preview it is only read (to show what would go out). */
  ledger?: AlertLedger;
  /** Injectable so tests do not wait for real backoff. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => Date;
  log?: (event: string, fields: Record<string, unknown>) => void;
  /** This sender's owner token on its claims; a fresh one per delivery when absent. */
  owner?: string;
  /** How long a claim keeps other senders off a row (default DEFAULT_CLAIM_TTL_MS). */
  claimTtlMs?: number;
}

export interface DeliveryOptions {
  /** Render only: nothing goes to the transport and nothing is written to the ledger. */
  preview?: boolean;
  /** In preview, also hand each rendered message here (the local outbox), so it can be opened. */
  previewTo?: MailTransport;
  retry?: Partial<RetryPolicy>;
}

export type MessageStatus = "sent" | "pending" | "failed" | "preview";

export interface MessageOutcome {
  messageId: string;
  kind: string;
  to: string[];
  subject: string;
  status: MessageStatus;
  /** Transport calls made for this message in this run. */
  attempts: number;
  alertIds: string[];
  /** True when this re-sends a message an earlier run left unacknowledged. */
  resend: boolean;
  error: string | null;
  /** The rendered message (always in preview; otherwise only when it was sent or attempted). */
  mail: OutgoingMail;
}

export interface DeliveryResult {
  messages: MessageOutcome[];
  /** Alerts (or mails) skipped because the ledger already records them as sent. */
  alreadySent: number;
  /** Alerts held by another pending message (re-sent by the recovery step, not duplicated). */
  inFlight: number;
  /** Rejected in `maxFailedRuns` runs already: not tried again. */
  givenUp: number;
}

export interface AlertRunInput {
  report: AuditReport;
  recipients: Recipients;
  thresholds?: readonly number[];
  windowDays?: number;
  /** The console's public base URL for the mail's links (config.mail.consoleBase); null or absent: none. */
  consoleBase?: string | null;
}

/** Sends the window alerts due in `report`: one message per recipient, each cause once per threshold. */
export async function deliverAlerts(deps: DeliveryDeps, input: AlertRunInput, options: DeliveryOptions = {}): Promise<DeliveryResult> {
  const policy = { ...DEFAULT_RETRY, ...options.retry };
  const preview = options.preview === true;
  const ledger = requireLedger(deps, preview);
  const result: DeliveryResult = { messages: [], alreadySent: 0, inFlight: 0, givenUp: 0 };
  const { report } = input;
  const claim = claimOf(deps);
  const held = (row: AlertRecord): boolean => claimedByOther(row, claim.owner, Date.parse(claim.at), deps.claimTtlMs ?? DEFAULT_CLAIM_TTL_MS);

  const routes = routeClusters(input.recipients, report.clusters);
  const viaOf = new Map(routes.map((r) => [r.recipient, r.via]));
  const due = causeAlertsByRecipient(routes, { asOf: report.asOf, thresholds: input.thresholds, windowDays: input.windowDays, routingTag: input.recipients.tagName });
  const thisRun = new Set(due.map((d) => messageIdFor("alerts", report.runId, report.asOf, d.recipient)));

  if (ledger && !preview) await ledger.ensureTable();

  // 1. Recovery: messages earlier runs left unacknowledged go out again under their own id.
  //    A pending message of this very run (a retried run) is folded into step 2 instead.
  const pending = ledger ? await readOr(() => ledger.listPending(), []) : [];
  for (const p of pending) {
    if (thisRun.has(p.messageId)) continue;
    const rows = (await readOr(() => ledger!.alertsOfMessage(p.recipient, p.messageId), [])).filter(
      // Rows written before alerts were per cause carry no cause: nothing to rebuild them from.
      (r) => r.status === "pending" && r.messageId === p.messageId && r.alert?.cause,
    );
    if (rows.length === 0) {
      // Everything was recorded (sent or failed) after all, or the claim never happened: drop the index.
      if (!preview) await ledger!.deletePending(p.messageId);
      continue;
    }
    const render = (from: readonly AlertRecord[]) =>
      renderAlertMail({ runId: p.runId, asOf: p.asOf, recipient: p.recipient, alerts: from.map((r) => r.alert), via: p.via, consoleBase: input.consoleBase });
    if (render(rows).messageId !== p.messageId) {
      // Should not happen (ids are derived from run + recipient); never send under a different id.
      deps.log?.("alerts.recover.id-mismatch", { expected: p.messageId });
      continue;
    }
    if (preview) {
      result.messages.push(await previewOutcome(options, render(rows), "alerts", rows, true));
      continue;
    }
    // Another sender claimed it moments ago and may be sending it right now: not ours to send.
    if (rows.some(held)) {
      result.inFlight += rows.length;
      continue;
    }
    // Re-claim by etag so two runs recovering at once cannot both send it.
    const mine = await ledger!.claimAlerts({ ...p, claimedBy: claim.owner, claimedAt: claim.at }, rows.map((r) => r.alert), new Map(rows.map((r) => [r.alertId, r])));
    if (mine.length === 0) continue;
    result.messages.push(await sendAlertMessage(deps, ledger!, policy, render(mine), p.recipient, mine, true));
  }

  // 2. This run's alerts: per recipient, the ones the ledger has not seen (or may retry).
  for (const { recipient, alerts } of due) {
    const messageId = messageIdFor("alerts", report.runId, report.asOf, recipient);
    const existing = ledger ? await readOr(() => ledger.getAlerts(recipient, alerts.map((a) => a.id)), new Map<string, AlertRecord>()) : new Map<string, AlertRecord>();
    const eligible: CauseAlert[] = [];
    for (const alert of alerts) {
      const row = existing.get(alert.id);
      if (!row) eligible.push(alert);
      else if (row.status === "sent") result.alreadySent += 1;
      else if (row.status === "pending") {
        if (row.messageId === messageId && !held(row)) eligible.push(alert);
        else result.inFlight += 1;
      } else if (row.failedRuns < policy.maxFailedRuns) eligible.push(alert);
      else result.givenUp += 1;
    }
    if (eligible.length === 0) continue;
    const via = viaOf.get(recipient) ?? [];

    if (preview) {
      const mail = renderAlertMail({ runId: report.runId, asOf: report.asOf, recipient, alerts: eligible, via, consoleBase: input.consoleBase });
      result.messages.push(await previewOutcome(options, mail, "alerts", eligible.map((a) => ({ alertId: a.id })), false));
      continue;
    }
    const message: PendingMessage = { messageId, kind: "alerts", recipient, runId: report.runId, asOf: report.asOf, via, claimedBy: claim.owner, claimedAt: claim.at };
    const claimed = await ledger!.claimAlerts(message, eligible, existing);
    // Nothing won: a concurrent run holds these alerts. Its index row (same id when the run id is
    // the same) stays; a later recovery drops it once no row is pending under it.
    if (claimed.length === 0) continue;
    // Render from what was claimed: exactly what a later recovery would rebuild from the ledger.
    const mail = renderAlertMail({ runId: report.runId, asOf: report.asOf, recipient, alerts: claimed.map((r) => r.alert), via, consoleBase: input.consoleBase });
    result.messages.push(await sendAlertMessage(deps, ledger!, policy, mail, recipient, claimed, false));
  }
  return result;
}

/**
 * Sends whole messages (the weekly digests) once each: a mail row per message id, pending before
 * the send, sent after. A pending digest is re-sent only when the same run is delivered again
 * (same id); next week's digest supersedes it rather than repeating stale content.
 */
export async function deliverMail(deps: DeliveryDeps, mails: readonly OutgoingMail[], options: DeliveryOptions = {}): Promise<DeliveryResult> {
  const policy = { ...DEFAULT_RETRY, ...options.retry };
  const preview = options.preview === true;
  const ledger = requireLedger(deps, preview);
  const result: DeliveryResult = { messages: [], alreadySent: 0, inFlight: 0, givenUp: 0 };
  if (ledger && !preview) await ledger.ensureTable();
  const claim = claimOf(deps);

  for (const mail of mails) {
    const kind = kindOf(mail.messageId);
    const existing = ledger ? await readOr(() => ledger.getMail(mail.messageId), null) : null;
    if (existing?.status === "sent") {
      result.alreadySent += 1;
      continue;
    }
    if (existing?.status === "failed" && existing.failedRuns >= policy.maxFailedRuns) {
      result.givenUp += 1;
      continue;
    }
    if (preview) {
      result.messages.push(await previewOutcome(options, mail, kind, [], existing !== null));
      continue;
    }
    if (existing && claimedByOther(existing, claim.owner, Date.parse(claim.at), deps.claimTtlMs ?? DEFAULT_CLAIM_TTL_MS)) {
      result.inFlight += 1;
      continue;
    }
    const claimed = await ledger!.claimMail(mail, existing, claim);
    if (!claimed) {
      result.inFlight += 1;
      continue;
    }
    const sent = await sendWithRetry(deps, policy, mail);
    const outcome: MessageOutcome = baseOutcome(mail, kind, [], existing !== null, sent.attempts);
    try {
      if (sent.ok) {
        await ledger!.updateMail(mail.messageId, { status: "sent", sentAt: now(deps), attempts: claimed.attempts + sent.attempts, lastError: null });
        outcome.status = "sent";
      } else if (sent.error.retryable) {
        // Released, so the next delivery of this run may try again at once.
        await ledger!.updateMail(mail.messageId, { attempts: claimed.attempts + sent.attempts, lastError: sent.error.message, claimedBy: null, claimedAt: null });
        outcome.status = "pending";
        outcome.error = sent.error.message;
      } else {
        await ledger!.updateMail(mail.messageId, { status: "failed", attempts: claimed.attempts + sent.attempts, failedRuns: claimed.failedRuns + 1, lastError: sent.error.message });
        outcome.status = "failed";
        outcome.error = sent.error.message;
      }
    } catch (error) {
      outcome.status = sent.ok ? "sent" : "pending";
      outcome.error = `${sent.ok ? "" : `${sent.error.message}; `}ledger not updated: ${(error as Error).message}`;
    }
    deps.log?.("mail.delivered", { messageId: mail.messageId, status: outcome.status, attempts: sent.attempts });
    result.messages.push(outcome);
  }
  return result;
}

// ------------------------------------------------------------------ internals

type SendResult = { ok: true; attempts: number } | { ok: false; attempts: number; error: MailSendError };

/** Tries the transport: honours Retry-After on 429, backs off on 5xx/timeouts, stops on other 4xx. */
export async function sendWithRetry(deps: DeliveryDeps, policy: RetryPolicy, mail: OutgoingMail): Promise<SendResult> {
  const sleep = deps.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      await deps.transport.send(mail);
      return { ok: true, attempts: attempt };
    } catch (thrown) {
      // A transport that failed without saying how may have delivered: treat it as a lost answer.
      const error =
        thrown instanceof MailSendError
          ? thrown
          : new MailSendError(`transport ${deps.transport.name} failed: ${(thrown as Error)?.message ?? String(thrown)}`, true, null, null, true);
      deps.log?.("mail.attempt-failed", { messageId: mail.messageId, attempt, status: error.status, retryable: error.retryable, retryAfterMs: error.retryAfterMs, mayHaveBeenAccepted: error.mayHaveBeenAccepted });
      if (!error.retryable || attempt >= policy.maxAttempts) return { ok: false, attempts: attempt, error };
      // SendGrid may hold this message already: another try now could be a second copy. It stays
      // pending, and a later run re-sends it once under the same id.
      if (error.mayHaveBeenAccepted) return { ok: false, attempts: attempt, error };
      if (error.retryAfterMs !== null && error.retryAfterMs > policy.maxRetryAfterMs) {
        // Waiting that long would hold the function; the next run picks the message up.
        return { ok: false, attempts: attempt, error };
      }
      const wait = error.retryAfterMs ?? Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      await sleep(wait);
    }
  }
}

async function sendAlertMessage(
  deps: DeliveryDeps,
  ledger: AlertLedger,
  policy: RetryPolicy,
  mail: OutgoingMail,
  recipient: string,
  rows: readonly AlertRecord[],
  resend: boolean,
): Promise<MessageOutcome> {
  const sent = await sendWithRetry(deps, policy, mail);
  const outcome = baseOutcome(mail, "alerts", rows.map((r) => r.alertId), resend, sent.attempts);
  try {
    if (sent.ok) {
      const at = now(deps);
      await ledger.updateAlerts(recipient, rows.map((r) => ({ alertId: r.alertId, patch: { status: "sent", sentAt: at, attempts: r.attempts + sent.attempts, lastError: null } })));
      await ledger.deletePending(mail.messageId);
      outcome.status = "sent";
    } else if (sent.error.retryable) {
      // Left pending with its index row, claim released: the next run re-sends it under the same id.
      await ledger.updateAlerts(
        recipient,
        rows.map((r) => ({ alertId: r.alertId, patch: { attempts: r.attempts + sent.attempts, lastError: sent.error.message, claimedBy: null, claimedAt: null } })),
      );
      outcome.status = "pending";
      outcome.error = sent.error.message;
    } else {
      await ledger.updateAlerts(
        recipient,
        rows.map((r) => ({
          alertId: r.alertId,
          patch: { status: "failed", attempts: r.attempts + sent.attempts, failedRuns: r.failedRuns + 1, lastError: sent.error.message },
        })),
      );
      await ledger.deletePending(mail.messageId);
      outcome.status = "failed";
      outcome.error = sent.error.message;
    }
  } catch (error) {
    // The ledger write failed: the rows stay pending, so the next run re-sends under the same id.
    outcome.status = sent.ok ? "sent" : "pending";
    outcome.error = `${sent.ok ? "" : `${sent.error.message}; `}ledger not updated: ${(error as Error).message}`;
  }
  deps.log?.("alerts.delivered", { messageId: mail.messageId, status: outcome.status, alerts: rows.length, attempts: sent.attempts, resend });
  return outcome;
}

function baseOutcome(mail: OutgoingMail, kind: string, alertIds: string[], resend: boolean, attempts: number): MessageOutcome {
  return { messageId: mail.messageId, kind, to: mail.to, subject: mail.subject, status: "pending", attempts, alertIds, resend, error: null, mail };
}

async function previewOutcome(
  options: DeliveryOptions,
  mail: OutgoingMail,
  kind: string,
  rows: readonly { alertId: string }[],
  resend: boolean,
): Promise<MessageOutcome> {
  const outcome: MessageOutcome = { ...baseOutcome(mail, kind, rows.map((r) => r.alertId), resend, 0), status: "preview" };
  if (options.previewTo) {
    try {
      await options.previewTo.send(mail);
    } catch (error) {
      outcome.error = `preview not written: ${(error as Error).message}`;
    }
  }
  return outcome;
}

function requireLedger(deps: DeliveryDeps, preview: boolean): AlertLedger | undefined {
  if (!deps.ledger && !preview) throw new Error("deliver: a ledger is required unless previewing (exactly-once needs a record of what was sent)");
  return deps.ledger;
}

/** Reads for preview must not fail on a ledger table that does not exist yet. */
async function readOr<T>(read: () => Promise<T>, empty: T): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return empty;
    throw error;
  }
}

function kindOf(messageId: string): string {
  return /^([a-z]+)-/.exec(messageId)?.[1] ?? "mail";
}

function claimOf(deps: DeliveryDeps): { owner: string; at: string } {
  return { owner: deps.owner ?? `sender-${randomUUID()}`, at: now(deps) };
}

function now(deps: DeliveryDeps): string {
  return (deps.now ? deps.now() : new Date()).toISOString();
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

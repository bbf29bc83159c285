/**
 * The alert ledger in Table Storage: what was sent to whom, so each alert goes out once.
 *
 * Layout (one table, name chosen by the caller):
 *   alert rows    PartitionKey `to~<recipient>`   RowKey `<alertId>`    one per (recipient, cause alert: cause + threshold)
 *   pending index PartitionKey `pending`          RowKey `<messageId>`  one per message not yet acknowledged
 *   mail rows     PartitionKey `mail~<YYYY-MM>`   RowKey `<messageId>`  one per digest (or other whole mail)
 *
 * Why this shape: a recipient's alerts share a partition, so all alerts of one message are claimed
 * and marked in one entity-group transaction (≤100 per batch); the pending index lets the next run
 * find unacknowledged messages with a single PartitionKey query instead of scanning the table.
 * Keys never contain `/ \ # ?` or control characters (see `encodeKey`).
 */
import { odata, type TableClient, type TableEntityResult, type TransactionAction } from "@azure/data-tables";
import type { CauseAlert } from "../core/alerts.js";
import type { RouteReason } from "../core/routing.js";
import type { IsoDate } from "../core/types.js";
import { parseJsonProperty } from "../store/tables.js";

export type DeliveryStatus = "pending" | "sent" | "failed";

export interface AlertRecord {
  recipient: string;
  alertId: string;
  status: DeliveryStatus;
  /** The message that carries (or carried) this alert; a re-send reuses it. */
  messageId: string;
  runId: string;
  asOf: IsoDate;
  alert: CauseAlert;
  via: RouteReason[];
  /** Send attempts across runs. */
  attempts: number;
  /** Runs that ended in a non-retryable rejection; after the limit the alert is given up. */
  failedRuns: number;
  lastError: string | null;
  sentAt: string | null;
  /** Owner token of the sender that claimed the row to send it; null once released. */
  claimedBy: string | null;
  /** When that claim was made (ISO); a claim older than the claim lifetime has lapsed. */
  claimedAt: string | null;
  etag: string;
}

export interface PendingMessage {
  messageId: string;
  kind: "alerts";
  recipient: string;
  runId: string;
  asOf: IsoDate;
  via: RouteReason[];
  /** The claim a sender makes with claimAlerts (written to every row it claims, and the index). */
  claimedBy?: string;
  claimedAt?: string;
}

/** Who is claiming, and when: the claim a send holds while it is in flight. */
export interface Claim {
  owner: string;
  at: string;
}

/**
 * Longer than host.json's functionTimeout (30 min): a live sender is never overtaken, and the claim
 * of one that died lapses by itself.
 */
export const DEFAULT_CLAIM_TTL_MS = 35 * 60_000;

/** A pending row (or mail) another sender claimed within the claim lifetime: it is in flight. */
export function claimedByOther(
  row: { status: DeliveryStatus; claimedBy: string | null; claimedAt: string | null },
  owner: string,
  nowMs: number,
  ttlMs: number = DEFAULT_CLAIM_TTL_MS,
): boolean {
  if (row.status !== "pending" || !row.claimedBy || row.claimedBy === owner) return false;
  const at = Date.parse(row.claimedAt ?? "");
  return Number.isFinite(at) && at + ttlMs > nowMs;
}

export interface MailRecord {
  messageId: string;
  status: DeliveryStatus;
  to: string[];
  subject: string;
  attempts: number;
  failedRuns: number;
  lastError: string | null;
  sentAt: string | null;
  claimedBy: string | null;
  claimedAt: string | null;
  etag: string;
}

export type AlertPatch = Partial<Pick<AlertRecord, "status" | "attempts" | "failedRuns" | "lastError" | "sentAt" | "messageId" | "claimedBy" | "claimedAt">>;
export type MailPatch = Partial<Pick<MailRecord, "status" | "attempts" | "failedRuns" | "lastError" | "sentAt" | "claimedBy" | "claimedAt">>;

export interface AlertLedger {
  readonly tableName: string;
  /** Creates the table if missing (idempotent). */
  ensureTable(): Promise<void>;
  /** The recipient's rows for these alert ids (missing ids are absent from the map). */
  getAlerts(recipient: string, alertIds: readonly string[]): Promise<Map<string, AlertRecord>>;
  /** Rows of one message, from the recipient's partition. */
  alertsOfMessage(recipient: string, messageId: string): Promise<AlertRecord[]>;
  /**
   * Records the message in the pending index, then claims each alert for it: a new row is
   * created, an existing row is updated only if its etag still matches. Returns what this caller
   * claimed; alerts a concurrent run claimed first are left out.
   */
  claimAlerts(message: PendingMessage, alerts: readonly CauseAlert[], existing: ReadonlyMap<string, AlertRecord>): Promise<AlertRecord[]>;
  /** Merges each patch into its row, a transaction per 100 rows (rows of one recipient share a partition). */
  updateAlerts(recipient: string, updates: ReadonlyArray<{ alertId: string; patch: AlertPatch }>): Promise<void>;
  listPending(): Promise<PendingMessage[]>;
  deletePending(messageId: string): Promise<void>;
  getMail(messageId: string): Promise<MailRecord | null>;
  /** Creates or (etag-checked) re-claims the mail row as pending; null when another caller got there first. */
  claimMail(mail: { messageId: string; to: string[]; subject: string }, existing: MailRecord | null, claim?: Claim): Promise<MailRecord | null>;
  updateMail(messageId: string, patch: MailPatch): Promise<void>;
}

export const PENDING_PARTITION = "pending";
const MAX_BATCH = 100;
// The Table service allows 15 comparisons per filter: the PartitionKey plus 14 RowKeys.
const ROWKEYS_PER_QUERY = 14;
const MAX_ERROR_CHARS = 4000;

/**
 * Reversible key encoding: letters, digits and `@ . _ + = -` stay; every other UTF-8 byte
 * (including `~` itself) becomes `~XX`. Table keys may not contain `/ \ # ?` or controls.
 */
export function encodeKey(value: string): string {
  let out = "";
  for (const byte of Buffer.from(value, "utf8")) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9@._+=-]/.test(c) ? c : `~${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

export function decodeKey(key: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < key.length; i++) {
    if (key[i] === "~") {
      bytes.push(parseInt(key.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(key.charCodeAt(i));
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

export function recipientPartition(recipient: string): string {
  return `to~${encodeKey(recipient.trim().toLowerCase())}`;
}

/** Mail rows are bucketed by month from the message id's date (`digest-2026-11-23-…`). */
export function mailPartition(messageId: string): string {
  const m = /-(\d{4}-\d{2})-\d{2}-/.exec(messageId);
  return `mail~${m ? m[1] : "undated"}`;
}

export function createAlertLedger(table: TableClient): AlertLedger {
  return new TableAlertLedger(table);
}

type Entity = Record<string, unknown> & { partitionKey: string; rowKey: string };

class TableAlertLedger implements AlertLedger {
  constructor(private readonly table: TableClient) {}

  get tableName(): string {
    return this.table.tableName;
  }

  async ensureTable(): Promise<void> {
    // createTable swallows exactly TableAlreadyExists and rethrows the rest.
    await this.table.createTable();
  }

  async getAlerts(recipient: string, alertIds: readonly string[]): Promise<Map<string, AlertRecord>> {
    const pk = recipientPartition(recipient);
    const found = new Map<string, AlertRecord>();
    const ids = [...new Set(alertIds)];
    for (let i = 0; i < ids.length; i += ROWKEYS_PER_QUERY) {
      const chunk = ids.slice(i, i + ROWKEYS_PER_QUERY);
      const rowFilter = chunk.map((id) => odata`RowKey eq ${encodeKey(id)}`).join(" or ");
      const filter = `${odata`PartitionKey eq ${pk}`} and (${rowFilter})`;
      for await (const e of this.table.listEntities<Entity>({ queryOptions: { filter } })) {
        const rec = toAlertRecord(e);
        found.set(rec.alertId, rec);
      }
    }
    return found;
  }

  async alertsOfMessage(recipient: string, messageId: string): Promise<AlertRecord[]> {
    const filter = odata`PartitionKey eq ${recipientPartition(recipient)} and messageId eq ${messageId}`;
    const out: AlertRecord[] = [];
    for await (const e of this.table.listEntities<Entity>({ queryOptions: { filter } })) out.push(toAlertRecord(e));
    return out;
  }

  async claimAlerts(message: PendingMessage, alerts: readonly CauseAlert[], existing: ReadonlyMap<string, AlertRecord>): Promise<AlertRecord[]> {
    // The index goes first: if we crash after it, the next run finds it, sees no pending rows and drops it.
    await this.table.upsertEntity(
      {
        partitionKey: PENDING_PARTITION,
        rowKey: encodeKey(message.messageId),
        kind: message.kind,
        recipient: message.recipient,
        runId: message.runId,
        asOf: message.asOf,
        via: JSON.stringify(message.via),
        alertCount: alerts.length,
        claimedBy: message.claimedBy ?? "",
        claimedAt: message.claimedAt ?? "",
      },
      "Replace",
    );
    const pk = recipientPartition(message.recipient);
    const planned = alerts.map((alert) => {
      const before = existing.get(alert.id);
      const entity: Entity = {
        partitionKey: pk,
        rowKey: encodeKey(alert.id),
        status: "pending",
        messageId: message.messageId,
        runId: message.runId,
        asOf: message.asOf,
        recipient: message.recipient,
        alert: JSON.stringify(alert),
        via: JSON.stringify(message.via),
        attempts: before?.attempts ?? 0,
        failedRuns: before?.failedRuns ?? 0,
        lastError: before?.lastError ?? "",
        sentAt: "",
        claimedBy: message.claimedBy ?? "",
        claimedAt: message.claimedAt ?? "",
      };
      const action: TransactionAction = before ? ["update", entity, "Replace", { etag: before.etag }] : ["create", entity];
      return { alert, before, entity, action };
    });

    const claimed: AlertRecord[] = [];
    for (let i = 0; i < planned.length; i += MAX_BATCH) {
      const chunk = planned.slice(i, i + MAX_BATCH);
      try {
        const res = await this.table.submitTransaction(chunk.map((p) => p.action));
        for (const p of chunk) {
          const etag = res.getResponseForEntity(p.entity.rowKey)?.etag ?? "";
          claimed.push(toAlertRecord({ ...p.entity, etag }));
        }
      } catch (error) {
        if (!isConflict(error)) throw error;
        // Someone else claimed at least one of these: claim one by one and keep what we win.
        for (const p of chunk) {
          try {
            const res = p.before
              ? await this.table.updateEntity(p.entity, "Replace", { etag: p.before.etag })
              : await this.table.createEntity(p.entity);
            claimed.push(toAlertRecord({ ...p.entity, etag: res.etag ?? "" }));
          } catch (e) {
            if (!isConflict(e)) throw e;
          }
        }
      }
    }
    return claimed;
  }

  async updateAlerts(recipient: string, updates: ReadonlyArray<{ alertId: string; patch: AlertPatch }>): Promise<void> {
    const pk = recipientPartition(recipient);
    const byId = new Map(updates.map((u) => [u.alertId, u.patch]));
    const rows = [...byId.entries()];
    for (let i = 0; i < rows.length; i += MAX_BATCH) {
      const actions: TransactionAction[] = rows
        .slice(i, i + MAX_BATCH)
        .map(([id, patch]) => ["update", { partitionKey: pk, rowKey: encodeKey(id), ...patchFields(patch) }, "Merge"]);
      await this.table.submitTransaction(actions);
    }
  }

  async listPending(): Promise<PendingMessage[]> {
    const out: PendingMessage[] = [];
    const filter = odata`PartitionKey eq ${PENDING_PARTITION}`;
    for await (const e of this.table.listEntities<Entity>({ queryOptions: { filter } })) {
      out.push({
        messageId: decodeKey(e.rowKey),
        kind: "alerts",
        recipient: String(e.recipient ?? ""),
        runId: String(e.runId ?? ""),
        asOf: String(e.asOf ?? ""),
        via: parseJsonProperty<RouteReason[]>(e.via, []),
        ...(e.claimedBy ? { claimedBy: String(e.claimedBy), claimedAt: String(e.claimedAt ?? "") } : {}),
      });
    }
    return out.sort((a, b) => (a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0));
  }

  async deletePending(messageId: string): Promise<void> {
    try {
      await this.table.deleteEntity(PENDING_PARTITION, encodeKey(messageId));
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
  }

  async getMail(messageId: string): Promise<MailRecord | null> {
    try {
      const e = await this.table.getEntity<Entity>(mailPartition(messageId), encodeKey(messageId));
      return toMailRecord(e);
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw error;
    }
  }

  async claimMail(mail: { messageId: string; to: string[]; subject: string }, existing: MailRecord | null, claim?: Claim): Promise<MailRecord | null> {
    const entity: Entity = {
      partitionKey: mailPartition(mail.messageId),
      rowKey: encodeKey(mail.messageId),
      status: "pending",
      to: JSON.stringify(mail.to),
      subject: mail.subject.slice(0, MAX_ERROR_CHARS),
      attempts: existing?.attempts ?? 0,
      failedRuns: existing?.failedRuns ?? 0,
      lastError: existing?.lastError ?? "",
      sentAt: "",
      claimedBy: claim?.owner ?? "",
      claimedAt: claim?.at ?? "",
    };
    try {
      const res = existing ? await this.table.updateEntity(entity, "Replace", { etag: existing.etag }) : await this.table.createEntity(entity);
      return toMailRecord({ ...entity, etag: res.etag ?? "" });
    } catch (error) {
      if (isConflict(error)) return null;
      throw error;
    }
  }

  async updateMail(messageId: string, patch: MailPatch): Promise<void> {
    await this.table.updateEntity({ partitionKey: mailPartition(messageId), rowKey: encodeKey(messageId), ...patchFields(patch) }, "Merge");
  }
}

function patchFields(patch: AlertPatch | MailPatch): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    // Table Storage has no null: empty string stands for "none".
    out[k] = v === null ? "" : k === "lastError" ? String(v).slice(0, MAX_ERROR_CHARS) : v;
  }
  return out;
}

function toAlertRecord(e: Entity | TableEntityResult<Entity>): AlertRecord {
  const alert = parseJsonProperty<CauseAlert>(e.alert, null as unknown as CauseAlert);
  return {
    recipient: String(e.recipient ?? ""),
    alertId: decodeKey(e.rowKey),
    status: asStatus(e.status),
    messageId: String(e.messageId ?? ""),
    runId: String(e.runId ?? ""),
    asOf: String(e.asOf ?? ""),
    alert,
    via: parseJsonProperty<RouteReason[]>(e.via, []),
    attempts: Number(e.attempts ?? 0),
    failedRuns: Number(e.failedRuns ?? 0),
    lastError: e.lastError ? String(e.lastError) : null,
    sentAt: e.sentAt ? String(e.sentAt) : null,
    claimedBy: e.claimedBy ? String(e.claimedBy) : null,
    claimedAt: e.claimedAt ? String(e.claimedAt) : null,
    etag: String((e as { etag?: string }).etag ?? ""),
  };
}

function toMailRecord(e: Entity | TableEntityResult<Entity>): MailRecord {
  return {
    messageId: decodeKey(e.rowKey),
    status: asStatus(e.status),
    to: parseJsonProperty<string[]>(e.to, []),
    subject: String(e.subject ?? ""),
    attempts: Number(e.attempts ?? 0),
    failedRuns: Number(e.failedRuns ?? 0),
    lastError: e.lastError ? String(e.lastError) : null,
    sentAt: e.sentAt ? String(e.sentAt) : null,
    claimedBy: e.claimedBy ? String(e.claimedBy) : null,
    claimedAt: e.claimedAt ? String(e.claimedAt) : null,
    etag: String((e as { etag?: string }).etag ?? ""),
  };
}

function asStatus(value: unknown): DeliveryStatus {
  return value === "sent" || value === "failed" ? value : "pending";
}


function statusOf(error: unknown): number | undefined {
  return (error as { statusCode?: number } | null)?.statusCode;
}

/** 409 (already exists) or 412 (etag changed): another run claimed the row first. */
function isConflict(error: unknown): boolean {
  const s = statusOf(error);
  return s === 409 || s === 412;
}

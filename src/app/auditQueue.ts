/**
 * The queue that carries an accepted on-demand audit to auditWorker. The message is the run id
 * alone: the request (scope, asOf) is stored with the run record when the run is begun, so no
 * scope, however large, can overflow the 64 KiB a Storage Queue message may hold.
 */
import type { QueueClient } from "@azure/storage-queue";
import { queueSender } from "./queueSender.js";

export const AUDIT_QUEUE = "aksaudit-requests";

/** The host's default queues.maxDequeueCount (host.json does not change it); `aks-audit serve` follows it too. */
export const MAX_DEQUEUE_COUNT = 5;

export interface AuditMessage {
  runId: string;
}

export interface AuditQueue {
  readonly name: string;
  send(message: AuditMessage): Promise<void>;
}

/** Base64 JSON, as the Functions queue trigger decodes it by default. */
export function encodeAuditMessage(message: AuditMessage): string {
  return Buffer.from(JSON.stringify({ runId: message.runId }), "utf8").toString("base64");
}

export function createAuditQueue(client: QueueClient): AuditQueue {
  return { name: client.name, send: queueSender(client, encodeAuditMessage) };
}

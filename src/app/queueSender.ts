/** The one way the app puts a message on a Storage queue (audit requests, cluster scans). */
import type { QueueClient } from "@azure/storage-queue";

/**
 * Sends encoded messages, creating the queue on first use; a failed create is tried again by the
 * next send rather than remembered.
 */
export function queueSender<T>(client: QueueClient, encode: (message: T) => string): (message: T) => Promise<void> {
  let ready: Promise<unknown> | null = null;
  return async (message) => {
    ready ??= client.createIfNotExists().catch((error: unknown) => {
      ready = null;
      throw error;
    });
    await ready;
    await client.sendMessage(encode(message));
  };
}

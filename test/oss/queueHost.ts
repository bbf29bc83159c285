/**
 * What the Functions host does with a queue trigger, reduced to what the scan relies on: messages
 * are base64 JSON; a handler that throws leaves the message to be retried (visible again at once,
 * the host's default visibilityTimeout of 0); after maxDequeueCount attempts the message moves to
 * `<queue>-poison`. `redeliver` keeps a successfully handled message on the queue, as when the host
 * loses the message's lease before deleting it, so the same message is handled again.
 */
import type { QueueClient } from "@azure/storage-queue";

export interface DrainResult {
  handled: number;
  failures: number;
  poisoned: number;
}

export async function drainQueue(
  queue: QueueClient,
  poison: QueueClient,
  handler: (message: unknown) => Promise<void>,
  options: { maxDequeueCount?: number; concurrency?: number; redeliver?: (message: unknown, dequeueCount: number) => boolean } = {},
): Promise<DrainResult> {
  const max = options.maxDequeueCount ?? 5;
  const result: DrainResult = { handled: 0, failures: 0, poisoned: 0 };
  await poison.createIfNotExists();
  for (;;) {
    const { receivedMessageItems: items } = await queue.receiveMessages({ numberOfMessages: options.concurrency ?? 4, visibilityTimeout: 30 });
    if (items.length === 0) return result;
    await Promise.all(
      items.map(async (item) => {
        const message = JSON.parse(Buffer.from(item.messageText, "base64").toString("utf8")) as unknown;
        try {
          await handler(message);
          result.handled += 1;
          if (options.redeliver?.(message, item.dequeueCount)) {
            await queue.updateMessage(item.messageId, item.popReceipt, undefined, 0);
            return;
          }
          await queue.deleteMessage(item.messageId, item.popReceipt);
        } catch {
          result.failures += 1;
          if (item.dequeueCount >= max) {
            await poison.sendMessage(item.messageText);
            await queue.deleteMessage(item.messageId, item.popReceipt);
            result.poisoned += 1;
          } else await queue.updateMessage(item.messageId, item.popReceipt, undefined, 0);
        }
      }),
    );
  }
}

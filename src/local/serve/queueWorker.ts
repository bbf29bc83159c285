/**
 * The Functions host's queue triggers for `aks-audit serve`: each captured storageQueue
 * registration polls its queue on the local Azurite Queue service and calls its handler with the
 * message decoded as the host decodes it (base64, then JSON when it parses), `dequeueCount` in the
 * trigger metadata, and the host's retry rule: a failed message comes back, and after
 * MAX_DEQUEUE_COUNT tries it moves to `<queue>-poison`. So POST /api/audits' 202 is worked here by
 * the same auditWorker the deployed app runs.
 */
import functions from "@azure/functions";
import { QueueClient } from "@azure/storage-queue";
// Not from functions/: importing a function module registers it before serve can capture it.
import { MAX_DEQUEUE_COUNT } from "../../app/auditQueue.js";
import type { QueueRegistration } from "./capture.js";

// A CommonJS package whose classes Node cannot see as named exports from an ES module.
const { InvocationContext } = functions;

export { MAX_DEQUEUE_COUNT };

export interface QueueWorkerOptions {
  connectionString: string;
  registrations: readonly QueueRegistration[];
  /** How long an empty queue waits before the next look (default 500 ms). */
  pollMs?: number;
  /** How long a message being worked stays invisible to another look (default 10 min, as a long audit may take). */
  visibilitySeconds?: number;
  log?: (line: string) => void;
}

export interface QueueWorkers {
  /** Stops polling and waits for the messages being worked. */
  close(): Promise<void>;
}

/** Base64 JSON as the host hands it over; a message that is not JSON is passed as its text. */
export function decodeQueueMessage(text: string): unknown {
  const decoded = Buffer.from(text, "base64").toString("utf8");
  try {
    return JSON.parse(decoded) as unknown;
  } catch {
    return decoded;
  }
}

export async function startQueueWorkers(options: QueueWorkerOptions): Promise<QueueWorkers> {
  const log = options.log ?? (() => {});
  const pollMs = options.pollMs ?? 500;
  let stopping = false;
  const sleepers = new Set<() => void>();
  const loops: Promise<void>[] = [];
  for (const registration of options.registrations) {
    const queue = new QueueClient(options.connectionString, registration.options.queueName);
    const poison = new QueueClient(options.connectionString, `${registration.options.queueName}-poison`);
    await queue.createIfNotExists();
    loops.push(
      (async () => {
        while (!stopping) {
          let worked = false;
          try {
            const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 1, visibilityTimeout: options.visibilitySeconds ?? 600 });
            for (const item of receivedMessageItems) {
              worked = true;
              const context = new InvocationContext({
                functionName: registration.name,
                invocationId: item.messageId,
                logHandler: (level, ...args) => log(`${registration.name} ${level}: ${args.map(String).join(" ")}`),
                triggerMetadata: { id: item.messageId, dequeueCount: item.dequeueCount, insertionTime: item.insertedOn },
              });
              try {
                await registration.options.handler(decodeQueueMessage(item.messageText), context);
                await queue.deleteMessage(item.messageId, item.popReceipt);
              } catch (error) {
                log(`${registration.name} failed (try ${item.dequeueCount} of ${MAX_DEQUEUE_COUNT}): ${error instanceof Error ? error.message : String(error)}`);
                if (item.dequeueCount >= MAX_DEQUEUE_COUNT) {
                  await poison.createIfNotExists();
                  await poison.sendMessage(item.messageText);
                  await queue.deleteMessage(item.messageId, item.popReceipt);
                } else {
                  // Visible again shortly, as the host retries a failed message.
                  await queue.updateMessage(item.messageId, item.popReceipt, undefined, 1);
                }
              }
            }
          } catch (error) {
            if (stopping) break;
            log(`${registration.name}: the local queue did not answer: ${error instanceof Error ? error.message : String(error)}`);
          }
          if (!worked && !stopping) {
            await new Promise<void>((resolve) => {
              const wake = (): void => {
                clearTimeout(timer);
                sleepers.delete(wake);
                resolve();
              };
              const timer = setTimeout(wake, pollMs);
              sleepers.add(wake);
            });
          }
        }
      })(),
    );
  }
  return {
    async close() {
      stopping = true;
      for (const wake of [...sleepers]) wake();
      await Promise.all(loops);
    },
  };
}

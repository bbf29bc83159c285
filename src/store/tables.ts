/**
 * Table plumbing: clients, create-on-first-use, batched writes, retries and bounded concurrency.
 * Nothing here knows about runs or snapshots.
 */
import type { TokenCredential } from "@azure/core-auth";
import { RestError, TableClient, odata, type TableEntity, type TableEntityResult, type TransactionAction } from "@azure/data-tables";

export interface TableConnection {
  connectionString?: string;
  endpoint?: string;
  credential?: TokenCredential;
  /** Needed for Azurite on a custom port; inferred for loopback http endpoints. */
  allowInsecureConnection?: boolean;
}

export type Entity = TableEntity<Record<string, unknown>>;
/** An entity as read back; the service always returns both keys, the SDK's type just leaves them optional. */
export type StoredEntity = TableEntityResult<Record<string, unknown>> & { partitionKey: string; rowKey: string };

/** Azure allows 100 operations and 4 MiB per entity group transaction; stay below the bytes. */
const MAX_BATCH_ACTIONS = 100;
const MAX_BATCH_CHARS = 1_500_000;

export function tableClientFactory(connection: TableConnection): (table: string) => TableClient {
  if (connection.connectionString) {
    const connectionString = connection.connectionString;
    const allowInsecureConnection = connection.allowInsecureConnection ?? isLoopbackHttp(connectionString);
    return (table) => TableClient.fromConnectionString(connectionString, table, { allowInsecureConnection });
  }
  if (connection.endpoint && connection.credential) {
    const { endpoint, credential } = connection;
    const allowInsecureConnection = connection.allowInsecureConnection ?? isLoopbackHttp(endpoint);
    return (table) => new TableClient(endpoint, table, credential, { allowInsecureConnection });
  }
  throw new Error("the table store needs a connection string, or an endpoint and a credential");
}

/** Plain http is only ever implied for the local emulator; anything else must opt in explicitly. */
function isLoopbackHttp(text: string): boolean {
  const endpoint = /TableEndpoint=([^;]+)/i.exec(text)?.[1] ?? text;
  if (/^UseDevelopmentStorage=true/i.test(text)) return true;
  try {
    const url = new URL(endpoint);
    return url.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
  } catch {
    return false;
  }
}

const ensured = new WeakMap<TableClient, Promise<void>>();

/** Creates the table once per client; concurrent first uses share one request. */
export function ensureTable(client: TableClient): Promise<void> {
  let pending = ensured.get(client);
  if (!pending) {
    pending = withRetry(() => client.createTable()).catch((error: unknown) => {
      ensured.delete(client);
      throw error;
    });
    ensured.set(client, pending);
  }
  return pending;
}

export function isStatus(error: unknown, ...statuses: number[]): boolean {
  return error instanceof RestError && error.statusCode !== undefined && statuses.includes(error.statusCode);
}

export interface RetryOptions {
  retries?: number;
  baseDelayMs?: number;
}

/**
 * Retries 500 (operation timeout) and 503 (server busy), the two answers Table Storage gives when a
 * partition or the account is over its target, with exponential backoff and jitter. Everything else
 * (409, 412, 404, 400) is an answer, not a fault, and goes straight back to the caller.
 */
export async function withRetry<T>(fn: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const retries = options.retries ?? 4;
  const base = options.baseDelayMs ?? 200;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= retries || !isStatus(error, 500, 503)) throw error;
      await sleep(base * 2 ** attempt * (0.5 + Math.random()));
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs `fn` over items with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/** Point read that answers null for "not there" (404) and rethrows everything else. */
export async function getOrNull(client: TableClient, partitionKey: string, rowKey: string): Promise<StoredEntity | null> {
  try {
    return (await withRetry(() => client.getEntity<Record<string, unknown>>(partitionKey, rowKey))) as StoredEntity;
  } catch (error) {
    if (isStatus(error, 404)) return null;
    throw error;
  }
}

export interface RangeQuery {
  partitionKey: string;
  /** Row keys in [low, high). */
  low?: string;
  high?: string;
  /** Extra condition, already built with `odata`. */
  where?: string;
  select?: string[];
  pageSize?: number;
}

/** The filter of a partition/row-key range, built with `odata` so key values are always escaped. */
export function rangeFilter(q: RangeQuery): string {
  let filter = odata`PartitionKey eq ${q.partitionKey}`;
  if (q.low !== undefined) filter += odata` and RowKey ge ${q.low}`;
  if (q.high !== undefined) filter += odata` and RowKey lt ${q.high}`;
  if (q.where) filter += ` and (${q.where})`;
  return filter;
}

/** Entities of one partition in row-key order, following continuations as it goes. */
export async function* queryRange(client: TableClient, q: RangeQuery): AsyncGenerator<StoredEntity> {
  const queryOptions = { filter: rangeFilter(q), ...(q.select ? { select: q.select } : {}) };
  let continuationToken: string | undefined;
  do {
    // One fresh page iterator per request, so a retried request can never end the walk early.
    const token = continuationToken;
    const result = await withRetry(() =>
      client.listEntities<Record<string, unknown>>({ queryOptions }).byPage({ maxPageSize: q.pageSize ?? 1000, continuationToken: token }).next(),
    );
    if (result.done) return;
    yield* result.value as StoredEntity[];
    continuationToken = result.value.continuationToken;
  } while (continuationToken);
}

export async function collectRange(client: TableClient, q: RangeQuery): Promise<StoredEntity[]> {
  const out: StoredEntity[] = [];
  for await (const entity of queryRange(client, q)) out.push(entity);
  return out;
}

/** Rough wire size of an action, to keep a transaction under the 4 MiB payload limit. */
function actionChars(action: TransactionAction): number {
  let chars = 200;
  for (const value of Object.values(action[1])) chars += typeof value === "string" ? value.length * 2 : 32;
  return chars;
}

/**
 * Packs items whose actions must commit together (e.g. a link and its chain head) into
 * transactions of at most `maxActions` actions and ~1.5 MB, in order, never splitting an item.
 * All actions are expected to share one partition.
 */
export function packGroups<T>(items: readonly T[], actionsOf: (item: T) => readonly TransactionAction[], maxActions = MAX_BATCH_ACTIONS): T[][] {
  const limit = Math.min(Math.max(1, maxActions), MAX_BATCH_ACTIONS);
  const packed: T[][] = [];
  let batch: T[] = [];
  let actions = 0;
  let chars = 0;
  for (const item of items) {
    const group = actionsOf(item);
    if (group.length > MAX_BATCH_ACTIONS) throw new RangeError(`${group.length} actions that must commit together do not fit one transaction`);
    const size = group.reduce((sum, action) => sum + actionChars(action), 0);
    if (batch.length > 0 && (actions + group.length > limit || chars + size > MAX_BATCH_CHARS)) {
      packed.push(batch);
      batch = [];
      actions = 0;
      chars = 0;
    }
    batch.push(item);
    actions += group.length;
    chars += size;
  }
  if (batch.length > 0) packed.push(batch);
  return packed;
}

/**
 * Submits actions as entity group transactions: grouped by partition, at most 100 actions and
 * ~1.5 MB each; partitions run with bounded concurrency, a partition's batches in order.
 * A key may appear once per transaction, so later actions on the same row start a new batch.
 * With `distinctRows` (the caller names every row once), order cannot matter, so a partition's
 * batches go out side by side too: a page's run index or registry rows all share one partition.
 * With `mostlyNew` (upserts of rows that normally do not exist yet), a batch's upserts go out as
 * creates first and the batch is resent as given only if a row exists (409, e.g. a retried page):
 * the rows end the same either way. Azure prices both alike, but Azurite looks a row up by scanning
 * its partition, once for a create and twice for an upsert, which on a 10,000-row partition (a
 * run's index, the registry) made upserts several times slower (bench/azuritePartitions.ts).
 */
export async function submitBatches(
  client: TableClient,
  actions: readonly TransactionAction[],
  concurrency: number,
  options: { distinctRows?: boolean; mostlyNew?: boolean } = {},
): Promise<void> {
  const byPartition = new Map<string, TransactionAction[]>();
  for (const action of actions) {
    const pk = action[1].partitionKey;
    let list = byPartition.get(pk);
    if (!list) byPartition.set(pk, (list = []));
    list.push(action);
  }
  const batchesOf = (list: readonly TransactionAction[]): TransactionAction[][] => {
    const batches: TransactionAction[][] = [];
    let batch: TransactionAction[] = [];
    let rows = new Set<string>();
    let chars = 0;
    for (const action of list) {
      const size = actionChars(action);
      if (batch.length >= MAX_BATCH_ACTIONS || chars + size > MAX_BATCH_CHARS || rows.has(action[1].rowKey)) {
        batches.push(batch);
        batch = [];
        rows = new Set();
        chars = 0;
      }
      batch.push(action);
      rows.add(action[1].rowKey);
      chars += size;
    }
    if (batch.length > 0) batches.push(batch);
    return batches;
  };
  const submit = (batch: TransactionAction[]): Promise<unknown> => withRetry(() => client.submitTransaction(batch));
  const send = async (batch: TransactionAction[]): Promise<unknown> => {
    if (!options.mostlyNew || !batch.some(([verb]) => verb === "upsert")) return submit(batch);
    try {
      return await submit(batch.map((action): TransactionAction => (action[0] === "upsert" ? ["create", action[1]] : action)));
    } catch (error) {
      // A transaction commits whole or not at all, so after a 409 nothing of it was written.
      if (!isStatus(error, 409)) throw error;
      return submit(batch);
    }
  };
  if (options.distinctRows) {
    await mapLimit([...byPartition.values()].flatMap(batchesOf), concurrency, send);
    return;
  }
  await mapLimit([...byPartition.values()], concurrency, async (list) => {
    for (const batch of batchesOf(list)) await send(batch);
  });
}

/** Deletes every entity a range query finds, in batches; returns how many. Keys only are read. */
export async function deleteRange(client: TableClient, q: RangeQuery, concurrency: number): Promise<number> {
  let deleted = 0;
  let pending: TransactionAction[] = [];
  for await (const entity of queryRange(client, { ...q, select: ["PartitionKey", "RowKey"] })) {
    pending.push(["delete", { partitionKey: entity.partitionKey, rowKey: entity.rowKey }]);
    if (pending.length >= 1000) {
      await submitBatches(client, pending, concurrency);
      deleted += pending.length;
      pending = [];
    }
  }
  await submitBatches(client, pending, concurrency);
  return deleted + pending.length;
}

/** A JSON string property read back, or `fallback` when it is empty or not JSON (an edited entity). */
export function parseJsonProperty<T>(value: unknown, fallback: T): T {
  if (typeof value !== "string" || value === "") return fallback;
  try {
    return JSON.parse(value) as T;
  } catch {
    return fallback;
  }
}

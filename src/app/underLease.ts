/**
 * Work done under a lease (the sweep, the digest): taken first, renewed while the work runs, given
 * back at the end. A trigger that finds the lease held is logged and fails (LeaseHeldError), so the
 * host reports it and retries; it never looks like a run that succeeded. A release that fails is
 * logged and never replaces the work's own error: the short lease runs out by itself.
 */
import { errorMessage } from "./audit.js";
import { DEFAULT_RENEW_EVERY_MS, type Lease } from "../store/lease.js";

export interface LeaseLog {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export class LeaseHeldError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LeaseHeldError";
  }
}

export interface UnderLeaseOptions {
  /** What the work is, for the log: "sweep 20261124T060000Z-timer". */
  what: string;
  log: LeaseLog;
  renewEveryMs?: number;
  /** The host's retry of an earlier attempt of the same work (InvocationContext.retryContext). */
  retry?: boolean;
}

export async function underLease<T>(lease: Lease, holder: string, options: UnderLeaseOptions, work: () => Promise<T>): Promise<T> {
  const { what, log } = options;
  const claim = await lease.tryAcquire(holder, { retry: options.retry === true });
  if (!claim.acquired) {
    const message = `${what} skipped: ${claim.heldBy} holds the ${lease.name} lease until ${claim.expiresAt || "it is released"}; the host retries`;
    log.error(message);
    throw new LeaseHeldError(message);
  }
  if (claim.reentered) log.warn(`${what}: an earlier attempt of the same run left the lease behind; this retry re-entered it`);

  // Renewals run beside the work; the edge's timer only paces them, expiry is judged on the table's clock.
  let lost = false;
  let renewing: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    renewing = lease.renew(holder).then(
      (held) => {
        if (!held && !lost) {
          lost = true;
          log.error(`${what}: the lease ran out and was taken by another holder while this one worked`);
        }
      },
      (error: unknown) => log.warn(`${what}: renewing the lease failed (${errorMessage(error)}); trying again at the next renewal`),
    );
  }, options.renewEveryMs ?? DEFAULT_RENEW_EVERY_MS);
  timer.unref?.();

  let failed = false;
  let failure: unknown;
  let result: T | undefined;
  try {
    result = await work();
  } catch (error) {
    failed = true;
    failure = error;
  } finally {
    clearInterval(timer);
    await renewing;
  }
  try {
    await lease.release(holder);
  } catch (error) {
    log.warn(`${what}: releasing the lease failed (${errorMessage(error)}); it runs out by itself`);
  }
  if (failed) throw failure;
  return result as T;
}

/**
 * The client-side throttling the Azure adapters share (src/sources/throttle.ts), with a clock the
 * test owns, plus one Container Service sweep that runs a tiny ARM read bucket dry.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { ScopeError } from "../../src/core/types.js";
import { startFleetSimulator, type FleetSimulator } from "../../src/local/simulator/index.js";
import { createContainerServiceVersionSource } from "../../src/sources/containerService.js";
import { createStaticCredential } from "../../src/sources/credential.js";
import { parseTimeSpan, QuotaLimiter, retryAfterMs, SubscriptionLimiter, type Clock, type PipelinePolicy } from "../../src/sources/throttle.js";

/** A clock that only moves when someone sleeps; records each sleep. */
function manualClock(): Clock & { sleeps: number[]; t: number } {
  const clock = {
    t: 1_000_000,
    sleeps: [] as number[],
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.sleeps.push(ms);
      clock.t += ms;
    },
  };
  return clock;
}

const headers = (h: Record<string, string>) => ({ get: (name: string) => h[name.toLowerCase()] });

describe("time spans and Retry-After", () => {
  it("reads .NET time spans with and without fractions and days, and refuses other text", () => {
    expect(parseTimeSpan("00:00:03")).toBe(3000);
    expect(parseTimeSpan("00:00:00")).toBe(0);
    expect(parseTimeSpan("00:00:04.2500000")).toBe(4250);
    expect(parseTimeSpan("00:01:00.1")).toBe(60_100);
    expect(parseTimeSpan("1.02:00:00")).toBe(26 * 3600 * 1000);
    for (const bad of ["3", "00:00", "abc", "", null, undefined, "00:60:00x"]) expect(parseTimeSpan(bad as string)).toBeNull();
  });

  it("reads Retry-After as seconds, as an HTTP date, or ARM's millisecond headers", () => {
    const now = Date.parse("2026-12-01T10:00:00Z");
    expect(retryAfterMs(headers({ "retry-after": "7" }), now)).toBe(7000);
    expect(retryAfterMs(headers({ "retry-after": "Tue, 01 Dec 2026 10:00:05 GMT" }), now)).toBe(5000);
    expect(retryAfterMs(headers({ "retry-after-ms": "250", "retry-after": "9" }), now)).toBe(250);
    expect(retryAfterMs(headers({}), now)).toBeNull();
  });
});

describe("Resource Graph quota limiter", () => {
  it("does not wait while quota is left, and waits for the reset (plus slack) when none is", async () => {
    const clock = manualClock();
    const limiter = new QuotaLimiter(clock, 25);
    await limiter.acquire();
    limiter.observe(headers({ "x-ms-user-quota-remaining": "3", "x-ms-user-quota-resets-after": "00:00:04.0000000" }));
    await limiter.acquire();
    expect(clock.sleeps).toEqual([]);
    limiter.observe(headers({ "x-ms-user-quota-remaining": "0", "x-ms-user-quota-resets-after": "00:00:02.5000000" }));
    expect(limiter.pendingResetMs()).toBe(2500);
    await limiter.acquire();
    expect(clock.sleeps).toEqual([2525]);
  });

  it("treats a whole-second reset with none left as up to a second later, so 00:00:00 never sends early", async () => {
    const clock = manualClock();
    const limiter = new QuotaLimiter(clock, 25);
    limiter.observe(headers({ "x-ms-user-quota-remaining": "0", "x-ms-user-quota-resets-after": "00:00:00" }));
    await limiter.acquire();
    expect(clock.sleeps).toEqual([1025]);
    limiter.observe(headers({ "x-ms-user-quota-remaining": "0", "x-ms-user-quota-resets-after": "00:00:03" }));
    await limiter.acquire();
    expect(clock.sleeps).toEqual([1025, 4025]);
  });

  it("admits concurrent callers one at a time, so two cannot both spend the last query", async () => {
    const clock = manualClock();
    const limiter = new QuotaLimiter(clock, 0);
    limiter.observe(headers({ "x-ms-user-quota-remaining": "1", "x-ms-user-quota-resets-after": "00:00:05.0000000" }));
    await Promise.all([limiter.acquire(), limiter.acquire()]);
    expect(clock.sleeps).toEqual([5000]); // the second waited for the window
    expect(limiter.stats).toEqual({ waits: 1, waitedMs: 5000 });
  });

  it("ignores answers without usable quota headers", async () => {
    const clock = manualClock();
    const limiter = new QuotaLimiter(clock);
    limiter.observe(headers({ "x-ms-user-quota-remaining": "0" }));
    limiter.observe(headers({ "x-ms-user-quota-remaining": "none", "x-ms-user-quota-resets-after": "00:00:05" }));
    await limiter.acquire();
    expect(clock.sleeps).toEqual([]);
  });
});

describe("ARM per-subscription limiter", () => {
  type Next = Parameters<PipelinePolicy["sendRequest"]>[1];
  const request = (url: string) => ({ url }) as unknown as Parameters<PipelinePolicy["sendRequest"]>[0];

  it("spaces a subscription's requests by the refill interval once few reads are left, and leaves others alone", async () => {
    const clock = manualClock();
    const policy = new SubscriptionLimiter(clock, 4, 25).policy();
    const answer = (remaining: string): Next => async () => ({ status: 200, headers: headers({ "x-ms-ratelimit-remaining-subscription-reads": remaining }) }) as never;
    await policy.sendRequest(request("https://arm/subscriptions/AAA/providers/x"), answer("2"));
    await policy.sendRequest(request("https://arm/subscriptions/bbb/providers/x"), answer("240"));
    expect(clock.sleeps).toEqual([]);
    await policy.sendRequest(request("https://arm/subscriptions/aaa/providers/x"), answer("200"));
    expect(clock.sleeps).toEqual([120]); // (5 - 2) reads at 25/s, same subscription whatever its casing
    await policy.sendRequest(request("https://arm/subscriptions/bbb/providers/x"), answer("239"));
    expect(clock.sleeps).toEqual([120]);
  });

  it("caps concurrent requests per subscription", async () => {
    const clock = manualClock();
    const policy = new SubscriptionLimiter(clock, 2, 25).policy();
    let active = 0;
    let peak = 0;
    const slow: Next = async () => {
      active += 1;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 5));
      active -= 1;
      return { status: 200, headers: headers({}) } as never;
    };
    await Promise.all(Array.from({ length: 6 }, () => policy.sendRequest(request("https://arm/subscriptions/s1/x"), slow)));
    expect(peak).toBe(2);
  });
});

describe("a sweep against a tiny ARM read bucket", () => {
  let sim: FleetSimulator | undefined;
  afterEach(async () => {
    await sim?.close();
  });

  it("reads every upgrade profile of a subscription whose bucket holds 3 reads refilled at 20/s", async () => {
    sim = await startFleetSimulator({ clusters: 30, seed: 5, subscriptions: 1, quota: null, armQuota: { capacity: 3, refillPerSecond: 20 } });
    const src = createContainerServiceVersionSource({
      credential: createStaticCredential("bucket-test"),
      endpoint: sim.endpoint,
      tlsCa: sim.ca,
      retryOptions: { retryDelayInMs: 20, maxRetryDelayInMs: 200 },
    });
    const errors: ScopeError[] = [];
    const ids = Array.from({ length: sim.fleet.clusters }, (_, i) => String(sim!.fleet.clusterResource(i).id));
    const profiles = await Promise.all(ids.map((id) => src.upgradeProfile(id, errors)));
    expect(errors).toEqual([]);
    expect(profiles.map((p) => p?.clusterId)).toEqual(ids);
    // The bucket did run dry (the service refused some reads) and every refusal was retried, none lost.
    console.log("STATS", JSON.stringify(sim.stats.byStatus), src.stats);
    expect(sim.stats.byKind["upgrade-profile"]).toBe(ids.length + (sim.stats.byStatus["429"] ?? 0));
  });
});

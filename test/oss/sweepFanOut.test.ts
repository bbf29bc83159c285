/**
 * The timer sweep with in-cluster scanning on: scans go to the queue instead of running inside the
 * sweep's invocation, and the run stays open until they are done.
 */
import { QueueClient } from "@azure/storage-queue";
import { InvocationContext } from "@azure/functions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppContext } from "../../src/app/context.js";
import { SCAN_QUEUE } from "../../src/app/scanQueue.js";
import { provideAppContext } from "../../src/functions/runtime.js";
import { sweep } from "../../src/functions/sweep.js";
import { timerAt } from "../functions/harness.js";
import { useOssBed } from "./harness.js";

const bed = useOssBed({ clusters: 8, seed: 5, plans: (clusters) => ({ [clusters[0]!.name]: { installs: [{ software: "keda", version: "2.14.0" }] } }) });

let ctx: AppContext;
beforeAll(async () => {
  ctx = await bed.context({ OSS_SCAN_ENABLED: "true" });
  provideAppContext(ctx);
});
afterAll(() => provideAppContext(null));

describe("the timer sweep with OSS_SCAN_ENABLED", () => {
  it("queues one scan per cluster and leaves the run open for the workers", async () => {
    await sweep(timerAt("2026-11-24T06:00:00Z"), new InvocationContext({ functionName: "sweep", logHandler: () => undefined }));
    const queue = new QueueClient(bed.queues.connectionString, SCAN_QUEUE);
    const props = await queue.getProperties();
    expect(props.approximateMessagesCount).toBe(bed.clusters.length);
    const store = await ctx.store();
    expect((await store.getRun("20261124T060000Z-timer"))?.status).toBe("running");
  });
});

/**
 * The fleet view's slow filters (text, deadline window) read chains; one page reads a bounded
 * number of them, so a rare match in a large run comes back over several short requests, each
 * with a token to go on, never as one request that reads the whole run.
 */
import { describe, expect, it } from "vitest";
import { createTableHistoryStore } from "../../src/store/index.js";
import { useAzurite } from "../helpers/azurite.js";
import { cluster, finished, integration, runRecord } from "./fixtures.js";

const azurite = useAzurite();

describe("filtered fleet pages", () => {
  it("a rare text match is reached over short pages that each read a bounded number of chains", async () => {
    const store = await createTableHistoryStore({ connectionString: azurite.connectionString, tablePrefix: azurite.freshPrefix(), concurrency: 4, fleetScanReads: 4 });
    const names = Array.from({ length: 12 }, (_, i) => `aks-${String(i).padStart(2, "0")}`);
    const clusters = names.map((name, i) => cluster(name, i >= 10 ? [integration("rare-addon", "warning", "aks-managed")] : [integration("common", "ok", "aks-managed")]));
    const run = runRecord("run-1", "2026-11-20");
    await store.beginRun(run);
    await store.saveSnapshots(run, clusters);
    await store.completeRun(finished(run, clusters));

    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const page = await store.fleetAsOf("2026-11-30", { q: "rare", limit: 2, continuationToken: token });
      pages.push(page!.clusters.map((c) => c.name));
      token = page!.continuationToken ?? undefined;
      expect(pages.length).toBeLessThanOrEqual(5);
    } while (token);
    // 12 rows at 4 chain reads a page: two empty pages with tokens, then the matches.
    expect(pages.slice(0, 2)).toEqual([[], []]);
    expect(pages.flat()).toEqual(["aks-10", "aks-11"]);
    // Only the integrations the text matched, since it did not match the cluster's name.
    const last = await store.fleetAsOf("2026-11-30", { q: "rare-addon", limit: 50 });
    expect(last!.clusters.flatMap((c) => c.integrations.map((i) => i.name))).toEqual(["rare-addon", "rare-addon"]);
    await store.close();
  });
});

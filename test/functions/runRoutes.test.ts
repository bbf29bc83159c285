/**
 * The run root over HTTP and in mail: GET /api/runs/{runId} shows it, the weekly digest carries it,
 * GET /api/verify?root checks a held copy, and GET /api/runs/{runId}/evidence hands out a bundle
 * that verifies offline. Timer sweeps from the fleet simulator into Azurite, handlers called directly.
 */
import { describe, expect, it } from "vitest";
import { verifyBundle, type EvidenceBundle } from "../../src/core/evidence.js";
import type { RunRecord, VerifyResult } from "../../src/core/ports.js";
import { run } from "../../src/functions/run.js";
import { runEvidence } from "../../src/functions/runEvidence.js";
import { sweep } from "../../src/functions/sweep.js";
import { verify } from "../../src/functions/verify.js";
import { weeklyDigest } from "../../src/functions/weeklyDigest.js";
import { header, invocation, json, request, timerAt, useFunctionsHarness } from "./harness.js";

const h = useFunctionsHarness({ clusters: 4 });
const FIRST = "20261116T060000Z-timer";
const SECOND = "20261123T060000Z-timer";

const getRun = (runId: string) => run(request(`/api/runs/${runId}`, { params: { runId } }), invocation("run"));

describe("run roots over HTTP", () => {
  it("GET /api/runs/{runId} shows each sweep's root and the root it links to", async () => {
    await sweep(timerAt("2026-11-16T06:00:00Z"), invocation("sweep"));
    await sweep(timerAt("2026-11-23T06:00:00Z"), invocation("sweep"));
    const first = json<RunRecord>(await getRun(FIRST));
    const second = json<RunRecord>(await getRun(SECOND));
    expect(first.root).toMatchObject({ seq: 1, previousRoot: "", clusters: 4, hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(second.root).toMatchObject({ seq: 2, previousRoot: first.root!.hash, clusters: 4 });
  });

  it("an unknown run is a 404 and a malformed id a 400, both problem+json naming runId", async () => {
    const missing = await getRun("20261124T060000Z-nothere");
    expect(missing.status).toBe(404);
    expect(header(missing, "content-type")).toContain("application/problem+json");
    expect(json(missing)).toMatchObject({ status: 404, parameter: "runId" });
    const bad = await getRun("not-a-run");
    expect(bad.status).toBe(400);
    expect(json(bad)).toMatchObject({ status: 400, parameter: "runId" });
    const badEvidence = await runEvidence(request("/api/runs/x/evidence", { params: { runId: "x" } }), invocation("runEvidence"));
    expect(json(badEvidence)).toMatchObject({ status: 400, parameter: "runId" });
  });

  it("the weekly digest's footer carries the latest fleet run's root", async () => {
    const second = json<RunRecord>(await getRun(SECOND));
    await weeklyDigest(timerAt("2026-11-23T07:00:00Z"), invocation("weeklyDigest"));
    expect(h.mail.length).toBeGreaterThan(0);
    for (const mail of h.mail.filter((m) => m.messageId.startsWith("digest-"))) {
      expect(mail.text).toContain(`Run root ${second.root!.hash}`);
      expect(mail.html).toContain(`Run root ${second.root!.hash}`);
    }
  });

  it("GET /api/verify?root checks a held root; a malformed one is a 400 naming root", async () => {
    const second = json<RunRecord>(await getRun(SECOND));
    const held = json<VerifyResult>(await verify(request(`/api/verify?root=${second.root!.hash}`), invocation("verify")));
    expect(held).toMatchObject({ ok: true, root: { ok: true, runId: SECOND, seq: 2, chain: { first: 1, last: 2 } } });
    // A held root alone is not a fleet-wide verify: no stored snapshot chain is walked.
    expect(held.snapshotsChecked).toBe(0);
    const unknown = json<VerifyResult>(await verify(request(`/api/verify?root=${"c".repeat(64)}`), invocation("verify")));
    expect(unknown.ok).toBe(false);
    expect(unknown.root!.broken).toEqual([expect.objectContaining({ field: "root" })]);
    const bad = await verify(request("/api/verify?root=xyz"), invocation("verify"));
    expect(bad.status).toBe(400);
    expect(json(bad)).toMatchObject({ parameter: "root" });
  });

  it("GET /api/runs/{runId}/evidence is a download that verifies with no store", async () => {
    const response = await runEvidence(request(`/api/runs/${FIRST}/evidence`, { params: { runId: FIRST } }), invocation("runEvidence"));
    expect(response.status).toBe(200);
    expect(header(response, "content-disposition")).toBe(`attachment; filename="evidence-${FIRST}.json"`);
    const bundle = json<EvidenceBundle>(response);
    expect(bundle.rootChain.map((r) => r.runId)).toEqual([FIRST]);
    expect(verifyBundle(bundle)).toEqual({ ok: true, clusters: 4, root: bundle.run.root!.hash });
  });
});

/**
 * SendGrid faults on the window alerts of a real audit: the simulated fleet is swept into Azurite,
 * its stored report raises the alerts, and the real @sendgrid/mail client delivers them to the
 * loopback fake while the fake misbehaves. Duplicates are counted where they would hurt: at the
 * fake. test/notify/deliver.test.ts proves each rule on a hand-built report; this proves them over
 * several runs of a swept fleet, and through the app's own entry point for the crash.
 */
import { TableClient } from "@azure/data-tables";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createAppContext } from "../../src/app/context.js";
import { sendWindowAlerts } from "../../src/app/notify.js";
import type { Recipients } from "../../src/config.js";
import { loadConfig } from "../../src/config.js";
import { dueCauseAlerts } from "../../src/core/alerts.js";
import type { MailTransport } from "../../src/core/ports.js";
import type { AuditReport } from "../../src/core/report.js";
import { startFleetSimulator, type FleetSimulator } from "../../src/local/simulator/index.js";
import { deliverAlerts, type DeliveryDeps, type DeliveryResult } from "../../src/notify/deliver.js";
import { createAlertLedger, type AlertLedger } from "../../src/notify/ledger.js";
import { createSendGridTransport } from "../../src/notify/sendgrid.js";
import { createStaticCredential } from "../../src/sources/credential.js";
import { useAzurite } from "../helpers/azurite.js";
import { startSendGridFake, type SendGridFake } from "../helpers/sendgridFake.js";
import { AS_OF, armSources, audit, openStore } from "./helpers/audit.js";
import { recordFigures } from "./helpers/results.js";

const azurite = useAzurite();
const RECIPIENTS: Recipients = { defaults: ["ops@example.com", "platform@example.com"], bySubscription: {}, tagName: null };
/** Three sweeps of the same fleet on the same day: the same alerts are due in each. */
const RUNS = ["20261124T060000Z-first", "20261124T070000Z-second", "20261124T080000Z-third"];
let sim: FleetSimulator;
let fake: SendGridFake;
let prefix: string;
const reports: AuditReport[] = [];
let ledger: AlertLedger;
let sleeps: number[];
let ledgers = 0;

beforeAll(async () => {
  [sim, fake] = await Promise.all([startFleetSimulator({ seed: 53, clusters: 12, quota: null, armQuota: null }), startSendGridFake()]);
  prefix = azurite.freshPrefix();
  const store = await openStore(azurite.connectionString, prefix);
  for (const runId of RUNS) {
    await audit({ ...armSources(sim), store }, runId);
    reports.push((await store.runReport(runId))!);
  }
  // Several causes due, so one message carries more than one alert.
  expect(dueCauseAlerts(reports[0]!.clusters, { asOf: reports[0]!.asOf }).length).toBeGreaterThan(1);
});
afterAll(async () => {
  await Promise.all([sim?.close(), fake?.close()]);
});
beforeEach(() => {
  ledgers += 1;
  ledger = createAlertLedger(TableClient.fromConnectionString(azurite.connectionString, `${prefix}ledger${ledgers}`, { allowInsecureConnection: true }));
  sleeps = [];
  fake.accepted.length = 0;
  fake.invalid.length = 0;
  fake.requests = 0;
  fake.setDefault(null);
});

function transport(timeoutMs = 2_000): MailTransport {
  return createSendGridTransport({ apiKey: fake.apiKey, from: "auditor@example.com", endpoint: fake.endpoint, timeoutMs });
}

function deps(overrides: Partial<DeliveryDeps> = {}): DeliveryDeps {
  return { transport: transport(), ledger, sleep: async (ms) => void sleeps.push(ms), ...overrides };
}

const deliver = (run: number, extra: Partial<DeliveryDeps> = {}): Promise<DeliveryResult> => deliverAlerts(deps(extra), { report: reports[run]!, recipients: RECIPIENTS });

/**
 * Every copy of a message id the fake accepted beyond the first, and how many of those are the
 * re-send the design allows (one, for a message whose acceptance was never recorded).
 */
function copies(allowedResends: ReadonlySet<string> = new Set()): { duplicates: number; allowed: number } {
  const counts = new Map<string, number>();
  for (const m of fake.accepted) counts.set(m.messageId ?? "?", (counts.get(m.messageId ?? "?") ?? 0) + 1);
  let duplicates = 0;
  let allowed = 0;
  for (const [id, n] of counts) {
    duplicates += n - 1;
    if (allowedResends.has(id)) allowed += Math.min(1, n - 1);
  }
  return { duplicates, allowed };
}

/** Records the copies for docs/reliability.md and returns those beyond what the design allows (must be 0). */
function recordCopies(allowedResends: ReadonlySet<string> = new Set()): number {
  const { duplicates, allowed } = copies(allowedResends);
  recordFigures({ duplicateEmails: duplicates, allowedResends: allowed });
  return duplicates - allowed;
}

/** Every alert of the run is recorded sent exactly once per recipient, and nothing is left pending. */
async function expectLedgerAllSent(): Promise<void> {
  const due = dueCauseAlerts(reports[0]!.clusters, { asOf: reports[0]!.asOf });
  for (const recipient of RECIPIENTS.defaults) {
    const rows = await ledger.getAlerts(recipient, due.map((a) => a.id));
    expect(rows.size).toBe(due.length);
    expect([...rows.values()].every((r) => r.status === "sent")).toBe(true);
  }
  expect(await ledger.listPending()).toEqual([]);
}

describe("SendGrid faults", () => {
  it("a 429 with Retry-After waits as told and each message goes out once", async () => {
    fake.enqueue({ status: 429, headers: { "Retry-After": "2" }, body: { errors: [{ message: "too many requests", field: null }] } });
    const first = await deliver(0);
    await deliver(1);
    await deliver(2);
    const unexpected = recordCopies();
    expect(first.messages.map((m) => m.status)).toEqual(["sent", "sent"]);
    expect(sleeps).toEqual([2_000]);
    expect(fake.accepted).toHaveLength(2);
    expect(unexpected).toBe(0);
    await expectLedgerAllSent();
  });

  it("a 429 whose Retry-After is beyond the cap leaves the message pending, and the next run sends it once", async () => {
    fake.enqueue({ status: 429, headers: { "Retry-After": "3600" } });
    const first = await deliver(0);
    expect(first.messages.map((m) => m.status).sort()).toEqual(["pending", "sent"]);
    const second = await deliver(1);
    await deliver(2);
    const unexpected = recordCopies();
    expect(second.messages).toEqual([expect.objectContaining({ status: "sent", resend: true, messageId: first.messages.find((m) => m.status === "pending")!.messageId })]);
    expect(fake.accepted).toHaveLength(2);
    expect(unexpected).toBe(0);
    await expectLedgerAllSent();
  });

  it("a 500 on every attempt leaves both messages pending; the next run sends each once under its id", async () => {
    fake.setDefault({ status: 500, body: { errors: [{ message: "internal error", field: null }] } });
    const first = await deliver(0);
    expect(first.messages.map((m) => [m.status, m.attempts])).toEqual([["pending", 4], ["pending", 4]]);
    expect(fake.accepted).toHaveLength(0);
    fake.setDefault(null);
    const second = await deliver(1);
    const third = await deliver(2);
    const unexpected = recordCopies();
    expect(second.messages.map((m) => m.messageId).sort()).toEqual(first.messages.map((m) => m.messageId).sort());
    expect(third.messages).toEqual([]);
    expect(fake.accepted).toHaveLength(2);
    expect(unexpected).toBe(0);
    await expectLedgerAllSent();
  });

  it("a timeout on a request SendGrid then fails is not retried in the run; the next run sends each message once", async () => {
    fake.enqueue({ status: 503, delayMs: 400 });
    const first = await deliver(0, { transport: transport(150) });
    await deliver(1);
    const unexpected = recordCopies();
    expect(first.messages.map((m) => m.status)).toEqual(["pending", "sent"]);
    expect(first.messages[0]!.attempts).toBe(1);
    expect(fake.accepted).toHaveLength(2);
    expect(unexpected).toBe(0);
    await expectLedgerAllSent();
  });

  it("a timeout on a request SendGrid accepted (the answer was lost) costs at most one re-send under the same id", async () => {
    fake.enqueue({ status: 202, delayMs: 400 });
    const first = await deliver(0, { transport: transport(150) });
    // Let the slow acceptance land at the fake before counting.
    const lostId = first.messages[0]!.messageId;
    for (let i = 0; i < 150 && fake.accepted.filter((m) => m.messageId === lostId).length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    await deliver(1);
    await deliver(2);
    const lostAck = new Set([first.messages[0]!.messageId]);
    const unexpected = recordCopies(lostAck);
    expect(fake.accepted.filter((m) => m.messageId === first.messages[0]!.messageId)).toHaveLength(2);
    expect(fake.accepted).toHaveLength(3);
    expect(unexpected).toBe(0);
    await expectLedgerAllSent();
  });

  it("a 400 with an error body is recorded failed with SendGrid's words, retried once a run, then given up", async () => {
    const words = "The from address does not match a verified Sender Identity.";
    fake.setDefault({ status: 400, body: { errors: [{ message: words, field: "from", help: null }] } });
    const results = [await deliver(0), await deliver(1), await deliver(2), await deliverAlerts(deps(), { report: reports[2]!, recipients: RECIPIENTS })];
    const unexpected = recordCopies();
    expect(results[0]!.messages.map((m) => m.status)).toEqual(["failed", "failed"]);
    expect(results[0]!.messages[0]!.error).toContain(`${words} (from)`);
    expect(fake.requests).toBe(6); // one per message per run for 3 runs (maxFailedRuns), not retried within a run
    expect(results[3]!.messages).toEqual([]);
    expect(results[3]!.givenUp).toBeGreaterThan(0);
    const rows = await ledger.getAlerts("ops@example.com", dueCauseAlerts(reports[0]!.clusters, { asOf: reports[0]!.asOf }).map((a) => a.id));
    expect([...rows.values()].every((r) => r.status === "failed" && r.failedRuns === 3 && r.lastError?.includes(words))).toBe(true);
    expect(fake.accepted).toHaveLength(0);
    expect(unexpected).toBe(0);
  });

  it("a transport that fails after SendGrid accepted is re-sent by the next run under the same id: one re-send, never a second", async () => {
    const real = transport();
    let failOnce = true;
    const flaky: MailTransport = {
      name: "flaky",
      send: async (mail) => {
        await real.send(mail);
        if (failOnce) {
          failOnce = false;
          throw new Error("socket hang up after the 202");
        }
      },
    };
    const first = await deliver(0, { transport: flaky });
    await deliver(1);
    await deliver(2);
    const resent = new Set([first.messages[0]!.messageId]);
    const unexpected = recordCopies(resent);
    // A failure without an answer may be an acceptance: not retried in the run, left pending.
    expect(first.messages.map((m) => m.status)).toEqual(["pending", "sent"]);
    expect(fake.accepted.filter((m) => resent.has(m.messageId!))).toHaveLength(2);
    expect(unexpected).toBe(0);
    await expectLedgerAllSent();
  });

  it("two concurrent senders over the same pending set, 20 trials: every message accepted exactly once", async () => {
    const TRIALS = 20;
    // Which two deliveries race: the same run twice (a retried sweep), a recovery against the same
    // run's retry, or two recoveries (sweep still retrying at digest time).
    const pairs: [number, number][] = [[0, 0], [0, 1], [1, 2]];
    let extraCopies = 0;
    let messages = 0;
    for (let trial = 0; trial < TRIALS; trial++) {
      ledgers += 1;
      ledger = createAlertLedger(TableClient.fromConnectionString(azurite.connectionString, `${prefix}race${ledgers}`, { allowInsecureConnection: true }));
      fake.accepted.length = 0;
      fake.setDefault({ status: 500 });
      const pending = await deliverAlerts(deps(), { report: reports[0]!, recipients: RECIPIENTS }, { retry: { maxAttempts: 1 } });
      expect(pending.messages.map((m) => m.status)).toEqual(["pending", "pending"]);
      fake.setDefault(null);
      // A random pause before each send varies how the two senders interleave.
      const jittered = (): MailTransport => {
        const real = transport();
        return { name: "jittered", send: async (mail) => (await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 15))), real.send(mail)) };
      };
      const [a, b] = pairs[trial % pairs.length]!;
      await Promise.all([deliver(a, { transport: jittered() }), deliver(b, { transport: jittered() })]);
      const counts = new Map<string, number>();
      for (const m of fake.accepted) counts.set(m.messageId!, (counts.get(m.messageId!) ?? 0) + 1);
      messages += counts.size;
      extraCopies += [...counts.values()].reduce((sum, n) => sum + n - 1, 0);
      expect([...counts.keys()].sort()).toEqual(pending.messages.map((m) => m.messageId).sort());
      await expectLedgerAllSent();
    }
    recordFigures({ duplicateEmails: extraCopies, allowedResends: 0, concurrentSenders: { trials: TRIALS, messages, extraCopies } });
    expect(messages).toBe(TRIALS * 2);
    expect(extraCopies).toBe(0);
  });

  it("a crash between SendGrid's acceptance and the ledger update: the next sweep re-sends that one message once, never again", async () => {
    const config = loadConfig(
      { TABLE_PREFIX: prefix, ARM_ENDPOINT: sim.endpoint, MAIL_TO: RECIPIENTS.defaults.join(","), SENDGRID_API_KEY: fake.apiKey, SENDGRID_ENDPOINT: fake.endpoint },
      "/tmp",
    );
    const open = (t?: MailTransport) =>
      createAppContext(config, { credential: createStaticCredential(), armCa: sim.ca, tablesConnectionString: azurite.connectionString, ...(t ? { transport: t } : {}) });
    // The process dies right after SendGrid accepted the first message: nothing after the send runs.
    const real = transport();
    const dying: MailTransport = { name: "dying", send: async (mail) => (await real.send(mail), new Promise<never>(() => undefined)) };
    const crashed = await open(dying);
    void sendWindowAlerts(crashed, reports[0]!, { asOf: AS_OF });
    for (let i = 0; i < 100 && fake.accepted.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(fake.accepted).toHaveLength(1);
    const lost = fake.accepted[0]!.messageId!;

    // The next sweeps run in a fresh process, on the latest stored run, through the configured SendGrid transport.
    // The next sweep is the next day: the dead sender's claim has long lapsed.
    const next = await open();
    const tomorrow = () => new Date(Date.now() + 86_400_000);
    const second = await sendWindowAlerts(next, null, { asOf: AS_OF, now: tomorrow });
    const third = await sendWindowAlerts(next, null, { asOf: AS_OF, now: tomorrow });
    const unexpected = recordCopies(new Set([lost]));
    expect(second).toEqual({ sent: 2, pending: 0, failed: 0 }); // the re-send, and the message the crash never reached
    expect(third).toEqual({ sent: 0, pending: 0, failed: 0 });
    expect(fake.accepted.filter((m) => m.messageId === lost)).toHaveLength(2);
    expect(fake.accepted).toHaveLength(3);
    expect(unexpected).toBe(0);
    expect(await createAlertLedger((await next.store()).ledgerTable()).listPending()).toEqual([]);
    await Promise.all([crashed.close(), next.close()]);
  });
});

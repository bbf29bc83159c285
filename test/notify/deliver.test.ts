/**
 * Exactly-once delivery end to end: the real @sendgrid/mail client against the loopback fake,
 * and the ledger in an in-process Azurite (a fresh table per test).
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { TableClient } from "@azure/data-tables";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startLocalTables, type LocalTables } from "../../src/local/azurite.js";
import { createAlertLedger, decodeKey, encodeKey, type AlertLedger } from "../../src/notify/ledger.js";
import { deliverAlerts, deliverMail, type DeliveryDeps } from "../../src/notify/deliver.js";
import { createSendGridTransport } from "../../src/notify/sendgrid.js";
import { createOutboxTransport } from "../../src/notify/outbox.js";
import { dueCauseAlerts, type CauseAlert } from "../../src/core/alerts.js";
import { buildDigests, messageIdFor } from "../../src/core/digest.js";
import type { Recipients } from "../../src/config.js";
import { startSendGridFake, type SendGridFake } from "../helpers/sendgridFake.js";
import { SUB_A, XSS, cluster, deadline, fleet, integration, recipients, report } from "./reportFixtures.js";

let tables: LocalTables;
let fake: SendGridFake;
let table: TableClient;
let ledger: AlertLedger;
let sleeps: number[];
let tableCount = 0;

beforeAll(async () => {
  [tables, fake] = await Promise.all([startLocalTables({ inMemory: true }), startSendGridFake()]);
});
afterAll(async () => {
  await Promise.all([tables?.close(), fake?.close()]);
});
beforeEach(() => {
  tableCount += 1;
  table = TableClient.fromConnectionString(tables.connectionString, `alertledger${tableCount}${process.pid}`, { allowInsecureConnection: true });
  ledger = createAlertLedger(table);
  sleeps = [];
  fake.accepted.length = 0;
  fake.invalid.length = 0;
  fake.requests = 0;
  fake.setDefault(null);
});

function deps(overrides: Partial<DeliveryDeps> = {}): DeliveryDeps {
  return {
    transport: createSendGridTransport({ apiKey: fake.apiKey, from: "auditor@example.com", endpoint: fake.endpoint, timeoutMs: 2_000 }),
    ledger,
    sleep: async (ms) => void sleeps.push(ms),
    now: () => new Date("2026-11-23T07:00:00Z"),
    ...overrides,
  };
}

const D1 = "2026-11-23";
const nextDay = "2026-11-24";
const opsOnly = recipients({ defaults: ["ops@x.com"] });
const everyone: Recipients = recipients({ defaults: ["ops@x.com"], bySubscription: { [SUB_A]: ["a-team@x.com"] }, tagName: "owner" });

/** The fleet on a given day, with deadlines fixed on the calendar (they get closer day by day). */
function fleetOn(asOf: string, runId: string) {
  const daysLeft = 45 - Math.round((Date.parse(asOf) - Date.parse(D1)) / 86_400_000);
  return report(asOf, fleet(asOf, daysLeft), runId);
}

async function rows() {
  const out: Record<string, unknown>[] = [];
  for await (const e of table.listEntities()) out.push(e);
  return out;
}

describe("window alerts delivered through SendGrid, once", () => {
  it("sends one message per recipient with the right clusters", async () => {
    const result = await deliverAlerts(deps(), { report: fleetOn(D1, "run-1"), recipients: everyone });
    expect(result.messages.map((m) => [m.to[0], m.status])).toEqual([
      ["a-team@x.com", "sent"],
      ["ops@x.com", "sent"],
      ["team@x.com", "sent"],
    ]);
    expect(fake.invalid).toEqual([]);
    const byTo = new Map(fake.accepted.map((m) => [m.to.join(","), m]));
    expect([...byTo.keys()].sort()).toEqual(["a-team@x.com", "ops@x.com", "team@x.com"]);
    // Two causes (http_application_routing retiring on two clusters, open-service-mesh on one): each once per recipient.
    expect(byTo.get("a-team@x.com")!.subject).toBe("AKS: http_application_routing retires in 45 days for 2 clusters");
    expect(byTo.get("team@x.com")!.subject).toBe("AKS: open-service-mesh retires in 45 days for 1 cluster");
    expect(byTo.get("ops@x.com")!.subject).toBe("AKS: http_application_routing retires in 45 days for 2 clusters, 1 more deadline");
    expect(byTo.get("ops@x.com")!.text).toContain("aks-prod-1 | rg-aks");
    expect(byTo.get("ops@x.com")!.text).toContain("aks-team-x | rg-aks");
    expect(byTo.get("team@x.com")!.text).not.toContain("aks-prod-1");
    expect(byTo.get("ops@x.com")!.messageId).toBe(messageIdFor("alerts", "run-1", D1, "ops@x.com"));
    const ledgerRows = await rows();
    expect(ledgerRows.filter((r) => r.status === "sent")).toHaveLength(4); // ops 2 causes, a-team 1, team 1
    expect(ledgerRows.filter((r) => r.partitionKey === "pending")).toHaveLength(0);
  });

  it("a second run sends no duplicates, and the next threshold alerts once more", async () => {
    await deliverAlerts(deps(), { report: fleetOn(D1, "run-1"), recipients: opsOnly });
    expect(fake.accepted).toHaveLength(1);

    const again = await deliverAlerts(deps(), { report: fleetOn(D1, "run-1"), recipients: opsOnly });
    const tomorrow = await deliverAlerts(deps(), { report: fleetOn(nextDay, "run-2"), recipients: opsOnly });
    expect(again.messages).toEqual([]);
    expect(tomorrow.messages).toEqual([]);
    expect(tomorrow.alreadySent).toBe(2);
    expect(fake.accepted).toHaveLength(1);

    // 30 days left: a new threshold, so one more message; the day after, nothing again.
    await deliverAlerts(deps(), { report: fleetOn("2026-12-08", "run-16"), recipients: opsOnly });
    await deliverAlerts(deps(), { report: fleetOn("2026-12-09", "run-17"), recipients: opsOnly });
    expect(fake.accepted.map((m) => m.subject)).toEqual([
      "AKS: http_application_routing retires in 45 days for 2 clusters, 1 more deadline",
      "AKS: http_application_routing retires in 30 days for 2 clusters, 1 more deadline",
    ]);
  });

  it("a 429 then a 202 sends once, after waiting as long as Retry-After says", async () => {
    fake.enqueue({ status: 429, headers: { "Retry-After": "2" }, body: { errors: [{ field: null, message: "too many requests" }] } });
    const result = await deliverAlerts(deps(), { report: fleetOn(D1, "run-1"), recipients: opsOnly });
    expect(result.messages[0]).toMatchObject({ status: "sent", attempts: 2 });
    expect(sleeps).toEqual([2000]);
    expect(fake.requests).toBe(2);
    expect(fake.accepted).toHaveLength(1);
    expect((await rows()).filter((r) => r.status === "sent")).toHaveLength(2);
  });

  it("a Retry-After beyond the cap leaves the alerts pending instead of holding the run", async () => {
    fake.enqueue({ status: 429, headers: { "Retry-After": "3600" } });
    const result = await deliverAlerts(deps(), { report: fleetOn(D1, "run-1"), recipients: opsOnly });
    expect(result.messages[0]!.status).toBe("pending");
    expect(sleeps).toEqual([]);
    expect(await ledger.listPending()).toHaveLength(1);
  });

  it("a 500 on every try leaves the alerts pending, and the next run sends them once under the same id", async () => {
    fake.setDefault({ status: 500, body: { errors: [{ message: "internal error", field: null }] } });
    const first = await deliverAlerts(deps(), { report: fleetOn(D1, "run-1"), recipients: opsOnly });
    expect(first.messages[0]).toMatchObject({ status: "pending", attempts: 4 });
    expect(first.messages[0]!.error).toContain("500");
    expect(sleeps).toEqual([2000, 4000, 8000]);
    expect(fake.accepted).toHaveLength(0);
    const alertRows = (await rows()).filter((r) => r.partitionKey !== "pending");
    expect(alertRows.map((r) => r.status)).toEqual(["pending", "pending"]);
    expect(alertRows[0]!.lastError).toContain("internal error");
    const pending = await ledger.listPending();
    expect(pending.map((p) => p.messageId)).toEqual([first.messages[0]!.messageId]);

    fake.setDefault(null);
    const second = await deliverAlerts(deps(), { report: fleetOn(nextDay, "run-2"), recipients: opsOnly });
    expect(second.messages).toHaveLength(1);
    expect(second.messages[0]).toMatchObject({ status: "sent", resend: true, messageId: first.messages[0]!.messageId });
    expect(second.inFlight).toBe(0);
    expect(second.alreadySent).toBe(2);
    expect(fake.accepted).toHaveLength(1);
    expect(fake.accepted[0]!.messageId).toBe(first.messages[0]!.messageId);

    const third = await deliverAlerts(deps(), { report: fleetOn("2026-11-25", "run-3"), recipients: opsOnly });
    expect(third.messages).toEqual([]);
    expect(fake.accepted).toHaveLength(1);
    expect(await ledger.listPending()).toEqual([]);
  });

  it("a 400 is recorded as failed with SendGrid's error text and is not retried forever", async () => {
    const rejection = { status: 400, body: { errors: [{ message: "The from address does not match a verified Sender Identity.", field: "from" }] } };
    fake.setDefault(rejection);
    const first = await deliverAlerts(deps(), { report: fleetOn(D1, "run-1"), recipients: opsOnly });
    expect(first.messages[0]!.status).toBe("failed");
    expect(fake.requests).toBe(1); // not retried within the run
    const failed = (await rows()).filter((r) => r.partitionKey !== "pending");
    expect(failed.map((r) => r.status)).toEqual(["failed", "failed"]);
    expect(failed[0]!.lastError).toContain("The from address does not match a verified Sender Identity.");
    expect(await ledger.listPending()).toEqual([]);

    await deliverAlerts(deps(), { report: fleetOn(D1, "run-2"), recipients: opsOnly });
    await deliverAlerts(deps(), { report: fleetOn(D1, "run-3"), recipients: opsOnly });
    const fourth = await deliverAlerts(deps(), { report: fleetOn(D1, "run-4"), recipients: opsOnly });
    expect(fake.requests).toBe(3); // one per run, for maxFailedRuns (3) runs, then given up
    expect(fourth.messages).toEqual([]);
    expect(fourth.givenUp).toBe(2);
  });

  it("a crash between SendGrid's 202 and the ledger update is resolved by one re-send under the same id", async () => {
    let crash = true;
    const crashing: AlertLedger = {
      ...ledger,
      tableName: ledger.tableName,
      ensureTable: () => ledger.ensureTable(),
      getAlerts: (r, ids) => ledger.getAlerts(r, ids),
      alertsOfMessage: (r, id) => ledger.alertsOfMessage(r, id),
      claimAlerts: (m, a, e) => ledger.claimAlerts(m, a, e),
      listPending: () => ledger.listPending(),
      deletePending: (id) => ledger.deletePending(id),
      updateAlerts: async (r, u) => {
        if (crash) {
          crash = false;
          throw new Error("process killed");
        }
        return ledger.updateAlerts(r, u);
      },
    };
    const first = await deliverAlerts(deps({ ledger: crashing }), { report: fleetOn(D1, "run-1"), recipients: opsOnly });
    expect(first.messages[0]!.error).toContain("ledger not updated");
    expect(fake.accepted).toHaveLength(1);

    // The next runs come a day later, long after the crashed sender's claim lapsed.
    await deliverAlerts(deps({ now: () => new Date("2026-11-24T07:00:00Z") }), { report: fleetOn(nextDay, "run-2"), recipients: opsOnly });
    await deliverAlerts(deps({ now: () => new Date("2026-11-25T07:00:00Z") }), { report: fleetOn("2026-11-25", "run-3"), recipients: opsOnly });
    expect(fake.accepted.map((m) => m.messageId)).toEqual([first.messages[0]!.messageId, first.messages[0]!.messageId]);
    expect(fake.accepted[1]!.html).toBe(fake.accepted[0]!.html);
  });

  it("a retried run folds its own pending alerts into the same message instead of sending two", async () => {
    fake.setDefault({ status: 503 });
    await deliverAlerts(deps(), { report: fleetOn(D1, "run-1"), recipients: opsOnly });
    fake.setDefault(null);
    const retry = await deliverAlerts(deps(), { report: fleetOn(D1, "run-1"), recipients: opsOnly });
    expect(retry.messages).toHaveLength(1);
    expect(retry.messages[0]).toMatchObject({ status: "sent", resend: false, messageId: messageIdFor("alerts", "run-1", D1, "ops@x.com") });
    expect(fake.accepted).toHaveLength(1);
    expect(await ledger.listPending()).toEqual([]);
  });

  it("two runs at the same time send each alert once", async () => {
    const r1 = fleetOn(D1, "run-a");
    const r2 = fleetOn(D1, "run-b");
    await Promise.all([deliverAlerts(deps(), { report: r1, recipients: opsOnly }), deliverAlerts(deps(), { report: r2, recipients: opsOnly })]);
    const names = fake.accepted.flatMap((m) => ["aks-prod-1", "aks-prod-2", "aks-team-x"].filter((n) => m.text.includes(n)));
    expect(names.sort()).toEqual(["aks-prod-1", "aks-prod-2", "aks-team-x"]);
    const sent = (await rows()).filter((r) => r.status === "sent");
    expect(sent).toHaveLength(2);
  });

  it("an HTML-injection cluster name arrives escaped in the HTML part and as plain characters in the text part", async () => {
    const r = report(D1, [cluster(XSS, { integrations: [integration("osm", { deadlines: [deadline(D1, 10)], severity: "warning" })] })]);
    await deliverAlerts(deps(), { report: r, recipients: opsOnly });
    const got = fake.accepted[0]!;
    expect(got.html).not.toMatch(/<img/i);
    expect(got.html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(got.text).toContain(XSS);
    expect(got.text).not.toMatch(/&lt;|&gt;/);
    expect(got.subject).toBe("AKS: osm retires in 10 days for 1 cluster");
  });

  it("a message left pending by a version that alerted per integration is not re-sent half-built; this run's causes go out", async () => {
    await ledger.ensureTable();
    // A row as the per-(cluster, integration) alerts stored it: no cause to rebuild a message from.
    const old = { id: "0".repeat(32), clusterId: "/subscriptions/x/resourcegroups/rg/providers/microsoft.containerservice/managedclusters/aks-prod-1", integrationName: "http_application_routing", threshold: 60 };
    const oldMessage = { messageId: messageIdFor("alerts", "run-0", "2026-11-22", "ops@x.com"), kind: "alerts" as const, recipient: "ops@x.com", runId: "run-0", asOf: "2026-11-22", via: [], claimedBy: "sender-old", claimedAt: "2026-11-22T07:00:00Z" };
    await ledger.claimAlerts(oldMessage, [old as unknown as CauseAlert], new Map());
    const result = await deliverAlerts(deps(), { report: fleetOn(D1, "run-1"), recipients: opsOnly });
    expect(result.messages.map((m) => [m.messageId, m.status])).toEqual([[messageIdFor("alerts", "run-1", D1, "ops@x.com"), "sent"]]);
    expect(fake.accepted).toHaveLength(1);
    expect(await ledger.listPending()).toEqual([]);
  });

  it("preview renders to the outbox without sending or touching the ledger", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "preview-"));
    try {
      const result = await deliverAlerts(
        deps(),
        { report: fleetOn(D1, "run-1"), recipients: everyone },
        { preview: true, previewTo: createOutboxTransport(dir) },
      );
      expect(result.messages.map((m) => m.status)).toEqual(["preview", "preview", "preview"]);
      expect(fake.requests).toBe(0);
      expect(await readdir(dir)).toHaveLength(9);
      const error = await table.getEntity("pending", "x").catch((e: { statusCode?: number }) => e);
      expect((error as { statusCode?: number }).statusCode).toBe(404); // no table was even created
      expect(await ledger.listPending().catch(() => "no table")).toBe("no table");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("digests delivered once", () => {
  const digest = () => buildDigests({ report: fleetOn(D1, "run-1"), recipients: everyone });

  it("sends each digest once; delivering the same run again sends nothing", async () => {
    const first = await deliverMail(deps(), digest());
    expect(first.messages.map((m) => m.status)).toEqual(["sent", "sent", "sent"]);
    const again = await deliverMail(deps(), digest());
    expect(again.messages).toEqual([]);
    expect(again.alreadySent).toBe(3);
    expect(fake.accepted).toHaveLength(3);
    expect(new Set(fake.accepted.map((m) => m.to[0]))).toEqual(new Set(["a-team@x.com", "ops@x.com", "team@x.com"]));
  });

  it("a digest left pending by 500s goes out once when the run is delivered again", async () => {
    fake.setDefault({ status: 500 });
    const first = await deliverMail(deps(), digest().slice(0, 1));
    expect(first.messages[0]!.status).toBe("pending");
    fake.setDefault(null);
    const second = await deliverMail(deps(), digest().slice(0, 1));
    expect(second.messages[0]).toMatchObject({ status: "sent", resend: true });
    await deliverMail(deps(), digest().slice(0, 1));
    expect(fake.accepted).toHaveLength(1);
  });
});

describe("ledger keys", () => {
  it("encode / \\ # ? and non-ASCII reversibly into allowed characters", () => {
    const raw = "a/b\\c#d?e~f ü@x.com";
    const key = encodeKey(raw);
    expect(key).not.toMatch(/[/\\#?\u0000-\u001f\u007f-\u009f]/);
    expect(decodeKey(key)).toBe(raw);
    expect(encodeKey("ops@x.com")).toBe("ops@x.com");
  });

  it("alert ids are used as row keys unchanged", () => {
    const id = dueCauseAlerts(fleetOn(D1, "run-1").clusters, { asOf: D1 })[0]!.id;
    expect(encodeKey(id)).toBe(id);
  });
});

/**
 * Mail size at fleet scale: the whole-fleet digest and the window alerts of the simulator's
 * 50,000-cluster fleet, rendered from the pure model (no network). Every part stays under what
 * mail clients show, whatever is left out is counted, and the text part says what the HTML says.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { buildDigests, digestModel, MAX_PART_BYTES, byteLength, renderAlertMail, renderDigest } from "../../src/core/digest.js";
import { causeAlertsByRecipient } from "../../src/core/alerts.js";
import { escapeHtml } from "../../src/core/html.js";
import type { OutgoingMail } from "../../src/core/ports.js";
import type { AuditReport } from "../../src/core/report.js";
import { routeClusters, type Recipients } from "../../src/core/routing.js";
import { hrefs, textUrls } from "../helpers/mailLinks.js";
import { simulatedReport } from "../helpers/simulatedReport.js";
import { cluster, deadline, integration, recipients, report as fixtureReport } from "../notify/reportFixtures.js";

const ASOF = "2026-10-15";
const PLATFORM = "platform@example.com";
// Console links on: a link per listed cluster and per "and N more" is the larger message.
const BASE = "https://func-aks-audit.azurewebsites.net";
// Tag routing on, so clusters show their owner; the default recipient gets the whole fleet.
const wholeFleet: Recipients = { defaults: [PLATFORM], bySubscription: {}, tagName: "owner" };
const platformRoute = (r: AuditReport) => routeClusters(wholeFleet, r.clusters).find((x) => x.recipient === PLATFORM)!;
const platformMail = (mails: OutgoingMail[]) => mails.find((x) => x.to[0] === PLATFORM)!;

/** What a reader sees in the text part: cause headlines, cluster rows and "and N more" counts. */
function textFacts(text: string) {
  const lines = text.split("\n");
  return {
    causes: lines.filter((l) => l.startsWith("* ")).map((l) => l.slice(2).split(" - ")[0]!),
    clusters: lines.filter((l) => /^ {2}\S.* \| .* \| /.test(l) && !l.startsWith("  Cluster |")).map((l) => l.trim().split(" | ")[0]!),
    more: [...text.matchAll(/and (\d+) more (\w+)/g)].map((m) => `${m[1]} ${m[2]}`).sort(),
  };
}

function expectSameStory(mail: OutgoingMail) {
  const facts = textFacts(mail.text);
  for (const c of facts.causes) expect(mail.html, `cause "${c}"`).toContain(escapeHtml(c));
  for (const name of facts.clusters) {
    const cell = `<td style="padding:1px 12px 1px 0;">${escapeHtml(name)}</td>`;
    const linked = `>${escapeHtml(name)}</a></td>`;
    expect(mail.html.includes(cell) || mail.html.includes(linked), `cluster "${name}"`).toBe(true);
  }
  const htmlMore = [...mail.html.matchAll(/and (\d+) more (\w+)/g)].map((m) => `${m[1]} ${m[2]}`).sort();
  expect(htmlMore).toEqual(facts.more);
  // Both parts offer the same links (escaping undone), and none is relative.
  const links = hrefs(mail.html);
  for (const h of links) expect(h).toMatch(/^https:\/\//);
  expect(new Set(textUrls(mail.text))).toEqual(new Set(links));
  return facts;
}

describe("mail at 50,000 clusters", () => {
  let report: AuditReport;
  beforeAll(() => {
    report = simulatedReport({ clusters: 50_000, asOf: ASOF, runId: "run-50k" });
  }, 600_000);

  it("the whole-fleet digest stays under 100 KB in both parts, and counts what it leaves out", () => {
    const mail = platformMail(buildDigests({ report, recipients: wholeFleet, consoleBase: BASE }));
    expect(byteLength(mail!.html)).toBeLessThan(MAX_PART_BYTES);
    expect(byteLength(mail!.text)).toBeLessThan(MAX_PART_BYTES);
    const m = digestModel(report, platformRoute(report), null, { routingTag: "owner", consoleBase: BASE });
    expect(m.window.length).toBeGreaterThan(0);
    expect(m.actThisWeek.length).toBeLessThanOrEqual(5);
    expect(mail!.subject).toMatch(/^AKS digest: .* for \d+ clusters/);
    const facts = expectSameStory(mail!);
    // Every cause is either shown or counted in "and N more causes".
    const shownCauses = facts.causes.length;
    const hiddenCauses = Number(/and (\d+) more causes?; the full list/.exec(mail!.text)?.[1] ?? 0);
    const outOfSupportShown = m.outOfSupport.filter((g) => mail!.text.includes(`* Kubernetes ${g.minor} - `)).length;
    const hiddenMinors = Number(/and (\d+) more minors?; the full list/.exec(mail!.text)?.[1] ?? 0);
    expect(shownCauses - outOfSupportShown + hiddenCauses).toBe(m.window.length);
    expect(outOfSupportShown + hiddenMinors).toBe(m.outOfSupport.length);
    // The top cause's block: its listed clusters plus "and N more clusters" are all of them.
    const top = m.window[0]!;
    const block = mail!.text.split("\n* ")[1]!;
    const rows = block.split("\n").filter((l) => / \| /.test(l) && !l.startsWith("  Cluster |")).length;
    const hidden = Number(/and (\d+) more clusters/.exec(block)?.[1] ?? 0);
    expect(rows).toBeGreaterThan(0);
    expect(rows + hidden).toBe(top.clusters.length);
    expect(mail!.text).toContain(`${BASE}/api/console/#/fleet?asOf=${ASOF}`);
    expect(mail!.html).toMatch(/href="https:\/\/func-aks-audit\.azurewebsites\.net\/api\/console\/#\/cluster\?id=%2Fsubscriptions%2F/);
  });

  it("the window alerts for the whole fleet fit in one message per recipient under 100 KB", () => {
    const due = causeAlertsByRecipient(routeClusters(wholeFleet, report.clusters), { asOf: ASOF, routingTag: "owner" }).find((x) => x.recipient === PLATFORM);
    expect(due!.alerts.length).toBeGreaterThan(0);
    const mail = renderAlertMail({ runId: report.runId, asOf: ASOF, recipient: due!.recipient, alerts: due!.alerts, consoleBase: BASE });
    expect(byteLength(mail.html)).toBeLessThan(MAX_PART_BYTES);
    expect(byteLength(mail.text)).toBeLessThan(MAX_PART_BYTES);
    // One entry per cause: the number of alerts is the number of causes, not clusters × integrations.
    expect(due!.alerts.length).toBeLessThan(200);
    expectSameStory(mail);
  });
});

describe("mail on the 200-cluster demo fleet", () => {
  const report = simulatedReport({ clusters: 200, asOf: ASOF, runId: "run-200" });
  const mail = platformMail(buildDigests({ report, recipients: wholeFleet }));

  it("carries no markup from the fleet's hostile names and renders the same from the model", () => {
    expect(mail!.html).not.toMatch(/<img/i);
    const m = renderDigest(digestModel(report, platformRoute(report), null, { routingTag: "owner" }));
    expect(m).toEqual(mail);
  });

  it("says the same in text and HTML, under 100 KB each", () => {
    expect(byteLength(mail!.html)).toBeLessThan(MAX_PART_BYTES);
    const facts = expectSameStory(mail!);
    expect(facts.causes.length).toBeGreaterThan(1);
    expect(facts.clusters.length).toBeGreaterThan(1);
  });
});

describe("a fleet with more causes than any message can list", () => {
  it("steps down what it lists until both parts fit, and counts the rest", () => {
    const long = "x".repeat(200);
    // 400 distinct events, each on 60 clusters with long names and long reasons.
    const clusters = Array.from({ length: 400 * 60 }, (_, i) => {
      const event = i % 400;
      return cluster(`aks-${long}-${i}`, {
        resourceGroup: `rg-${long}`,
        integrations: [
          integration(`component-${event}-${long}`, {
            kind: "open-source",
            supportTier: "unsupported",
            deadlines: [deadline(ASOF, 1 + (event % 60), "end-of-support")],
            severity: "warning",
            reasons: [`${long} ${long} ${long}`],
          }),
        ],
      });
    });
    const r = fixtureReport(ASOF, clusters, "run-stress");
    const [mail] = buildDigests({ report: r, recipients: recipients({ defaults: [PLATFORM] }) });
    expect(byteLength(mail!.html)).toBeLessThan(MAX_PART_BYTES);
    expect(byteLength(mail!.text)).toBeLessThan(MAX_PART_BYTES);
    const facts = expectSameStory(mail!);
    const hidden = Number(/and (\d+) more causes; the full list/.exec(mail!.text)?.[1]);
    expect(facts.causes.length + hidden).toBe(400);
    const [alerts] = causeAlertsByRecipient(routeClusters(recipients({ defaults: [PLATFORM] }), r.clusters), { asOf: ASOF });
    const alertMail = renderAlertMail({ runId: r.runId, asOf: ASOF, recipient: PLATFORM, alerts: alerts!.alerts });
    expect(byteLength(alertMail.html)).toBeLessThan(MAX_PART_BYTES);
    expect(byteLength(alertMail.text)).toBeLessThan(MAX_PART_BYTES);
    expect(alertMail.text).toMatch(/and \d+ more causes; the full list: aks-audit history --run run-stress \(or GET \/api\/audits\/run-stress/);
    // With console links the same fleet still fits, and what is cut is linked instead of named.
    const [linked] = buildDigests({ report: r, recipients: recipients({ defaults: [PLATFORM] }), consoleBase: BASE });
    const linkedAlert = renderAlertMail({ runId: r.runId, asOf: ASOF, recipient: PLATFORM, alerts: alerts!.alerts, consoleBase: BASE });
    for (const m of [linked!, linkedAlert]) {
      expect(byteLength(m.html)).toBeLessThan(MAX_PART_BYTES);
      expect(byteLength(m.text)).toBeLessThan(MAX_PART_BYTES);
      expect(m.text).toMatch(/and \d+ more causes; the full list: https:\/\/func-aks-audit\.azurewebsites\.net\/api\/console\/#\/fleet\?asOf=2026-10-15\n/);
      expectSameStory(m);
    }
  });
});

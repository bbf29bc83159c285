/**
 * Links in digests and alerts, as a recipient's mail client meets them: absolute (the console's
 * address from CONSOLE_BASE_URL / WEBSITE_HOSTNAME), never relative, never carrying a key; each
 * value from Azure survives the trip into the URL and back out through the console's own hash parsing;
 * the text part offers the same links as the HTML. Without an address there is no console link at all.
 */
import { describe, expect, it } from "vitest";
import { buildDigests, renderAlertMail } from "../../src/core/digest.js";
import { dueCauseAlerts } from "../../src/core/alerts.js";
import type { OutgoingMail } from "../../src/core/ports.js";
import type { ClusterReport } from "../../src/core/report.js";
import { armIdKey } from "../../src/core/types.js";
import { hrefs, textUrls } from "../helpers/mailLinks.js";
import { cluster, deadline, integration, recipients, report } from "../notify/reportFixtures.js";

const ASOF = "2026-11-23";
const BASE = "https://aks-audit.example.net";
const CONSOLE = `${BASE}/api/console/`;
const ops = recipients({ defaults: ["ops@x.com"] });

function on134(name: string, days: number, extra: Partial<ClusterReport> = {}): ClusterReport {
  const end = deadline(ASOF, days, "end-of-support");
  return cluster(name, {
    kubernetesVersion: "1.34.2",
    integrations: [integration("kubernetes", { kind: "kubernetes", version: "1.34.2", deadlines: [end], severity: "warning", reasons: [`Community support for 1.34 ends on ${end.date}.`] })],
    ...extra,
  });
}
function on129(name: string): ClusterReport {
  return cluster(name, {
    kubernetesVersion: "1.29.9",
    integrations: [integration("kubernetes", { kind: "kubernetes", version: "1.29.9", drift: "out-of-support", severity: "critical", reasons: ["1.29 left community support"] })],
  });
}

// Names Azure would never allow, but the mail must not trust Azure to keep to its rules.
const ODD_NAME = `aks&q=x#/runs?"<b>'`;
const ODD_RG = "rg one&two%20";
function fleetWithOddCluster(): ClusterReport[] {
  return [
    ...Array.from({ length: 30 }, (_, i) => on134(`aks-${String(i).padStart(2, "0")}`, 46)),
    on134(ODD_NAME, 46, { resourceGroup: ODD_RG }),
    ...Array.from({ length: 12 }, (_, i) => on129(`old-${String(i).padStart(2, "0")}`)),
  ];
}

/** What the console reads from a link: its view and parameters, parsed as src/console/assets/dom.js route() does. */
function consoleRoute(url: string): { view: string; params: URLSearchParams } {
  expect(url.startsWith(CONSOLE), url).toBe(true);
  const [path, query] = new URL(url).hash.replace(/^#\/?/, "").split("?");
  return { view: path ?? "", params: new URLSearchParams(query ?? "") };
}
function expectLinksAbsoluteAndKeyless(mail: OutgoingMail) {
  const all = hrefs(mail.html);
  expect(all.length).toBeGreaterThan(0);
  for (const h of all) {
    expect(h, "absolute https").toMatch(/^https:\/\//);
    expect(h).not.toMatch(/[?&]code=/i);
  }
  // The text part points where the HTML does, link for link.
  expect(new Set(textUrls(mail.text))).toEqual(new Set(all));
}

describe("digest links with the console's address known", () => {
  const [mail] = buildDigests({ report: report(ASOF, fleetWithOddCluster(), "run-links"), recipients: ops, consoleBase: BASE });

  it("every link is absolute, none carries a key, and the text part lists the same ones", () => {
    expectLinksAbsoluteAndKeyless(mail!);
    expect(mail!.html).not.toMatch(/href="\//);
    expect(mail!.html).not.toContain("/api/audits/");
  });

  it("a cause's 'and N more' opens the fleet as of the run, narrowed to the cause's integration and day", () => {
    const more = /and 21 more clusters: <a href="([^"]+)"/.exec(mail!.html);
    expect(more, "the 1.34 cause lists 10 of 31 clusters").not.toBeNull();
    const { view, params } = consoleRoute(hrefs(more![0] + '"')[0]!);
    expect(view).toBe("fleet");
    expect(Object.fromEntries(params)).toEqual({ asOf: ASOF, q: "kubernetes", from: "46", within: "46" });
  });

  it("out-of-support 'and N more' opens the run's fleet view (the console has no filter for a minor)", () => {
    const block = mail!.html.slice(mail!.html.indexOf("Kubernetes 1.29"));
    const { view, params } = consoleRoute(hrefs(/and 2 more clusters: <a href="[^"]+"/.exec(block)![0])[0]!);
    expect(view).toBe("fleet");
    expect(Object.fromEntries(params)).toEqual({ asOf: ASOF });
    expect(mail!.text).toContain(`and 2 more clusters: ${CONSOLE}#/fleet?asOf=${ASOF}`);
  });

  it("each cluster name opens that cluster in the console, its Azure id intact through the URL", () => {
    const odd = on134(ODD_NAME, 46, { resourceGroup: ODD_RG });
    const clusterLinks = hrefs(mail!.html).filter((h) => h.startsWith(CONSOLE) && consoleRoute(h).view === "cluster");
    expect(clusterLinks.length).toBe(10 + 10);
    const ids = clusterLinks.map((h) => consoleRoute(h).params.get("id"));
    expect(ids).toContain(armIdKey(odd.id));
    // The odd name is the link's text, escaped; its characters never reach the markup raw.
    expect(mail!.html).toContain(`>${"aks&amp;q=x#/runs?&quot;&lt;b&gt;&#39;"}</a>`);
    expect(mail!.html).not.toContain("<b>'");
    const url = clusterLinks.find((h) => consoleRoute(h).params.get("id") === armIdKey(odd.id))!;
    expect(url).toContain(encodeURIComponent(armIdKey(odd.id)));
    // The text part puts the same URL on the line under the cluster's row.
    const lines = mail!.text.split("\n");
    const row = lines.findIndex((l) => l.startsWith(`  ${ODD_NAME} | ${ODD_RG} | `));
    expect(lines[row + 1]).toBe(`    ${url}`);
  });

  it("the footer opens the run in the console and says recipients use their own access", () => {
    expect(mail!.html).toContain(`<a href="${CONSOLE}#/fleet?asOf=${ASOF}" style="color:#1d4ed8;">This run in the console</a> (opens with your own access to the auditor)`);
    expect(mail!.text).toContain(`This run in the console (opens with your own access to the auditor): ${CONSOLE}#/fleet?asOf=${ASOF}`);
  });
});

describe("a cause's link finds the rows the console shows for it", () => {
  it("a node OS rule, which lands on the Kubernetes finding, links to the Kubernetes rows on its day", () => {
    const pools = Array.from({ length: 12 }, (_, i) =>
      cluster(`pool-${String(i).padStart(2, "0")}`, {
        integrations: [
          integration("kubernetes", {
            kind: "kubernetes",
            version: "1.31.2",
            deadlines: [deadline(ASOF, 20, "retirement")],
            severity: "warning",
            reasons: [`Node pool "np1" uses Ubuntu 20.04: retires on ${deadline(ASOF, 20).date}; move to Ubuntu 22.04.`],
          }),
        ],
      }),
    );
    const [mail] = buildDigests({ report: report(ASOF, pools, "run-os"), recipients: ops, consoleBase: BASE });
    expect(mail!.text).toContain("* Node OS retirement");
    const more = /and 2 more clusters: <a href="[^"]+"/.exec(mail!.html);
    expect(more).not.toBeNull();
    expect(Object.fromEntries(consoleRoute(hrefs(more![0])[0]!).params)).toEqual({ asOf: ASOF, q: "kubernetes", from: "20", within: "20" });
  });
});

describe("alert links", () => {
  const clusters = Array.from({ length: 61 }, (_, i) => on134(`aks-${String(i).padStart(2, "0")}`, 46));
  const alerts = dueCauseAlerts(clusters, { asOf: ASOF });

  it("with the console's address: absolute, keyless, the same in both parts, 'and 51 more' narrowed to the cause", () => {
    const mail = renderAlertMail({ runId: "run-1", asOf: ASOF, recipient: "ops@x.com", alerts, consoleBase: BASE });
    expectLinksAbsoluteAndKeyless(mail);
    const url = `${CONSOLE}#/fleet?asOf=${ASOF}&q=kubernetes&from=46&within=46`;
    expect(mail.text).toContain(`and 51 more clusters: ${url}`);
    expect(hrefs(mail.html)).toContain(url);
  });

  it("without one: no console link and no relative link, the CLI command and the API path as text", () => {
    const mail = renderAlertMail({ runId: "run-1", asOf: ASOF, recipient: "ops@x.com", alerts });
    expect(mail.html).not.toContain("/api/console");
    for (const h of hrefs(mail.html)) expect(h).toMatch(/^https:\/\/learn\.microsoft\.com\//);
    expect(mail.html).toContain("and 51 more clusters: <code>aks-audit history --run run-1</code> (or <code>GET /api/audits/run-1</code> on the Function app)");
    expect(mail.text).toContain("and 51 more clusters: aks-audit history --run run-1 (or GET /api/audits/run-1 on the Function app)");
    // Cluster names are plain text when there is nowhere to open them.
    expect(mail.html).toContain(`<td style="padding:1px 12px 1px 0;">aks-00</td>`);
  });
});

describe("a run id in a link", () => {
  it("is encoded in the API path shown when the console's address is unknown", () => {
    const [mail] = buildDigests({ report: report(ASOF, Array.from({ length: 12 }, (_, i) => on129(`old-${i}`)), "run a/b"), recipients: ops });
    expect(mail!.text).toContain("GET /api/audits/run%20a%2Fb on the Function app");
    expect(mail!.html).not.toMatch(/href="(?!https:)/);
  });
});

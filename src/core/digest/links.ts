/**
 * Where a mail points: the console (GET /api/console) of the Function app, as absolute links a mail
 * client can open. The base comes from CONSOLE_BASE_URL or the platform's WEBSITE_HOSTNAME (config.ts);
 * without one (the local CLI) there are no links and the renderers print the CLI command and the API
 * path as text, never a relative link that goes nowhere from an inbox.
 *
 * A link never carries a function key: the console reads the key from the address the reader opens
 * it with, so recipients use their own access. Every value from Azure or the report enters the URL
 * through encodeURIComponent; the console parses its hash with URLSearchParams.
 */
import type { IsoDate } from "../types.js";
import type { Cause } from "./causes.js";

/** The console's page; its views are hash routes (src/console/assets/console.js). */
const CONSOLE_PATH = "/api/console/";

function hashRoute(base: string, view: string, params: Record<string, string | number | null | undefined>): string {
  const query = Object.entries(params)
    .filter(([, v]) => v !== null && v !== undefined && v !== "")
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join("&");
  return `${base.replace(/\/+$/, "")}${CONSOLE_PATH}#/${view}${query ? `?${query}` : ""}`;
}

/** The fleet view of the run: the latest fleet run at or before `asOf`. */
export function fleetLink(base: string | null, asOf: IsoDate): string | null {
  return base ? hashRoute(base, "fleet", { asOf }) : null;
}

/**
 * The fleet view narrowed to one cause: its integration (the view's text filter) with its next
 * deadline on the cause's day (the view's `from`/`within` days-left range, relative to `asOf`).
 * A cluster whose same integration has an earlier deadline still ahead shows that one as its next,
 * so it drops out of this view; that earlier deadline is a cause of its own, listed before this one.
 */
export function causeLink(base: string | null, asOf: IsoDate, cause: Pick<Cause, "subject" | "integrationKind" | "daysLeft">): string | null {
  // Node OS and image rules land on the cluster's Kubernetes finding (causes.ts): that is the row to find.
  const integration = cause.integrationKind === "kubernetes" ? "kubernetes" : cause.subject;
  return base ? hashRoute(base, "fleet", { asOf, q: integration, from: cause.daysLeft, within: cause.daysLeft }) : null;
}

/** One cluster's history, snapshots and chain check; `clusterId` is its ARM id. */
export function clusterLink(base: string | null, clusterId: string): string | null {
  return base ? hashRoute(base, "cluster", { id: clusterId }) : null;
}

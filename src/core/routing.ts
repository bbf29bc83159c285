/**
 * Who gets which clusters. Default recipients get the whole fleet; a subscription route gets that
 * subscription's clusters; the routing tag's value names a team's recipients for that one cluster.
 * A recipient reached several ways gets one route with the union of clusters: one message per
 * recipient per run, never one per cluster.
 */
import type { ClusterReport } from "./report.js";
import { armIdKey } from "./types.js";

/** Who is configured to receive mail (MAIL_TO, MAIL_TO_BY_SUBSCRIPTION, MAIL_ROUTING_TAG). */
export interface Recipients {
  /** Everyone who gets the whole fleet. */
  defaults: string[];
  /** subscriptionId (lower case) → recipients who get that subscription's clusters. */
  bySubscription: Record<string, string[]>;
  /** Cluster tag whose value lists recipients (comma or semicolon separated); null disables tag routing. */
  tagName: string | null;
  /**
   * Domains (subdomains included) subscription- and tag-routed mail may go to; empty or absent = any.
   * MAIL_TO is the operator's own list and is not filtered.
   */
  allowedDomains?: readonly string[];
  /** Most addresses taken from one tag value (the first ones, in the tag's order); absent = 10. */
  maxPerTag?: number;
}

export const DEFAULT_MAX_RECIPIENTS_PER_TAG = 10;

/** An address routing refused, and why: reported in the run's errors rather than mailed. */
export interface RoutingDrop {
  recipient: string;
  /** The cluster whose tag named it, or null for a subscription route. */
  clusterId: string | null;
  subscriptionId: string | null;
  reason: "domain-not-allowed" | "too-many-in-tag";
}

export type RouteReason = "default" | "subscription" | "tag";

export interface Route {
  /** Lower-cased address: the key for message ids and the ledger. */
  recipient: string;
  /** The recipient's clusters in report order, each once. */
  clusters: ClusterReport[];
  /** Why the recipient is on the list (sorted, unique); shown in the mail footer. */
  via: RouteReason[];
  /** True when the recipient gets the whole fleet (a default recipient). */
  wholeFleet: boolean;
}

/** An e-mail address as the settings and routing tags accept it (config.ts validates with this too). */
export const EMAIL = /^[^\s@<>"',;]+@[^\s@<>"',;]+\.[^\s@<>"',;]+$/;

export function isEmail(value: string): boolean {
  return EMAIL.test(value);
}

/** Addresses in a tag value (`a@x.com; b@x.com,c@x.com`); anything that is not an address is ignored. */
export function parseRecipientList(value: string | undefined | null): string[] {
  if (!value) return [];
  const out: string[] = [];
  for (const part of value.split(/[,;]/)) {
    const email = part.trim().toLowerCase();
    if (email && isEmail(email) && !out.includes(email)) out.push(email);
  }
  return out;
}

/** Azure tag names are case-insensitive; values are not. */
export function tagValue(tags: Record<string, string> | undefined, name: string): string | undefined {
  if (!tags) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(tags)) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

/**
 * Routes every cluster to its recipients. Default recipients always get a route (even for an empty
 * fleet, so the weekly digest still says "nothing found"); others only when they have a cluster.
 * Routes are sorted by recipient so message order and ids do not depend on settings order.
 */
export function routeClusters(recipients: Recipients, clusters: readonly ClusterReport[]): Route[] {
  return routeWithDrops(recipients, clusters).routes;
}

/** The routes, and every address left out by MAIL_ALLOWED_DOMAINS or MAIL_MAX_RECIPIENTS_PER_TAG. */
export function routeWithDrops(recipients: Recipients, clusters: readonly ClusterReport[]): { routes: Route[]; drops: RoutingDrop[] } {
  const drops: RoutingDrop[] = [];
  const allowed = (recipients.allowedDomains ?? []).map((d) => d.toLowerCase());
  const domainAllowed = (email: string): boolean => {
    if (allowed.length === 0) return true;
    const domain = email.trim().toLowerCase().split("@").pop() ?? "";
    return allowed.some((d) => domain === d || domain.endsWith(`.${d}`));
  };
  const maxPerTag = recipients.maxPerTag ?? DEFAULT_MAX_RECIPIENTS_PER_TAG;
  const byRecipient = new Map<string, { keys: Set<string>; clusters: ClusterReport[]; via: Set<RouteReason>; wholeFleet: boolean }>();
  const entry = (email: string) => {
    const key = email.trim().toLowerCase();
    let e = byRecipient.get(key);
    if (!e) {
      e = { keys: new Set(), clusters: [], via: new Set(), wholeFleet: false };
      byRecipient.set(key, e);
    }
    return e;
  };
  const add = (email: string, cluster: ClusterReport, reason: RouteReason) => {
    const e = entry(email);
    e.via.add(reason);
    const key = armIdKey(cluster.id);
    if (!e.keys.has(key)) {
      e.keys.add(key);
      e.clusters.push(cluster);
    }
  };

  for (const email of recipients.defaults) {
    if (!isEmail(email.trim())) continue;
    const e = entry(email);
    e.via.add("default");
    e.wholeFleet = true;
  }
  const subscriptionRoutes = new Map<string, string[]>();
  const refusedBySubscription = new Map<string, string[]>();
  for (const [sub, emails] of Object.entries(recipients.bySubscription)) {
    const subscriptionId = sub.trim().toLowerCase();
    const valid = emails.filter((e) => isEmail(e.trim()));
    refusedBySubscription.set(subscriptionId, valid.filter((e) => !domainAllowed(e)).map((e) => e.trim().toLowerCase()));
    subscriptionRoutes.set(subscriptionId, valid.filter(domainAllowed));
  }

  for (const cluster of clusters) {
    for (const email of recipients.defaults) if (isEmail(email.trim())) add(email, cluster, "default");
    const subscriptionId = cluster.subscriptionId.trim().toLowerCase();
    for (const email of subscriptionRoutes.get(subscriptionId) ?? []) add(email, cluster, "subscription");
    // Reported once per subscription, and only when it has clusters to route.
    for (const email of refusedBySubscription.get(subscriptionId) ?? []) {
      if (!drops.some((d) => d.clusterId === null && d.subscriptionId === subscriptionId && d.recipient === email)) {
        drops.push({ recipient: email, clusterId: null, subscriptionId, reason: "domain-not-allowed" });
      }
    }
    if (recipients.tagName) {
      const listed = parseRecipientList(tagValue(cluster.tags, recipients.tagName));
      listed.forEach((email, i) => {
        const drop = (reason: RoutingDrop["reason"]) => drops.push({ recipient: email, clusterId: cluster.id, subscriptionId, reason });
        if (!domainAllowed(email)) drop("domain-not-allowed");
        else if (i >= maxPerTag) drop("too-many-in-tag");
        else add(email, cluster, "tag");
      });
    }
  }

  const routes = [...byRecipient.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([recipient, e]) => ({ recipient, clusters: e.clusters, via: [...e.via].sort(), wholeFleet: e.wholeFleet }));
  return { routes, drops };
}

/** One line per dropped address, for the run's errors (scope: the cluster or subscription). */
export function describeDrops(drops: readonly RoutingDrop[], maxPerTag = DEFAULT_MAX_RECIPIENTS_PER_TAG): { scope: string; message: string }[] {
  const seen = new Set<string>();
  const out: { scope: string; message: string }[] = [];
  for (const d of drops) {
    const scope = d.clusterId ?? `/subscriptions/${d.subscriptionId}`;
    const message =
      d.reason === "domain-not-allowed"
        ? `mail routing: ${d.recipient} is outside MAIL_ALLOWED_DOMAINS; not sent`
        : `mail routing: ${d.recipient} is beyond the first ${maxPerTag} addresses of the routing tag (MAIL_MAX_RECIPIENTS_PER_TAG); not sent`;
    const key = `${scope}\n${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ scope, message });
  }
  return out;
}

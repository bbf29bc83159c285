/**
 * Matching what runs inside a cluster to the catalog's open-source signatures. Pure: the inventory
 * (workloads with their labels and container images, CRD names) comes from the Kubernetes adapter;
 * the result is one `OpenSourceFind` per signature and namespace, which the classifier judges.
 *
 * A workload matches a signature by its Helm chart (`helm.sh/chart: <chart>-<version>`, or the
 * older `chart` label) or by a container image whose repository matches one of the signature's
 * image patterns. Images are compared after Docker's own normalisation (`grafana/grafana` is
 * `docker.io/grafana/grafana`); an image pulled through a private mirror (`contoso.azurecr.io/
 * grafana/grafana`) matches on its repository path. Workloads AKS itself manages (add-ons) are
 * skipped: they are not self-installed, and their images come from mcr.microsoft.com anyway.
 *
 * The version of a find, first that is readable:
 *   1. the `app.kubernetes.io/version` label of a matched workload (the label says the app's version),
 *   2. the tag of the signature's primary image (the earliest-listed pattern that matched),
 *   3. the chart version from the Helm chart label.
 */
import type { OpenSourceSignature } from "../catalog/schema.js";
import type { OpenSourceFind } from "./types.js";
import { formatVersion, parseVersion } from "./versions.js";

export const WORKLOAD_KINDS = ["Deployment", "DaemonSet", "StatefulSet"] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

/** A workload as read from the cluster: only what identifies the software, nothing it holds. */
export interface Workload {
  kind: WorkloadKind;
  namespace: string;
  name: string;
  /** The workload's labels, over its pod template's (the workload's own win). */
  labels: Record<string, string>;
  /** Container and init-container images of the pod template, as written. */
  images: string[];
}

export interface ClusterInventory {
  workloads: Workload[];
  /** CustomResourceDefinition names (`scaledobjects.keda.sh`); empty when they could not be read. */
  crds: string[];
}

// ---------------------------------------------------------------- images

export interface ImageRef {
  /** Lower-cased registry host, `docker.io` for Docker Hub. */
  registry: string;
  /** Repository path, lower-cased; Docker Hub official images under `library/`. */
  repository: string;
  tag: string | null;
  digest: string | null;
}

const DOCKER_HUB_ALIASES = new Set(["docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"]);

/** Parses an image reference the way the container runtime resolves it; null for nonsense. */
export function parseImage(reference: string): ImageRef | null {
  let rest = reference.trim();
  if (rest === "" || /\s/.test(rest)) return null;
  let digest: string | null = null;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1) || null;
    rest = rest.slice(0, at);
  }
  let tag: string | null = null;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1) || null;
    rest = rest.slice(0, colon);
  }
  const parts = rest.split("/").filter((p) => p !== "");
  if (parts.length === 0) return null;
  // The first component is a registry only if it looks like a host (a dot, a port or localhost).
  const first = parts[0]!;
  const hasRegistry = parts.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost");
  let registry = hasRegistry ? first.toLowerCase() : "docker.io";
  if (DOCKER_HUB_ALIASES.has(registry)) registry = "docker.io";
  const path = (hasRegistry ? parts.slice(1) : parts).join("/").toLowerCase();
  if (path === "") return null;
  const repository = registry === "docker.io" && !path.includes("/") ? `library/${path}` : path;
  return { registry, repository, tag, digest };
}

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${escaped.join(".*")}$`);
}

interface CompiledPattern {
  index: number;
  text: string;
  full: RegExp;
  path: RegExp;
}

function compilePattern(text: string, index: number): CompiledPattern | null {
  const ref = parseImage(text.replace(/\*/g, "x-wildcard-x"));
  if (!ref) return null;
  const restore = (s: string): string => s.replace(/x-wildcard-x/g, "*");
  return { index, text, full: globToRegExp(restore(`${ref.registry}/${ref.repository}`)), path: globToRegExp(restore(ref.repository)) };
}

/** Registries whose images are Microsoft's builds (add-ons, extensions), never a self-install. */
const MICROSOFT_REGISTRIES = /(^|\.)mcr\.microsoft\.com$/;

type ImageMatch = { pattern: CompiledPattern; mirrored: boolean };

function matchImage(ref: ImageRef, patterns: readonly CompiledPattern[]): ImageMatch | null {
  for (const pattern of patterns) if (pattern.full.test(`${ref.registry}/${ref.repository}`)) return { pattern, mirrored: false };
  if (MICROSOFT_REGISTRIES.test(ref.registry)) return null;
  for (const pattern of patterns) if (pattern.path.test(ref.repository)) return { pattern, mirrored: true };
  return null;
}

// ---------------------------------------------------------------- helm labels

export interface ChartLabel {
  chart: string;
  version: string;
}

/** `kube-prometheus-stack-69.3.1` → chart `kube-prometheus-stack`, version `69.3.1`. */
export function parseChartLabel(value: string | undefined): ChartLabel | null {
  if (typeof value !== "string") return null;
  const m = /^(.+?)-(v?\d+\.\d+(?:\.\d+)?(?:[-+][0-9A-Za-z.+_-]*)?)$/.exec(value.trim());
  if (!m) return null;
  // Helm replaces `+` with `_` in label values (labels may not hold `+`).
  return { chart: m[1]!, version: m[2]!.replace(/_/g, "+") };
}

function chartOf(labels: Record<string, string>): ChartLabel | null {
  return parseChartLabel(labels["helm.sh/chart"]) ?? parseChartLabel(labels["chart"]);
}

/** AKS marks what it deploys and reconciles itself; those are add-ons, not self-installs. */
export function isManagedByAks(workload: Workload): boolean {
  const labels = workload.labels;
  return (labels["kubernetes.azure.com/managedby"] ?? "").toLowerCase() === "aks" || labels["addonmanager.kubernetes.io/mode"] !== undefined;
}

// ---------------------------------------------------------------- matching

interface Hit {
  workload: Workload;
  chart: ChartLabel | null;
  /** Images of this workload that matched, with the pattern each matched. */
  images: { ref: ImageRef; text: string; match: ImageMatch }[];
}

interface CompiledSignature {
  signature: OpenSourceSignature;
  charts: Set<string>;
  patterns: CompiledPattern[];
  /** The signature's id without punctuation, to relate CRD groups (`cert-manager` ~ `cert-manager.io`). */
  token: string;
}

function compileSignatures(signatures: readonly OpenSourceSignature[]): CompiledSignature[] {
  return signatures.map((signature) => ({
    signature,
    charts: new Set(signature.helmCharts.map((c) => c.toLowerCase())),
    patterns: signature.imagePatterns.map(compilePattern).filter((p): p is CompiledPattern => p !== null),
    token: signature.id.toLowerCase().replace(/[^a-z0-9]/g, ""),
  }));
}

function hitFor(workload: Workload, sig: CompiledSignature): Hit | null {
  const chartLabel = chartOf(workload.labels);
  const chart = chartLabel && sig.charts.has(chartLabel.chart.toLowerCase()) ? chartLabel : null;
  const images: Hit["images"] = [];
  for (const text of workload.images) {
    const ref = parseImage(text);
    const match = ref ? matchImage(ref, sig.patterns) : null;
    if (ref && match) images.push({ ref, text, match });
  }
  return chart || images.length > 0 ? { workload, chart, images } : null;
}

/** CRDs whose API group names the signature (`scaledobjects.keda.sh` for `keda`). */
function relatedCrds(crds: readonly string[], token: string): string[] {
  if (token.length < 4) return [];
  return crds.filter((name) => {
    const group = name.split(".").slice(1);
    return group.some((label) => label.replace(/[^a-z0-9]/gi, "").toLowerCase().startsWith(token));
  });
}

function byWorkload(a: Hit, b: Hit): number {
  // Chart-labelled workloads first: they are the release itself, not a side component.
  if ((a.chart === null) !== (b.chart === null)) return a.chart ? -1 : 1;
  const ai = Math.min(...a.images.map((i) => i.match.pattern.index), Infinity);
  const bi = Math.min(...b.images.map((i) => i.match.pattern.index), Infinity);
  if (ai !== bi) return ai - bi;
  const ka = `${a.workload.kind}/${a.workload.name}`;
  const kb = `${b.workload.kind}/${b.workload.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/**
 * A version as reports show it: `v1.16.2` → `1.16.2`, `stable-2.14.10` → `2.14.10`, and an image variant (`1.25.2-distroless`,
 * `2.9.1-debian-12-r3`) dropped, because it names a build flavour, not a release; pre-releases stay.
 */
export function normalizeVersion(text: string | null | undefined): string | null {
  // Release channels written before the number (Linkerd's `stable-2.14.10`) are not part of it.
  const v = parseVersion(typeof text === "string" ? text.trim().replace(/^(stable|edge|release)-(?=v?\d)/i, "") : text);
  if (!v) return null;
  const extra = v.extra.map((n) => `.${n}`).join("");
  return `${formatVersion(v)}${extra}${v.prerelease ? `-${v.prerelease}` : ""}`;
}

const readable = normalizeVersion;

/** Picks the version and says where it came from (see the rule at the top of the file). */
function versionOf(hits: readonly Hit[]): { version: string | null; from: string | null } {
  for (const hit of hits) {
    const label = readable(hit.workload.labels["app.kubernetes.io/version"]);
    if (label) return { version: label, from: "the app.kubernetes.io/version label" };
  }
  const images = hits.flatMap((h) => h.images).sort((a, b) => a.match.pattern.index - b.match.pattern.index);
  for (const image of images) {
    const tag = readable(image.ref.tag);
    if (tag) return { version: tag, from: "the image tag" };
  }
  for (const hit of hits) {
    const chart = readable(hit.chart?.version);
    if (chart) return { version: chart, from: "the chart version" };
  }
  return { version: null, from: null };
}

/** `Helm chart keda-2.16.1 (release keda; version from …; CRDs …) on Deployment keda-operator and 2 more workloads`. */
function describe(hits: readonly Hit[], crds: readonly string[], versionFrom: string | null): string {
  const first = hits[0]!;
  const details: string[] = [];
  let what: string;
  if (first.chart) {
    what = `Helm chart ${first.chart.chart}-${first.chart.version}`;
    const release = first.workload.labels["app.kubernetes.io/instance"] ?? first.workload.labels["release"];
    if (release) details.push(`release ${release}`);
  } else {
    const image = [...first.images].sort((a, b) => a.match.pattern.index - b.match.pattern.index)[0]!;
    what = `image ${image.text}`;
    if (image.match.mirrored) details.push(`a mirror of ${image.match.pattern.text}`);
  }
  if (versionFrom) details.push(`version from ${versionFrom}`);
  if (crds.length > 0) details.push(`CRDs ${crds.slice(0, 2).join(", ")}${crds.length > 2 ? ` and ${crds.length - 2} more` : ""}`);
  const more = hits.length > 1 ? ` and ${hits.length - 1} more workload${hits.length === 2 ? "" : "s"}` : "";
  return `${what}${details.length > 0 ? ` (${details.join("; ")})` : ""} on ${first.workload.kind} ${first.workload.name}${more}`;
}

/**
 * Every self-installed package the signatures recognise, one find per signature and namespace
 * (two releases of the same software in two namespaces are two installs), sorted by signature
 * and namespace so the same inventory always gives the same finds.
 */
export function matchInventory(clusterId: string, inventory: ClusterInventory, signatures: readonly OpenSourceSignature[]): OpenSourceFind[] {
  const compiled = compileSignatures(signatures);
  const groups = new Map<string, { sig: CompiledSignature; namespace: string; hits: Hit[] }>();
  for (const workload of inventory.workloads) {
    if (isManagedByAks(workload)) continue;
    for (const sig of compiled) {
      const hit = hitFor(workload, sig);
      if (!hit) continue;
      const key = `${sig.signature.id}\u0000${workload.namespace}`;
      const group = groups.get(key) ?? { sig, namespace: workload.namespace, hits: [] };
      group.hits.push(hit);
      groups.set(key, group);
    }
  }
  const crds = [...new Set(inventory.crds)].sort();
  const finds: OpenSourceFind[] = [];
  for (const { sig, namespace, hits } of groups.values()) {
    hits.sort(byWorkload);
    const { version, from } = versionOf(hits);
    finds.push({
      clusterId,
      signature: sig.signature.id,
      version,
      evidence: describe(hits, relatedCrds(crds, sig.token), from),
      namespace,
    });
  }
  return finds.sort((a, b) => (a.signature !== b.signature ? (a.signature < b.signature ? -1 : 1) : (a.namespace ?? "") < (b.namespace ?? "") ? -1 : 1));
}

/**
 * Matching workloads to the catalog's open-source signatures: pure, no cluster needed. The inputs
 * are what the Kubernetes adapter hands over (kind, namespace, name, labels, images, CRD names).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { loadBundledCatalog } from "../../src/catalog/load.js";
import type { OpenSourceSignature } from "../../src/catalog/schema.js";
import { matchInventory, normalizeVersion, parseChartLabel, parseImage, type Workload } from "../../src/core/signatures.js";

const CLUSTER = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1";
let signatures: OpenSourceSignature[];
beforeAll(async () => {
  signatures = (await loadBundledCatalog()).openSource;
});

const workload = (w: Partial<Workload> & Pick<Workload, "name" | "images">): Workload => ({ kind: "Deployment", namespace: "default", labels: {}, ...w });
const match = (workloads: Workload[], crds: string[] = []) => matchInventory(CLUSTER, { workloads, crds }, signatures);

describe("image references", () => {
  it("are normalised the way the container runtime resolves them", () => {
    expect(parseImage("grafana/grafana:11.5.2")).toEqual({ registry: "docker.io", repository: "grafana/grafana", tag: "11.5.2", digest: null });
    expect(parseImage("nginx")).toEqual({ registry: "docker.io", repository: "library/nginx", tag: null, digest: null });
    expect(parseImage("index.docker.io/hashicorp/vault:1.18.4")?.registry).toBe("docker.io");
    expect(parseImage("registry.k8s.io/ingress-nginx/controller:v1.11.3@sha256:abc")).toEqual({
      registry: "registry.k8s.io",
      repository: "ingress-nginx/controller",
      tag: "v1.11.3",
      digest: "sha256:abc",
    });
    expect(parseImage("localhost:5000/team/app")).toEqual({ registry: "localhost:5000", repository: "team/app", tag: null, digest: null });
    expect(parseImage("")).toBeNull();
  });

  it("chart labels split at the version, including charts whose names hold dashes and a v", () => {
    expect(parseChartLabel("kube-prometheus-stack-69.3.1")).toEqual({ chart: "kube-prometheus-stack", version: "69.3.1" });
    expect(parseChartLabel("linkerd-control-plane-1.16.11")).toEqual({ chart: "linkerd-control-plane", version: "1.16.11" });
    expect(parseChartLabel("cert-manager-v1.16.2")).toEqual({ chart: "cert-manager", version: "v1.16.2" });
    expect(parseChartLabel("consul-helm")).toBeNull();
  });

  it("versions drop a leading v, a release channel and an image variant, and keep pre-releases", () => {
    expect(normalizeVersion("v1.16.2")).toBe("1.16.2");
    expect(normalizeVersion("1.25.2-distroless")).toBe("1.25.2");
    expect(normalizeVersion("7.4.2-debian-12-r0")).toBe("7.4.2");
    expect(normalizeVersion("2.17.0-rc.1")).toBe("2.17.0-rc.1");
    expect(normalizeVersion("stable-2.14.10")).toBe("2.14.10");
    expect(normalizeVersion("latest")).toBeNull();
  });
});

describe("matching", () => {
  it("finds a Helm release by its chart label and reports the app version label", () => {
    const labels = { "helm.sh/chart": "keda-2.16.1", "app.kubernetes.io/instance": "keda", "app.kubernetes.io/version": "2.16.1" };
    const finds = match([
      workload({ namespace: "keda", name: "keda-operator", labels, images: ["ghcr.io/kedacore/keda:2.16.1"] }),
      workload({ namespace: "keda", name: "keda-admission-webhooks", labels, images: ["ghcr.io/kedacore/keda-admission-webhooks:2.16.1"] }),
    ], ["scaledobjects.keda.sh", "scaledjobs.keda.sh", "certificates.cert-manager.io"]);
    expect(finds).toHaveLength(1);
    expect(finds[0]).toMatchObject({ clusterId: CLUSTER, signature: "keda", version: "2.16.1", namespace: "keda" });
    expect(finds[0]!.evidence).toBe(
      "Helm chart keda-2.16.1 (release keda; version from the app.kubernetes.io/version label; CRDs scaledjobs.keda.sh, scaledobjects.keda.sh) on Deployment keda-operator and 1 more workload",
    );
    expect(finds[0]!.evidence).not.toContain("cert-manager");
  });

  it("finds software installed without Helm by its image, and takes the primary image's tag", () => {
    const finds = match([
      workload({ kind: "StatefulSet", namespace: "consul", name: "consul-server", labels: { chart: "consul-helm" }, images: ["hashicorp/consul:1.20.2"] }),
      workload({ namespace: "consul", name: "consul-connect-injector", images: ["hashicorp/consul-k8s-control-plane:1.6.2"] }),
    ]);
    expect(finds).toEqual([expect.objectContaining({ signature: "consul", version: "1.20.2", namespace: "consul" })]);
    expect(finds[0]!.evidence).toBe("image hashicorp/consul:1.20.2 (version from the image tag) on StatefulSet consul-server and 1 more workload");
  });

  it("prefers the app version label over image tags and chart versions", () => {
    const flux = { "app.kubernetes.io/part-of": "flux", "app.kubernetes.io/version": "v2.4.0" };
    const [find] = match([workload({ namespace: "flux-system", name: "source-controller", labels: flux, images: ["ghcr.io/fluxcd/source-controller:v1.4.1"] })]);
    expect(find).toMatchObject({ signature: "flux", version: "2.4.0" });
    // No label and an untagged image: the chart version is what is left.
    const [nginx] = match([workload({ namespace: "ingress", name: "ctl", labels: { "helm.sh/chart": "ingress-nginx-4.11.3" }, images: ["registry.k8s.io/ingress-nginx/controller@sha256:d56f"] })]);
    expect(nginx).toMatchObject({ signature: "ingress-nginx", version: "4.11.3" });
  });

  it("recognises an image pulled through a private mirror, but not Microsoft's own builds", () => {
    const finds = match([
      workload({ namespace: "velero", name: "velero", images: ["contosoacr.azurecr.io/velero/velero:v1.15.2"] }),
      workload({ namespace: "kube-system", name: "keda-operator", images: ["mcr.microsoft.com/oss/kedacore/keda:2.14.1"] }),
    ]);
    expect(finds).toEqual([expect.objectContaining({ signature: "velero", version: "1.15.2" })]);
    expect(finds[0]!.evidence).toContain("a mirror of velero/velero");
  });

  it("skips what AKS manages and what merely looks similar", () => {
    const finds = match([
      workload({ namespace: "kube-system", name: "keda-operator", labels: { "kubernetes.azure.com/managedby": "aks", "helm.sh/chart": "keda-2.14.1" }, images: ["ghcr.io/kedacore/keda:2.14.1"] }),
      workload({ namespace: "kube-system", kind: "DaemonSet", name: "kube-proxy", labels: { "addonmanager.kubernetes.io/mode": "Reconcile" }, images: ["mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.33.2"] }),
      workload({ namespace: "shop", name: "nginx", images: ["nginx:1.27.3"] }),
      workload({ namespace: "logs", kind: "StatefulSet", name: "loki", labels: { "helm.sh/chart": "loki-6.24.0" }, images: ["docker.io/grafana/loki:3.3.2"] }),
      workload({ namespace: "faas", name: "prometheus", images: ["prom/prometheus:v2.53.0"] }),
    ]);
    expect(finds).toEqual([]);
  });

  it("reports two releases in two namespaces as two installs, sorted", () => {
    const grafana = (ns: string, v: string) => workload({ namespace: ns, name: "grafana", labels: { "helm.sh/chart": "grafana-8.10.1", "app.kubernetes.io/version": v }, images: [`grafana/grafana:${v}`] });
    const finds = match([grafana("team-b", "11.3.0"), grafana("team-a", "11.5.2")]);
    expect(finds.map((f) => [f.signature, f.namespace, f.version])).toEqual([
      ["grafana", "team-a", "11.5.2"],
      ["grafana", "team-b", "11.3.0"],
    ]);
  });

  it("reports no version rather than a wrong one", () => {
    const [find] = match([workload({ namespace: "kured", kind: "DaemonSet", name: "kured", images: ["ghcr.io/kubereboot/kured:latest"] })]);
    expect(find).toMatchObject({ signature: "kured", version: null });
    expect(find!.evidence).not.toContain("version from");
  });
});

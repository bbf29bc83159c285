/**
 * A loopback HTTPS fake of the Kubernetes API for many clusters at once: each cluster is served
 * under `/clusters/<name>`, the server address the fleet simulator puts into that cluster's
 * kubeconfig. It answers the read-only list calls the auditor makes the way a real API server
 * does — `DeploymentList`/`DaemonSetList`/`StatefulSetList` (apps/v1) and
 * `CustomResourceDefinitionList` (apiextensions.k8s.io/v1), with `metadata.resourceVersion`,
 * `limit`/`continue` paging and `Status` errors — rendered from templates/*.json, which follow
 * `kubectl get -o json` output, not the auditor's types.
 *
 * What a cluster runs is a plan: planted open-source installs (each shaped like its real Helm
 * chart or installer: labels, components, images, CRDs), AKS's own system workloads (which must
 * never be reported), ordinary applications, and failure modes (unreachable, 401, 5xx, CRDs denied).
 */
import https from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import containerTemplate from "./kubeFake/templates/container.json" with { type: "json" };
import crdTemplate from "./kubeFake/templates/customResourceDefinition.json" with { type: "json" };
import daemonSetTemplate from "./kubeFake/templates/daemonSet.json" with { type: "json" };
import deploymentTemplate from "./kubeFake/templates/deployment.json" with { type: "json" };
import listTemplate from "./kubeFake/templates/list.json" with { type: "json" };
import statefulSetTemplate from "./kubeFake/templates/statefulSet.json" with { type: "json" };
import statusTemplate from "./kubeFake/templates/status.json" with { type: "json" };
import { hashString, rng } from "./simulator/random.js";
import { createLocalTls, type LocalTls } from "./tls.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
type Kind = "Deployment" | "DaemonSet" | "StatefulSet";

// ---------------------------------------------------------------- what can be planted

export const SOFTWARE = [
  "kube-prometheus-stack",
  "grafana",
  "istio",
  "linkerd",
  "consul",
  "vault",
  "keda",
  "dapr",
  "flux",
  "cert-manager",
  "ingress-nginx",
  "couchbase",
  "openfaas",
  "spark-operator",
  "kured",
  "velero",
] as const;
export type Software = (typeof SOFTWARE)[number];

export interface PlantedInstall {
  software: Software;
  /** The software's version as the auditor should report it (`2.16.1`); rendered as the real install does (`v2.16.1`, `stable-2.14.10`). */
  version: string;
  /** Default: the namespace its installer uses. */
  namespace?: string;
  /** Images pulled through this registry instead of the upstream one (a private mirror). */
  mirror?: string;
}

interface WorkloadSpec {
  kind: Kind;
  name: string;
  labels: Record<string, string>;
  images: string[];
  initImages?: string[];
}

interface InstallShape {
  /** The catalog signature this install should be reported as. */
  signature: string;
  namespace: string;
  workloads: (version: string) => WorkloadSpec[];
  crds: string[];
}

const helm = (chart: string, release: string, extra: Record<string, string> = {}): Record<string, string> => ({
  "helm.sh/chart": chart,
  "app.kubernetes.io/instance": release,
  "app.kubernetes.io/managed-by": "Helm",
  ...extra,
});

/** Chart versions as published next to the app versions the fake plants (a few; others get a plausible one). */
const CHART_OF: Record<string, Record<string, string>> = {
  grafana: { "11.5.2": "8.10.1", "11.3.0": "8.5.12", "10.4.1": "7.3.7" },
  vault: { "1.18.4": "0.29.1", "1.17.2": "0.28.1", "1.15.6": "0.27.0" },
  consul: { "1.20.2": "1.6.2", "1.19.1": "1.5.1" },
  "ingress-nginx": { "1.11.3": "4.11.3", "1.12.0": "4.12.0", "1.9.6": "4.9.1" },
  linkerd: { "2.14.10": "1.16.11", "2.13.7": "1.12.7" },
  openfaas: { "0.27.9": "14.2.90", "0.27.5": "14.2.34" },
  velero: { "1.15.2": "8.3.0", "1.14.1": "7.2.1" },
  kured: { "1.17.1": "5.6.0", "1.16.0": "5.5.1" },
  couchbase: { "2.7.0": "2.70.0", "2.6.4": "2.64.0" },
};
const chartVersion = (software: string, version: string): string => CHART_OF[software]?.[version] ?? `${version.split(".")[0]}.${version.split(".")[1]}.0`;

const SHAPES: Record<Software, InstallShape> = {
  "kube-prometheus-stack": {
    signature: "prometheus",
    namespace: "monitoring",
    // The chart labels its own objects with the chart version as app.kubernetes.io/version.
    workloads: (v) => {
      const base = { chart: `kube-prometheus-stack-${v}`, release: "kps", heritage: "Helm", "app.kubernetes.io/instance": "kps", "app.kubernetes.io/managed-by": "Helm", "app.kubernetes.io/part-of": "kube-prometheus-stack", "app.kubernetes.io/version": v };
      return [
        { kind: "Deployment", name: "kps-kube-prometheus-stack-operator", labels: { ...base, app: "kube-prometheus-stack-operator", "app.kubernetes.io/name": "kube-prometheus-stack-prometheus-operator", "app.kubernetes.io/component": "prometheus-operator" }, images: ["quay.io/prometheus-operator/prometheus-operator:v0.80.1"] },
        {
          kind: "StatefulSet",
          name: "prometheus-kps-kube-prometheus-stack-prometheus",
          labels: { "app.kubernetes.io/managed-by": "prometheus-operator", "app.kubernetes.io/name": "prometheus", "app.kubernetes.io/version": "3.2.1", "operator.prometheus.io/name": "kps-kube-prometheus-stack-prometheus" },
          images: ["quay.io/prometheus/prometheus:v3.2.1", "quay.io/prometheus-operator/prometheus-config-reloader:v0.80.1"],
          initImages: ["quay.io/prometheus-operator/prometheus-config-reloader:v0.80.1"],
        },
        { kind: "DaemonSet", name: "kps-prometheus-node-exporter", labels: helm("prometheus-node-exporter-4.44.1", "kps", { "app.kubernetes.io/name": "prometheus-node-exporter", "app.kubernetes.io/version": "1.9.0" }), images: ["quay.io/prometheus/node-exporter:v1.9.0"] },
        { kind: "Deployment", name: "kps-kube-state-metrics", labels: helm("kube-state-metrics-5.30.0", "kps", { "app.kubernetes.io/name": "kube-state-metrics", "app.kubernetes.io/version": "2.15.0" }), images: ["registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.15.0"] },
      ];
    },
    crds: ["alertmanagers.monitoring.coreos.com", "podmonitors.monitoring.coreos.com", "prometheuses.monitoring.coreos.com", "prometheusrules.monitoring.coreos.com", "servicemonitors.monitoring.coreos.com"],
  },
  grafana: {
    signature: "grafana",
    namespace: "grafana",
    workloads: (v) => [
      {
        kind: "Deployment",
        name: "grafana",
        labels: helm(`grafana-${chartVersion("grafana", v)}`, "grafana", { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/version": v }),
        images: [`docker.io/grafana/grafana:${v}`, "quay.io/kiwigrid/k8s-sidecar:1.30.0"],
        initImages: ["docker.io/library/busybox:1.31.1"],
      },
    ],
    crds: [],
  },
  istio: {
    signature: "istio",
    namespace: "istio-system",
    // istioctl install: operator labels, no Helm chart label; the version is only in the image tags.
    workloads: (v): WorkloadSpec[] => [
      { kind: "Deployment", name: "istiod", labels: { app: "istiod", istio: "pilot", "istio.io/rev": "default", "install.operator.istio.io/owning-resource": "installed-state", "operator.istio.io/component": "Pilot" }, images: [`docker.io/istio/pilot:${v}`] },
      { kind: "Deployment", name: "istio-ingressgateway", labels: { app: "istio-ingressgateway", istio: "ingressgateway", "istio.io/rev": "default", "operator.istio.io/component": "IngressGateways" }, images: [`docker.io/istio/proxyv2:${v}`] },
    ],
    crds: ["authorizationpolicies.security.istio.io", "destinationrules.networking.istio.io", "gateways.networking.istio.io", "peerauthentications.security.istio.io", "virtualservices.networking.istio.io"],
  },
  linkerd: {
    signature: "linkerd",
    namespace: "linkerd",
    // Linkerd tags its releases `stable-2.14.10`.
    workloads: (v) => {
      const labels = helm(`linkerd-control-plane-${chartVersion("linkerd", v)}`, "linkerd-control-plane", { "linkerd.io/control-plane-ns": "linkerd", "app.kubernetes.io/part-of": "Linkerd", "app.kubernetes.io/version": `stable-${v}` });
      return [
        { kind: "Deployment", name: "linkerd-destination", labels: { ...labels, "linkerd.io/control-plane-component": "destination" }, images: [`cr.l5d.io/linkerd/controller:stable-${v}`, `cr.l5d.io/linkerd/proxy:stable-${v}`], initImages: ["cr.l5d.io/linkerd/proxy-init:v2.2.3"] },
        { kind: "Deployment", name: "linkerd-identity", labels: { ...labels, "linkerd.io/control-plane-component": "identity" }, images: [`cr.l5d.io/linkerd/controller:stable-${v}`, `cr.l5d.io/linkerd/proxy:stable-${v}`] },
      ];
    },
    crds: ["authorizationpolicies.policy.linkerd.io", "serviceprofiles.linkerd.io", "servers.policy.linkerd.io"],
  },
  consul: {
    signature: "consul",
    namespace: "consul",
    // consul-k8s labels `chart: consul-helm` (no version): found by image.
    workloads: (v) => [
      { kind: "StatefulSet", name: "consul-server", labels: { app: "consul", chart: "consul-helm", release: "consul", heritage: "Helm", component: "server" }, images: [`hashicorp/consul:${v}`] },
      { kind: "Deployment", name: "consul-connect-injector", labels: { app: "consul", chart: "consul-helm", release: "consul", heritage: "Helm", component: "connect-injector" }, images: [`hashicorp/consul-k8s-control-plane:${chartVersion("consul", v)}`] },
    ],
    crds: ["exportedservices.consul.hashicorp.com", "servicedefaults.consul.hashicorp.com", "serviceintentions.consul.hashicorp.com"],
  },
  vault: {
    signature: "vault",
    namespace: "vault",
    workloads: (v) => [
      { kind: "StatefulSet", name: "vault", labels: helm(`vault-${chartVersion("vault", v)}`, "vault", { "app.kubernetes.io/name": "vault", component: "server" }), images: [`hashicorp/vault:${v}`] },
      { kind: "Deployment", name: "vault-agent-injector", labels: helm(`vault-${chartVersion("vault", v)}`, "vault", { "app.kubernetes.io/name": "vault-agent-injector", component: "webhook" }), images: ["hashicorp/vault-k8s:1.6.2"] },
    ],
    crds: [],
  },
  keda: {
    signature: "keda",
    namespace: "keda",
    workloads: (v) => {
      const labels = helm(`keda-${v}`, "keda", { "app.kubernetes.io/part-of": "keda-operator", "app.kubernetes.io/version": v });
      return [
        { kind: "Deployment", name: "keda-operator", labels: { ...labels, "app.kubernetes.io/name": "keda-operator", app: "keda-operator" }, images: [`ghcr.io/kedacore/keda:${v}`] },
        { kind: "Deployment", name: "keda-operator-metrics-apiserver", labels: { ...labels, "app.kubernetes.io/name": "keda-operator-metrics-apiserver" }, images: [`ghcr.io/kedacore/keda-metrics-apiserver:${v}`] },
        { kind: "Deployment", name: "keda-admission-webhooks", labels: { ...labels, "app.kubernetes.io/name": "keda-admission-webhooks" }, images: [`ghcr.io/kedacore/keda-admission-webhooks:${v}`] },
      ];
    },
    crds: ["clustertriggerauthentications.keda.sh", "scaledjobs.keda.sh", "scaledobjects.keda.sh", "triggerauthentications.keda.sh"],
  },
  dapr: {
    signature: "dapr",
    namespace: "dapr-system",
    workloads: (v) => {
      const labels = helm(`dapr-${v}`, "dapr", { "app.kubernetes.io/part-of": "dapr", "app.kubernetes.io/version": v });
      return [
        { kind: "Deployment", name: "dapr-operator", labels: { ...labels, app: "dapr-operator", "app.kubernetes.io/component": "operator" }, images: [`docker.io/daprio/dapr:${v}`] },
        { kind: "Deployment", name: "dapr-sidecar-injector", labels: { ...labels, app: "dapr-sidecar-injector", "app.kubernetes.io/component": "sidecar-injector" }, images: [`docker.io/daprio/dapr:${v}`] },
        { kind: "Deployment", name: "dapr-sentry", labels: { ...labels, app: "dapr-sentry", "app.kubernetes.io/component": "sentry" }, images: [`docker.io/daprio/dapr:${v}`] },
        { kind: "StatefulSet", name: "dapr-placement-server", labels: { ...labels, app: "dapr-placement-server", "app.kubernetes.io/component": "placement" }, images: [`docker.io/daprio/dapr:${v}`] },
      ];
    },
    crds: ["components.dapr.io", "configurations.dapr.io", "resiliencies.dapr.io", "subscriptions.dapr.io"],
  },
  flux: {
    signature: "flux",
    namespace: "flux-system",
    // `flux bootstrap`: no chart; the distribution's version is on app.kubernetes.io/version.
    workloads: (v) => {
      const labels = { "app.kubernetes.io/instance": "flux-system", "app.kubernetes.io/part-of": "flux", "app.kubernetes.io/version": `v${v}`, "control-plane": "controller", "kustomize.toolkit.fluxcd.io/name": "flux-system" };
      return [
        { kind: "Deployment", name: "source-controller", labels: { ...labels, "app.kubernetes.io/component": "source-controller" }, images: ["ghcr.io/fluxcd/source-controller:v1.4.1"] },
        { kind: "Deployment", name: "kustomize-controller", labels: { ...labels, "app.kubernetes.io/component": "kustomize-controller" }, images: ["ghcr.io/fluxcd/kustomize-controller:v1.4.0"] },
        { kind: "Deployment", name: "helm-controller", labels: { ...labels, "app.kubernetes.io/component": "helm-controller" }, images: ["ghcr.io/fluxcd/helm-controller:v1.1.0"] },
        { kind: "Deployment", name: "notification-controller", labels: { ...labels, "app.kubernetes.io/component": "notification-controller" }, images: ["ghcr.io/fluxcd/notification-controller:v1.4.0"] },
      ];
    },
    crds: ["gitrepositories.source.toolkit.fluxcd.io", "helmreleases.helm.toolkit.fluxcd.io", "kustomizations.kustomize.toolkit.fluxcd.io"],
  },
  "cert-manager": {
    signature: "cert-manager",
    namespace: "cert-manager",
    workloads: (v) => {
      const labels = helm(`cert-manager-v${v}`, "cert-manager", { "app.kubernetes.io/version": `v${v}` });
      return [
        { kind: "Deployment", name: "cert-manager", labels: { ...labels, "app.kubernetes.io/name": "cert-manager", "app.kubernetes.io/component": "controller" }, images: [`quay.io/jetstack/cert-manager-controller:v${v}`] },
        { kind: "Deployment", name: "cert-manager-webhook", labels: { ...labels, "app.kubernetes.io/name": "webhook", "app.kubernetes.io/component": "webhook" }, images: [`quay.io/jetstack/cert-manager-webhook:v${v}`] },
        { kind: "Deployment", name: "cert-manager-cainjector", labels: { ...labels, "app.kubernetes.io/name": "cainjector", "app.kubernetes.io/component": "cainjector" }, images: [`quay.io/jetstack/cert-manager-cainjector:v${v}`] },
      ];
    },
    crds: ["certificaterequests.cert-manager.io", "certificates.cert-manager.io", "challenges.acme.cert-manager.io", "clusterissuers.cert-manager.io", "issuers.cert-manager.io", "orders.acme.cert-manager.io"],
  },
  "ingress-nginx": {
    signature: "ingress-nginx",
    namespace: "ingress-nginx",
    workloads: (v) => [
      {
        kind: "Deployment",
        name: "ingress-nginx-controller",
        labels: helm(`ingress-nginx-${chartVersion("ingress-nginx", v)}`, "ingress-nginx", { "app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller", "app.kubernetes.io/part-of": "ingress-nginx", "app.kubernetes.io/version": v }),
        images: [`registry.k8s.io/ingress-nginx/controller:v${v}@sha256:d56f135b6462cfc476447cfe564b83a45e8bb7da2774963b00d12161112270b7`],
      },
    ],
    crds: [],
  },
  couchbase: {
    signature: "couchbase",
    namespace: "couchbase",
    workloads: (v) => [
      { kind: "Deployment", name: "couchbase-operator", labels: helm(`couchbase-operator-${chartVersion("couchbase", v)}`, "couchbase", { "app.kubernetes.io/name": "couchbase-operator" }), images: [`couchbase/operator:${v}`] },
      { kind: "Deployment", name: "couchbase-operator-admission", labels: helm(`couchbase-operator-${chartVersion("couchbase", v)}`, "couchbase", { "app.kubernetes.io/name": "couchbase-admission-controller" }), images: [`couchbase/admission-controller:${v}`] },
    ],
    crds: ["couchbasebuckets.couchbase.com", "couchbaseclusters.couchbase.com", "couchbaseusers.couchbase.com"],
  },
  openfaas: {
    signature: "openfaas",
    namespace: "openfaas",
    // The openfaas chart uses the older `chart`/`release`/`heritage` labels.
    workloads: (v) => {
      const labels = { chart: `openfaas-${chartVersion("openfaas", v)}`, release: "openfaas", heritage: "Helm" };
      return [
        { kind: "Deployment", name: "gateway", labels: { ...labels, app: "openfaas", component: "gateway" }, images: [`ghcr.io/openfaas/gateway:${v}`, "ghcr.io/openfaas/faas-netes:0.18.10"] },
        { kind: "Deployment", name: "nats", labels: { ...labels, app: "openfaas", component: "nats" }, images: ["nats-streaming:0.25.6"] },
        { kind: "Deployment", name: "prometheus", labels: { ...labels, app: "openfaas", component: "prometheus" }, images: ["prom/prometheus:v2.53.0"] },
      ];
    },
    crds: ["functions.openfaas.com", "profiles.openfaas.com"],
  },
  "spark-operator": {
    signature: "spark-operator",
    namespace: "spark-operator",
    workloads: (v) => {
      const labels = helm(`spark-operator-${v}`, "spark-operator", { "app.kubernetes.io/name": "spark-operator", "app.kubernetes.io/version": v });
      return [
        { kind: "Deployment", name: "spark-operator-controller", labels: { ...labels, "app.kubernetes.io/component": "controller" }, images: [`docker.io/kubeflow/spark-operator/controller:${v}`] },
        { kind: "Deployment", name: "spark-operator-webhook", labels: { ...labels, "app.kubernetes.io/component": "webhook" }, images: [`docker.io/kubeflow/spark-operator/controller:${v}`] },
      ];
    },
    crds: ["scheduledsparkapplications.sparkoperator.k8s.io", "sparkapplications.sparkoperator.k8s.io"],
  },
  kured: {
    signature: "kured",
    // Installed where its docs put it: kube-system, next to AKS's own workloads.
    namespace: "kube-system",
    workloads: (v) => [{ kind: "DaemonSet", name: "kured", labels: helm(`kured-${chartVersion("kured", v)}`, "kured", { "app.kubernetes.io/name": "kured" }), images: [`ghcr.io/kubereboot/kured:${v}`] }],
    crds: [],
  },
  velero: {
    signature: "velero",
    namespace: "velero",
    workloads: (v) => [
      { kind: "Deployment", name: "velero", labels: helm(`velero-${chartVersion("velero", v)}`, "velero", { "app.kubernetes.io/name": "velero", component: "velero" }), images: [`velero/velero:v${v}`], initImages: ["velero/velero-plugin-for-microsoft-azure:v1.11.0"] },
      { kind: "DaemonSet", name: "node-agent", labels: helm(`velero-${chartVersion("velero", v)}`, "velero", { "app.kubernetes.io/name": "velero", name: "node-agent" }), images: [`velero/velero:v${v}`] },
    ],
    crds: ["backups.velero.io", "backupstoragelocations.velero.io", "restores.velero.io", "schedules.velero.io"],
  },
};

/** The signature a planted install should be reported as, and its default namespace. */
export function plantedAs(install: PlantedInstall): { signature: string; namespace: string; version: string } {
  const shape = SHAPES[install.software];
  return { signature: shape.signature, namespace: install.namespace ?? shape.namespace, version: install.version };
}

// ---------------------------------------------------------------- what every cluster runs

const aks = { "kubernetes.azure.com/managedby": "aks" };
const reconciled = { "addonmanager.kubernetes.io/mode": "Reconcile" };

/** AKS's own components: managed, from mcr.microsoft.com; never to be reported. */
const SYSTEM: (WorkloadSpec & { namespace: string })[] = [
  { namespace: "kube-system", kind: "Deployment", name: "coredns", labels: { ...aks, "k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true", version: "v20" }, images: ["mcr.microsoft.com/oss/v2/kubernetes/coredns:v1.11.3-6"] },
  { namespace: "kube-system", kind: "Deployment", name: "metrics-server", labels: { ...reconciled, "k8s-app": "metrics-server" }, images: ["mcr.microsoft.com/oss/v2/kubernetes/metrics-server:v0.7.2-1"] },
  { namespace: "kube-system", kind: "Deployment", name: "konnectivity-agent", labels: { ...aks, app: "konnectivity-agent" }, images: ["mcr.microsoft.com/oss/kubernetes/apiserver-network-proxy/agent:v0.30.3-hotfix.20240819"] },
  { namespace: "kube-system", kind: "DaemonSet", name: "kube-proxy", labels: { ...reconciled, component: "kube-proxy", tier: "node" }, images: ["mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.33.2"] },
  { namespace: "kube-system", kind: "DaemonSet", name: "azure-ip-masq-agent", labels: { ...reconciled, "k8s-app": "azure-ip-masq-agent" }, images: ["mcr.microsoft.com/aks/ip-masq-agent-v2:v0.1.15"] },
  { namespace: "kube-system", kind: "DaemonSet", name: "cloud-node-manager", labels: { ...reconciled, "k8s-app": "cloud-node-manager" }, images: ["mcr.microsoft.com/oss/kubernetes/azure-cloud-node-manager:v1.33.1"] },
  { namespace: "kube-system", kind: "DaemonSet", name: "csi-azuredisk-node", labels: { ...reconciled, app: "csi-azuredisk-node" }, images: ["mcr.microsoft.com/oss/kubernetes-csi/azuredisk-csi:v1.33.1", "mcr.microsoft.com/oss/kubernetes-csi/livenessprobe:v2.15.0"] },
];

/** The KEDA add-on's workloads: AKS-managed, so never a self-install even with KEDA's names. */
const KEDA_ADDON: (WorkloadSpec & { namespace: string })[] = [
  { namespace: "kube-system", kind: "Deployment", name: "keda-operator", labels: { ...aks, app: "keda-operator", "app.kubernetes.io/name": "keda-operator", "app.kubernetes.io/version": "2.14.1" }, images: ["mcr.microsoft.com/oss/kedacore/keda:2.14.1"] },
  { namespace: "kube-system", kind: "Deployment", name: "keda-operator-metrics-apiserver", labels: { ...aks, app: "keda-operator-metrics-apiserver" }, images: ["mcr.microsoft.com/oss/kedacore/keda-metrics-apiserver:2.14.1"] },
];

/** Ordinary applications, some with names that look like the software above but are not it. */
const APPS: (WorkloadSpec & { namespace: string })[] = [
  { namespace: "shop", kind: "Deployment", name: "web", labels: helm("web-1.4.0", "web", { "app.kubernetes.io/name": "web", "app.kubernetes.io/version": "2024.11.3" }), images: ["contoso.azurecr.io/shop/web:2024.11.3"] },
  { namespace: "shop", kind: "Deployment", name: "nginx-frontend", labels: { app: "nginx-frontend" }, images: ["nginx:1.27.3"] },
  { namespace: "shop", kind: "StatefulSet", name: "redis", labels: helm("redis-20.6.2", "redis", { "app.kubernetes.io/name": "redis", "app.kubernetes.io/version": "7.4.2" }), images: ["docker.io/bitnami/redis:7.4.2-debian-12-r0"] },
  { namespace: "observability", kind: "StatefulSet", name: "loki", labels: helm("loki-6.24.0", "loki", { "app.kubernetes.io/name": "loki" }), images: ["docker.io/grafana/loki:3.3.2"] },
];

// ---------------------------------------------------------------- plans

export interface ClusterPlan {
  installs: PlantedInstall[];
  /** The AKS KEDA add-on's workloads are present (set this when the simulated cluster has it on). */
  kedaAddon?: boolean;
  /** Connections are cut before any answer (a private cluster seen from outside its network). */
  unreachable?: boolean;
  /** Every request fails with this status (401: no Entra ID integration; 5xx: a failing API server). */
  failWith?: 401 | 500 | 503;
  /** Listing CRDs is forbidden (a role without apiextensions read). */
  crdForbidden?: boolean;
}

const DEMO_VERSIONS: Record<Software, string[]> = {
  "kube-prometheus-stack": ["69.3.1", "66.2.2", "58.7.2"],
  grafana: ["11.5.2", "11.3.0", "10.4.1"],
  istio: ["1.24.3", "1.23.4", "1.22.8"],
  linkerd: ["2.14.10", "2.13.7"],
  consul: ["1.20.2", "1.19.1"],
  vault: ["1.18.4", "1.17.2", "1.15.6"],
  keda: ["2.16.1", "2.15.1", "2.12.1"],
  dapr: ["1.14.4", "1.13.6"],
  flux: ["2.4.0", "2.3.0", "2.7.5"],
  "cert-manager": ["1.16.2", "1.15.3", "1.13.6"],
  "ingress-nginx": ["1.11.3", "1.12.0", "1.9.6"],
  couchbase: ["2.7.0", "2.6.4"],
  openfaas: ["0.27.9", "0.27.5"],
  "spark-operator": ["2.1.0", "2.0.2"],
  kured: ["1.17.1", "1.16.0"],
  velero: ["1.15.2", "1.14.1"],
};

/** A deterministic mix for any cluster name: two to four installs, one cluster in twelve unreachable. */
export function mixedPlan(clusterName: string): ClusterPlan {
  const r = rng(hashString(clusterName), 0, 97);
  if (r.chance(1 / 12)) return { installs: [], unreachable: true };
  const count = r.int(2, 4);
  const pool = [...SOFTWARE];
  const installs: PlantedInstall[] = [];
  while (installs.length < count) {
    const software = pool.splice(r.int(0, pool.length - 1), 1)[0]!;
    installs.push({ software, version: r.pick(DEMO_VERSIONS[software]) });
  }
  return { installs };
}

// ---------------------------------------------------------------- rendering

function fill<T>(template: T, vars: Record<string, string>): T {
  const walk = (value: unknown): unknown => {
    if (typeof value === "string") return value.replace(/\{(\w+)\}/g, (m, key: string) => vars[key] ?? m);
    if (Array.isArray(value)) return value.map(walk);
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]));
    return value;
  };
  return walk(template) as T;
}

function uid(...parts: string[]): string {
  const h = (s: string): string => (hashString(s) >>> 0).toString(16).padStart(8, "0");
  const a = h(parts.join("/"));
  const b = h(`${parts.join("/")}#`);
  return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-a${a.slice(1, 4)}-${b}${a.slice(0, 4)}`;
}

const CREATED = "2026-09-14T08:21:37Z";
const TEMPLATES: Record<Kind, unknown> = { Deployment: deploymentTemplate, DaemonSet: daemonSetTemplate, StatefulSet: statefulSetTemplate };

function withMirror(image: string, mirror: string | undefined): string {
  if (!mirror) return image;
  const parts = image.split("/");
  const hasRegistry = parts.length > 1 && (parts[0]!.includes(".") || parts[0]!.includes(":"));
  return `${mirror}/${(hasRegistry ? parts.slice(1) : parts).join("/")}`;
}

function renderWorkload(cluster: string, namespace: string, spec: WorkloadSpec, mirror?: string): JsonObject {
  const item = fill(TEMPLATES[spec.kind], {
    name: spec.name,
    namespace,
    uid: uid(cluster, namespace, spec.kind, spec.name),
    resourceVersion: String(100_000 + (hashString(`${cluster}/${namespace}/${spec.name}`) % 900_000)),
    creationTimestamp: CREATED,
    serviceAccount: spec.name,
  }) as JsonObject;
  const metadata = item.metadata as JsonObject;
  metadata.labels = { ...spec.labels };
  const selector = Object.fromEntries(Object.entries(spec.labels).filter(([k]) => !/version|helm\.sh\/chart|^chart$|heritage|managed-by/.test(k)));
  ((item.spec as JsonObject).selector as JsonObject).matchLabels = selector;
  const template = (item.spec as JsonObject).template as JsonObject;
  (template.metadata as JsonObject).labels = { ...spec.labels };
  const podSpec = template.spec as JsonObject;
  const container = (image: string, name: string): JsonObject => fill(containerTemplate, { name: name.slice(0, 63), image: withMirror(image, mirror) }) as JsonObject;
  podSpec.containers = spec.images.map((image, i) => container(image, i === 0 ? spec.name : `${spec.name}-${i}`));
  if (spec.initImages?.length) podSpec.initContainers = spec.initImages.map((image, i) => container(image, `init-${i}`));
  return item;
}

function renderCrd(cluster: string, name: string): JsonObject {
  const [plural = name, ...group] = name.split(".");
  const singular = plural.replace(/ies$/, "y").replace(/s$/, "");
  const kind = singular.charAt(0).toUpperCase() + singular.slice(1);
  return fill(crdTemplate, {
    name,
    uid: uid(cluster, "crd", name),
    resourceVersion: String(10_000 + (hashString(`${cluster}/${name}`) % 90_000)),
    creationTimestamp: CREATED,
    group: group.join("."),
    plural,
    singular,
    kind,
  }) as JsonObject;
}

interface ClusterObjects {
  byKind: Record<Kind, JsonObject[]>;
  crds: JsonObject[];
}

function renderCluster(cluster: string, plan: ClusterPlan): ClusterObjects {
  const byKind: Record<Kind, JsonObject[]> = { Deployment: [], DaemonSet: [], StatefulSet: [] };
  const crdNames = new Set<string>();
  const add = (namespace: string, spec: WorkloadSpec, mirror?: string): void => {
    byKind[spec.kind].push(renderWorkload(cluster, namespace, spec, mirror));
  };
  for (const w of SYSTEM) add(w.namespace, w);
  if (plan.kedaAddon) {
    for (const w of KEDA_ADDON) add(w.namespace, w);
    for (const crd of SHAPES.keda.crds) crdNames.add(crd);
  }
  for (const w of APPS) add(w.namespace, w);
  for (const install of plan.installs) {
    const shape = SHAPES[install.software];
    for (const w of shape.workloads(install.version)) add(install.namespace ?? shape.namespace, w, install.mirror);
    for (const crd of shape.crds) crdNames.add(crd);
  }
  // A real API server lists by namespace, then name.
  for (const list of Object.values(byKind)) {
    list.sort((a, b) => {
      const ma = a.metadata as JsonObject;
      const mb = b.metadata as JsonObject;
      return `${ma.namespace}/${ma.name}` < `${mb.namespace}/${mb.name}` ? -1 : 1;
    });
  }
  return { byKind, crds: [...crdNames].sort().map((name) => renderCrd(cluster, name)) };
}

/**
 * A `Status` as the API server builds it (apimachinery's `errors.New…` helpers): `details` names the
 * group and resource only for errors about a resource (403 Forbidden, 404, 405); 401 Unauthorized,
 * 503 ServiceUnavailable and 410 Expired come without it. Assumed from those helpers and public
 * `kubectl -v=8` transcripts, not recorded from AKS.
 */
function status(code: number, reason: string, message: string, group = "", resource = ""): JsonObject {
  const body = fill(statusTemplate, { message, reason, group, resource }) as JsonObject;
  if (!group && !resource) delete body.details;
  body.code = code;
  return body;
}

// ---------------------------------------------------------------- the server

export interface KubeRequest {
  cluster: string;
  method: string;
  path: string;
  query: string;
  /** The bearer token presented (tests check it is the AKS-audience token, never a cluster secret). */
  token: string | null;
}

export interface KubeFakeOptions {
  /** Plans by cluster name; clusters not listed get `fallback` (default: nothing planted). */
  plans?: Record<string, ClusterPlan>;
  fallback?: (clusterName: string) => ClusterPlan;
  /** Largest page the server hands out, whatever `limit` asks (default 500). */
  maxPage?: number;
  tls?: LocalTls;
}

export interface KubeFake {
  /** `https://127.0.0.1:<port>` */
  endpoint: string;
  /** PEM certificate: the cluster CA the kubeconfigs carry. */
  ca: string;
  /** The API server address of a cluster, as its kubeconfig names it. */
  serverFor(clusterName: string): string;
  planFor(clusterName: string): ClusterPlan;
  /** Replace a cluster's plan (tests). */
  setPlan(clusterName: string, plan: ClusterPlan): void;
  readonly requests: KubeRequest[];
  close(): Promise<void>;
}

const ROUTES: Record<string, { kind: Kind | "CRD"; listKind: string; apiVersion: string; group: string; resource: string }> = {
  "/apis/apps/v1/deployments": { kind: "Deployment", listKind: "DeploymentList", apiVersion: "apps/v1", group: "apps", resource: "deployments" },
  "/apis/apps/v1/daemonsets": { kind: "DaemonSet", listKind: "DaemonSetList", apiVersion: "apps/v1", group: "apps", resource: "daemonsets" },
  "/apis/apps/v1/statefulsets": { kind: "StatefulSet", listKind: "StatefulSetList", apiVersion: "apps/v1", group: "apps", resource: "statefulsets" },
  "/apis/apiextensions.k8s.io/v1/customresourcedefinitions": {
    kind: "CRD",
    listKind: "CustomResourceDefinitionList",
    apiVersion: "apiextensions.k8s.io/v1",
    group: "apiextensions.k8s.io",
    resource: "customresourcedefinitions",
  },
};

export async function startKubeFake(options: KubeFakeOptions = {}): Promise<KubeFake> {
  const tls = options.tls ?? (await createLocalTls());
  const plans = new Map(Object.entries(options.plans ?? {}));
  const fallback = options.fallback ?? ((): ClusterPlan => ({ installs: [] }));
  const rendered = new Map<string, ClusterObjects>();
  const requests: KubeRequest[] = [];
  const maxPage = options.maxPage ?? 500;
  const planFor = (name: string): ClusterPlan => plans.get(name) ?? fallback(name);
  const objectsOf = (name: string): ClusterObjects => {
    let objects = rendered.get(name);
    if (!objects) rendered.set(name, (objects = renderCluster(name, planFor(name))));
    return objects;
  };

  const send = (res: ServerResponse, code: number, body: JsonObject): void => {
    const text = JSON.stringify(body);
    res.writeHead(code, { "content-type": "application/json", "content-length": Buffer.byteLength(text), "audit-id": uid(String(requests.length), "audit") });
    res.end(text);
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? "/", "https://127.0.0.1");
    const m = /^\/clusters\/([^/]+)(\/.*)?$/.exec(url.pathname);
    const cluster = m ? decodeURIComponent(m[1]!) : "";
    const path = m?.[2] ?? url.pathname;
    const auth = req.headers.authorization ?? "";
    const token = /^Bearer\s+(.+)$/i.exec(auth)?.[1] ?? null;
    requests.push({ cluster, method: req.method ?? "", path, query: url.search, token });
    const plan = planFor(cluster);
    if (plan.unreachable) {
      req.socket.destroy();
      return;
    }
    const route = ROUTES[path];
    if (!token) return send(res, 401, status(401, "Unauthorized", "Unauthorized"));
    if (plan.failWith === 401) return send(res, 401, status(401, "Unauthorized", "Unauthorized"));
    if (plan.failWith) return send(res, plan.failWith, status(plan.failWith, plan.failWith === 503 ? "ServiceUnavailable" : "InternalError", "an error on the server (\"etcdserver: request timed out\") has prevented the request from succeeding"));
    if (req.method !== "GET") return send(res, 405, status(405, "MethodNotAllowed", `the server does not allow this method on the requested resource`, route?.group ?? "", route?.resource ?? ""));
    if (!m || !route) return send(res, 404, status(404, "NotFound", "the server could not find the requested resource"));
    if (route.kind === "CRD" && plan.crdForbidden) {
      return send(
        res,
        403,
        status(403, "Forbidden", `customresourcedefinitions.apiextensions.k8s.io is forbidden: User "auditor" cannot list resource "customresourcedefinitions" in API group "apiextensions.k8s.io" at the cluster scope`, route.group, route.resource),
      );
    }
    const objects = objectsOf(cluster);
    const all = route.kind === "CRD" ? objects.crds : objects.byKind[route.kind];
    const limit = Math.min(Number(url.searchParams.get("limit") ?? maxPage) || maxPage, maxPage);
    const cont = url.searchParams.get("continue");
    const start = cont ? Number(Buffer.from(cont, "base64").toString("utf8").replace(/^start:/, "")) : 0;
    if (!Number.isInteger(start) || start < 0) return send(res, 410, status(410, "Expired", "The provided continue parameter is too old to display a consistent list result."));
    const items = all.slice(start, start + limit);
    const body = fill(listTemplate, { kind: route.listKind, apiVersion: route.apiVersion, resourceVersion: String(4_000_000 + (hashString(cluster) % 1_000_000)) }) as JsonObject;
    body.items = items;
    if (start + limit < all.length) {
      const metadata = body.metadata as JsonObject;
      metadata.continue = Buffer.from(`start:${start + limit}`).toString("base64");
      metadata.remainingItemCount = all.length - start - limit;
    }
    send(res, 200, body);
  };

  const server = https.createServer({ key: tls.key, cert: tls.cert }, handle);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const endpoint = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    ca: tls.cert,
    serverFor: (name) => `${endpoint}/clusters/${encodeURIComponent(name)}`,
    planFor,
    setPlan: (name, plan) => {
      plans.set(name, plan);
      rendered.delete(name);
    },
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

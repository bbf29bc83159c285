/**
 * The Kubernetes API fake against the shapes @kubernetes/client-node models. The client's
 * generated models are the published OpenAPI of the API server, so the checks are:
 *   - a raw answer read back through the client's own ObjectSerializer (deserialize, then
 *     serialize) is unchanged: every field the fake sends is one the model knows, with its type;
 *   - list answers carry kind, apiVersion, metadata.resourceVersion and, when cut, `continue`;
 *   - the real API client follows `limit` + `_continue` to the same items as one unpaged list;
 *   - errors are `Status` objects (kind Status, apiVersion v1, status Failure, reason, code, details).
 */
import https from "node:https";
import { ApiException, ApiextensionsV1Api, AppsV1Api, KubeConfig } from "@kubernetes/client-node";
// Not re-exported from the package index; it is the serializer the generated API classes use.
import { ObjectSerializer } from "@kubernetes/client-node/dist/gen/models/ObjectSerializer.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKubeFake, type KubeFake } from "../../src/local/kubeFake.js";

let kube: KubeFake;
beforeAll(async () => {
  kube = await startKubeFake({
    plans: {
      busy: { installs: [{ software: "istio", version: "1.24.3" }, { software: "cert-manager", version: "1.16.2" }, { software: "velero", version: "1.15.2" }] },
      nocrd: { installs: [{ software: "keda", version: "2.16.1" }], crdForbidden: true },
      broken: { installs: [], failWith: 503 },
    },
  });
});
afterAll(() => kube?.close());

function get(cluster: string, path: string, token: string | null = "aks-token"): Promise<{ status: number; body: Record<string, any> }> {
  return new Promise((resolve, reject) => {
    const headers = token ? { authorization: `Bearer ${token}` } : undefined;
    https
      .get(kube.serverFor(cluster) + path, { ca: kube.ca, headers }, (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (c: string) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, any> }));
      })
      .on("error", reject);
  });
}

/** The client writes dates back with milliseconds; the API server sends whole seconds. */
const withMillis = (value: unknown): unknown => JSON.parse(JSON.stringify(value).replace(/(T\d{2}:\d{2}:\d{2})Z"/g, '$1.000Z"'));

/** The raw JSON as the client's model of `type` sees it, written back: unknown fields are lost. */
const throughModel = (raw: unknown, type: string): unknown => JSON.parse(JSON.stringify(ObjectSerializer.serialize(ObjectSerializer.deserialize(raw, type, ""), type, "")));

function clientsFor(cluster: string): { apps: AppsV1Api; extensions: ApiextensionsV1Api } {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: cluster, server: kube.serverFor(cluster), caData: Buffer.from(kube.ca).toString("base64") }],
    users: [{ name: "auditor", token: "aks-token" }],
    contexts: [{ name: cluster, cluster, user: "auditor" }],
    currentContext: cluster,
  });
  return { apps: kc.makeApiClient(AppsV1Api), extensions: kc.makeApiClient(ApiextensionsV1Api) };
}

const LISTS = [
  { path: "/apis/apps/v1/deployments", model: "V1DeploymentList", kind: "DeploymentList", apiVersion: "apps/v1" },
  { path: "/apis/apps/v1/daemonsets", model: "V1DaemonSetList", kind: "DaemonSetList", apiVersion: "apps/v1" },
  { path: "/apis/apps/v1/statefulsets", model: "V1StatefulSetList", kind: "StatefulSetList", apiVersion: "apps/v1" },
  { path: "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", model: "V1CustomResourceDefinitionList", kind: "CustomResourceDefinitionList", apiVersion: "apiextensions.k8s.io/v1" },
];

describe("the Kubernetes API fake answers in the API server's shapes", () => {
  for (const list of LISTS) {
    it(`${list.kind}: kind, apiVersion, resourceVersion, continue; every field known to ${list.model}`, async () => {
      const whole = await get("busy", list.path);
      expect(whole.status).toBe(200);
      expect(whole.body).toMatchObject({ kind: list.kind, apiVersion: list.apiVersion, metadata: { resourceVersion: expect.stringMatching(/^\d+$/) } });
      expect(whole.body.items.length).toBeGreaterThan(1);
      // An uncut list has no continue token and no remaining count.
      expect(whole.body.metadata.continue).toBeUndefined();
      expect(whole.body.metadata.remainingItemCount).toBeUndefined();
      expect(throughModel(whole.body, list.model)).toEqual(withMillis(whole.body));

      const cut = await get("busy", `${list.path}?limit=1`);
      expect(cut.body.items).toHaveLength(1);
      expect(cut.body.metadata).toMatchObject({ continue: expect.any(String), remainingItemCount: whole.body.items.length - 1 });
      expect(throughModel(cut.body, list.model)).toEqual(withMillis(cut.body));
      // Items of a typed list carry no kind/apiVersion of their own, as the API server sends them.
      expect(cut.body.items[0].kind).toBeUndefined();
      expect(cut.body.items[0].metadata).toMatchObject({ name: expect.any(String), uid: expect.any(String), resourceVersion: expect.stringMatching(/^\d+$/) });
    });
  }

  it("the real client follows limit + _continue page by page to exactly the unpaged list", async () => {
    const { apps } = clientsFor("busy");
    const all = await apps.listDeploymentForAllNamespaces();
    const names = all.items.map((d) => `${d.metadata?.namespace}/${d.metadata?.name}`);
    expect(names.length).toBeGreaterThan(5);

    const paged: string[] = [];
    const versions = new Set<string>();
    let cont: string | undefined;
    let pages = 0;
    do {
      const page = await apps.listDeploymentForAllNamespaces({ limit: 2, _continue: cont });
      pages += 1;
      expect(page.items.length).toBeLessThanOrEqual(2);
      paged.push(...page.items.map((d) => `${d.metadata?.namespace}/${d.metadata?.name}`));
      versions.add(page.metadata!.resourceVersion!);
      cont = page.metadata?._continue || undefined;
      if (cont) expect(page.metadata?.remainingItemCount).toBe(names.length - paged.length);
    } while (cont);
    expect(paged).toEqual(names);
    expect(pages).toBe(Math.ceil(names.length / 2));
    // Every page of one list is the same snapshot of the store.
    expect(versions.size).toBe(1);
  });

  it("a denied list is a 403 Status the client raises as ApiException, with group and resource in details", async () => {
    const { extensions } = clientsFor("nocrd");
    const error = await extensions.listCustomResourceDefinition().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ApiException);
    const api = error as ApiException<unknown>;
    expect(api.code).toBe(403);
    const body = typeof api.body === "string" ? JSON.parse(api.body) : api.body;
    expect(body).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: expect.stringMatching(/^customresourcedefinitions\.apiextensions\.k8s\.io is forbidden: User ".+" cannot list resource "customresourcedefinitions" in API group "apiextensions\.k8s\.io" at the cluster scope$/),
      reason: "Forbidden",
      details: { group: "apiextensions.k8s.io", kind: "customresourcedefinitions" },
      code: 403,
    });
    expect(throughModel(body, "V1Status")).toEqual(body);
    // The workloads of the same cluster are still readable.
    expect((await clientsFor("nocrd").apps.listDeploymentForAllNamespaces()).items.length).toBeGreaterThan(0);
  });

  it("401, 503 and an expired continue token are Status bodies without details, as the API server sends them", async () => {
    const unauthorized = await get("busy", "/apis/apps/v1/deployments", null);
    expect(unauthorized).toEqual({ status: 401, body: { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "Unauthorized", reason: "Unauthorized", code: 401 } });
    const unavailable = await get("broken", "/apis/apps/v1/deployments");
    expect(unavailable.status).toBe(503);
    expect(unavailable.body).toEqual({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: expect.any(String), reason: "ServiceUnavailable", code: 503 });
    const expired = await get("busy", `/apis/apps/v1/deployments?limit=1&continue=${encodeURIComponent(Buffer.from("start:-4").toString("base64"))}`);
    expect(expired.status).toBe(410);
    expect(expired.body).toMatchObject({ kind: "Status", apiVersion: "v1", status: "Failure", reason: "Expired", code: 410 });
    expect(expired.body.details).toBeUndefined();
    for (const r of [unauthorized, unavailable, expired]) expect(throughModel(r.body, "V1Status")).toEqual(r.body);
  });
});

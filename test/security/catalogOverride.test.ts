/**
 * CATALOG_OVERRIDE over https: a redirect may not leave https, a huge body is not read past the
 * limit, and CATALOG_OVERRIDE_SHA256 pins the exact document. The fetch below behaves as Node's
 * fetch does (an assumption modelled on undici): with `redirect: "follow"` it follows any Location,
 * https to http included; with `redirect: "manual"` it hands back the 3xx with its Location.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { CatalogError, loadCatalog } from "../../src/catalog/load.js";
import { loadConfig } from "../../src/config.js";

const checked = "2026-12-02";
const DOC = JSON.stringify({ checkedAt: "2026-11-30", openSource: [{ id: "argo-cd", displayName: "Argo CD", helmCharts: ["argo-cd"], imagePatterns: ["quay.io/argoproj/argocd"], managedAlternative: null, latestKnown: null, endOfMaintenance: null, source: "https://github.com/argoproj/argo-cd", checked }] });
const URL_ = "https://config.example.com/catalog.json";

/** A web of URLs: each answers a body or a redirect; `follow` behaves like fetch's default. */
function web(routes: Record<string, { status: number; location?: string; body?: string }>, seen: string[] = []): typeof fetch {
  const answer = (url: string): Response => {
    const r = routes[url];
    if (!r) return new Response("not found", { status: 404 });
    return new Response(r.body ?? null, { status: r.status, headers: r.location ? { location: r.location } : {} });
  };
  return (async (input: string | URL | Request, init?: RequestInit) => {
    let url = String(input);
    seen.push(url);
    let response = answer(url);
    if ((init?.redirect ?? "follow") === "follow") {
      for (let hops = 0; hops < 20 && response.status >= 300 && response.status < 400 && response.headers.get("location"); hops++) {
        url = new URL(response.headers.get("location")!, url).toString();
        seen.push(url);
        response = answer(url);
      }
    }
    return response;
  }) as typeof fetch;
}

describe("CATALOG_OVERRIDE over https", () => {
  it("a redirect off https is refused, and the http URL is never asked", async () => {
    const seen: string[] = [];
    const fetchImpl = web({ [URL_]: { status: 302, location: "http://config.example.com/catalog.json" }, "http://config.example.com/catalog.json": { status: 200, body: DOC } }, seen);
    const attempt = loadCatalog({ override: URL_, fetchImpl });
    await expect(attempt).rejects.toThrow(CatalogError);
    await expect(attempt).rejects.toThrow(/redirect.*not https/);
    expect(seen.filter((u) => u.startsWith("http:"))).toEqual([]);
  });

  it("a redirect to another https URL is followed", async () => {
    const fetchImpl = web({ [URL_]: { status: 301, location: "https://cdn.example.com/catalog.json" }, "https://cdn.example.com/catalog.json": { status: 200, body: DOC } });
    expect((await loadCatalog({ override: URL_, fetchImpl })).openSource.some((s) => s.id === "argo-cd")).toBe(true);
  });

  it("stops reading at the size limit instead of loading the whole body", async () => {
    let pulled = 0;
    const chunk = new Uint8Array(64 * 1024).fill(0x20);
    const total = 64 * 1024 * 1024;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled >= total) return controller.close();
        pulled += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const fetchImpl = (async () => new Response(body, { status: 200 })) as typeof fetch;
    await expect(loadCatalog({ override: URL_, fetchImpl })).rejects.toThrow(/larger than 5242880 bytes/);
    expect(pulled).toBeLessThanOrEqual(5 * 1024 * 1024 + 2 * chunk.length);
  });

  it("CATALOG_OVERRIDE_SHA256 pins the document: any other bytes are refused, naming the setting", async () => {
    const sha = createHash("sha256").update(DOC).digest("hex");
    const fetchImpl = web({ [URL_]: { status: 200, body: DOC } });
    expect((await loadCatalog({ override: URL_, fetchImpl, sha256: sha })).checkedAt).toBe("2026-11-30");
    const tampered = web({ [URL_]: { status: 200, body: DOC.replace("Argo CD", "Argo  CD") } });
    await expect(loadCatalog({ override: URL_, fetchImpl: tampered, sha256: sha })).rejects.toThrow(/CATALOG_OVERRIDE_SHA256/);
    expect(loadConfig({ CATALOG_OVERRIDE: URL_, CATALOG_OVERRIDE_SHA256: sha.toUpperCase() }, "/tmp").catalogOverrideSha256).toBe(sha);
  });
});

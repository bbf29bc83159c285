/**
 * Downloads a catalog override over https, and checks a pinned digest. Kept apart from load.ts
 * (which validates and merges) because fetching a URL safely is its own job:
 *  - redirects are followed by hand, and only to https, so a compromised or misconfigured host
 *    cannot steer the download onto plain http;
 *  - the body is read as a stream and abandoned at the size limit, so a huge answer costs at most
 *    that much memory;
 *  - CATALOG_OVERRIDE_SHA256, when set, must match the bytes exactly.
 */
import { createHash } from "node:crypto";
import { CatalogError } from "./load.js";

export interface FetchOverrideOptions {
  fetchImpl: typeof fetch;
  maxBytes: number;
  timeoutMs: number;
  /** Redirects followed before giving up. */
  maxRedirects?: number;
}

/** The label never carries the query string: it may hold a SAS token. */
export function overrideLabel(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

export async function fetchOverride(start: URL, options: FetchOverrideOptions): Promise<{ label: string; text: string }> {
  const label = overrideLabel(start);
  const signal = AbortSignal.timeout(options.timeoutMs);
  let url = start;
  for (let hop = 0; ; hop++) {
    if (url.protocol !== "https:") throw new CatalogError(`catalog ${label}: a redirect led to ${overrideLabel(url)}, which is not https; refused`);
    let response: Response;
    try {
      response = await options.fetchImpl(url, { signal, redirect: "manual" });
    } catch (error) {
      throw new CatalogError(`catalog ${label}: could not download (${error instanceof Error ? error.message : String(error)})`);
    }
    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel().catch(() => undefined);
      if (hop >= (options.maxRedirects ?? 5)) throw new CatalogError(`catalog ${label}: more than ${options.maxRedirects ?? 5} redirects`);
      try {
        url = new URL(location, url);
      } catch {
        throw new CatalogError(`catalog ${label}: a redirect to an invalid URL`);
      }
      continue;
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw new CatalogError(`catalog ${label}: download failed with HTTP ${response.status}`);
    }
    const declared = Number(response.headers.get("content-length") ?? NaN);
    if (Number.isFinite(declared) && declared > options.maxBytes) {
      await response.body?.cancel().catch(() => undefined);
      throw new CatalogError(`catalog ${label}: larger than ${options.maxBytes} bytes`);
    }
    return { label, text: await readLimited(response, label, options.maxBytes) };
  }
}

async function readLimited(response: Response, label: string, maxBytes: number): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new CatalogError(`catalog ${label}: larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Refuses the override unless its UTF-8 bytes hash to the pinned hex SHA-256. */
export function checkPinnedDigest(label: string, text: string, sha256: string | null | undefined): void {
  if (!sha256) return;
  const actual = createHash("sha256").update(text, "utf8").digest("hex");
  if (actual !== sha256.toLowerCase()) {
    throw new CatalogError(`catalog ${label}: SHA-256 ${actual} does not match CATALOG_OVERRIDE_SHA256; refused`);
  }
}

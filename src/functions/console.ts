/**
 * GET /api/console and /api/console/{asset} — the auditors' console: a static page and its script
 * and style, anonymous like any page, so a browser can load it; every data call the page makes goes
 * to the keyed API with the key the page was opened with. A strict Content-Security-Policy (no
 * inline script, nothing from another origin) keeps text from Azure inert even if a bug rendered it
 * as markup, and no-referrer keeps the key in the URL from leaving the page.
 */
import { app } from "@azure/functions";
import { readFile } from "node:fs/promises";
import { notFound } from "../http/problem.js";
import { httpHandler, ROUTE_METHODS } from "./runtime.js";

/** Next to this module after the build (`npm run build` copies src/console/assets into dist). */
const ASSETS = new URL("../console/assets/", import.meta.url);
const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
};
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export const consolePage = httpHandler({ methods: ["GET"], roles: [] }, async (request) => {
  // The page links its files relatively, so /api/console/ (trailing slash) asks for console/x.js.
  const asset = (request.params.asset ?? "").split("/").pop() ?? "";
  // Only flat file names we ship: no path separators, no dot files, a known type.
  const name = asset === "" ? "index.html" : asset;
  const match = /^[a-z0-9-]+\.([a-z]+)$/.exec(name);
  const type = match ? TYPES[match[1]!] : undefined;
  if (!type) throw notFound("No such console file.", "asset");
  let body: Buffer;
  try {
    body = await readFile(new URL(name, ASSETS));
  } catch {
    throw notFound("No such console file.", "asset");
  }
  return {
    status: 200,
    body,
    headers: {
      "content-type": type,
      "content-security-policy": CONSOLE_CSP,
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      "x-frame-options": "DENY",
      "cache-control": "no-cache",
    },
  };
});

app.http("console", { route: "console/{*asset}", methods: ROUTE_METHODS, authLevel: "anonymous", handler: consolePage });

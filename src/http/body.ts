/**
 * Request bodies are read defensively: the declared length is checked before reading, the stream is
 * cut off as soon as it passes the limit (a lying or absent Content-Length cannot make us buffer
 * more), only JSON in UTF-8 is accepted, and parse errors are reported without echoing the input.
 */
import type { HttpRequest } from "@azure/functions";
import { badParameter, HttpProblem } from "./problem.js";

export const MAX_BODY_BYTES = 64 * 1024;

function tooLarge(maxBytes: number): HttpProblem {
  return new HttpProblem(413, "body-too-large", "Request body too large", `The body may be at most ${maxBytes} bytes.`, "body");
}

function unsupportedType(): HttpProblem {
  return new HttpProblem(415, "unsupported-media-type", "Unsupported media type", "Send the body as application/json in UTF-8.", "content-type");
}

/** True for `application/json` and `application/*+json`, with at most a UTF-8 charset parameter. */
export function isJsonContentType(header: string | null): boolean {
  if (!header) return false;
  const [type, ...params] = header.split(";").map((s) => s.trim().toLowerCase());
  if (type !== "application/json" && !/^application\/[a-z0-9.+-]+\+json$/.test(type ?? "")) return false;
  return params.every((p) => p === "" || p === "charset=utf-8" || p === 'charset="utf-8"');
}

/** The raw body, at most `maxBytes`; empty when there is none. */
async function readBounded(request: HttpRequest, maxBytes: number): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > maxBytes) throw tooLarge(maxBytes);
  const stream = request.body;
  if (!stream) return new Uint8Array(0);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/**
 * The parsed JSON body, or undefined when the request has no body (callers decide whether that is
 * allowed). 413 over the limit, 415 for another media type, 400 for malformed UTF-8 or JSON.
 */
export async function readJsonBody(request: HttpRequest, maxBytes = MAX_BODY_BYTES): Promise<unknown> {
  const bytes = await readBounded(request, maxBytes);
  if (bytes.byteLength === 0) return undefined;
  if (!isJsonContentType(request.headers.get("content-type"))) throw unsupportedType();
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw badParameter("body", "The body is not valid UTF-8.");
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw badParameter("body", "The body is not valid JSON.");
  }
}

/** A JSON object body with only the listed properties; anything else is refused, not ignored. */
export function asObject(value: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw badParameter("body", "The body must be a JSON object.");
  const unknownKeys = Object.keys(value).filter((k) => !allowed.includes(k));
  if (unknownKeys.length > 0) throw badParameter("body", `The body may only carry ${allowed.join(", ")}.`);
  return value as Record<string, unknown>;
}

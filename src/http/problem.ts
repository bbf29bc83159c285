/**
 * RFC 9457 problem details. Every 4xx/5xx the API returns goes through here, so no handler can leak a
 * stack trace or echo a caller's input verbatim: input is quoted with `quote()` (JSON-encoded,
 * truncated, HTML/quote characters escaped) before it is placed in `detail`.
 */
import type { HttpResponseInit } from "@azure/functions";

export const PROBLEM_CONTENT_TYPE = "application/problem+json; charset=utf-8";
const TYPE_BASE = "urn:aks-audit:problem:";

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** The request input at fault: a query parameter, a route parameter, a header or `body.<field>`. */
  parameter?: string;
  /** The run a 409 or 503 is about. */
  runId?: string;
}

/** A user-facing failure; thrown by validators and handlers, turned into a response by the wrapper. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail: string,
    readonly parameter?: string,
    readonly headers: Record<string, string> = {},
    /** Extension members (RFC 9457 §3.2) a client acts on, e.g. the id of the run in the way. */
    readonly extensions: Record<string, string> = {},
  ) {
    super(detail);
    this.name = "HttpProblem";
  }

  toDocument(): ProblemDocument {
    const doc: ProblemDocument = { ...this.extensions, type: TYPE_BASE + this.slug, title: this.title, status: this.status, detail: this.detail };
    if (this.parameter !== undefined) doc.parameter = this.parameter;
    return doc;
  }
}

export function badParameter(parameter: string, detail: string): HttpProblem {
  return new HttpProblem(400, "invalid-parameter", "Invalid parameter", detail, parameter);
}

export function notFound(detail: string, parameter?: string): HttpProblem {
  return new HttpProblem(404, "not-found", "Not found", detail, parameter);
}

export function methodNotAllowed(method: string, allowed: readonly string[]): HttpProblem {
  return new HttpProblem(405, "method-not-allowed", "Method not allowed", `${quote(method, 16)} is not allowed here; use ${allowed.join(", ")}`, "method", {
    allow: allowed.join(", "),
  });
}

export function unauthenticated(detail: string): HttpProblem {
  return new HttpProblem(401, "unauthenticated", "Authentication required", detail, "x-ms-client-principal", {
    "www-authenticate": 'Bearer realm="aks-audit"',
  });
}

export function forbidden(detail: string): HttpProblem {
  return new HttpProblem(403, "forbidden", "Missing role", detail, "x-ms-client-principal");
}

/** The request names something outside what this deployment may audit (AUDIT_SUBSCRIPTIONS / AUDIT_MANAGEMENT_GROUPS). */
export function outsideScope(parameter: string, detail: string): HttpProblem {
  return new HttpProblem(403, "outside-configured-scope", "Outside the configured scope", detail, parameter);
}

/** Another on-demand audit of whole subscriptions or the tenant is running: one at a time. */
export function auditAlreadyRunning(runId: string, location: string): HttpProblem {
  return new HttpProblem(
    409,
    "audit-already-running",
    "An audit is already running",
    `run ${runId} is already auditing whole subscriptions or the tenant on demand; one such audit runs at a time: poll ${location}, or name clusterIds to audit a few clusters now`,
    undefined,
    { location },
    { runId },
  );
}

/** The run was recorded but could not be handed to the worker; it is marked failed. */
export function notQueued(runId: string): HttpProblem {
  return new HttpProblem(
    503,
    "audit-not-queued",
    "The audit could not be queued",
    `run ${runId} could not be queued for the worker and is recorded as failed; try again`,
    undefined,
    { "retry-after": "30" },
    { runId },
  );
}

export function internalError(): HttpProblem {
  return new HttpProblem(500, "internal-error", "Internal error", "The request failed inside the auditor; the details are in the function's logs.");
}

export function problemResponse(problem: HttpProblem): HttpResponseInit {
  return {
    status: problem.status,
    body: JSON.stringify(problem.toDocument()),
    headers: { "content-type": PROBLEM_CONTENT_TYPE, "cache-control": "no-store", "x-content-type-options": "nosniff", ...problem.headers },
  };
}

/**
 * A caller's value as it may appear in a message: truncated, JSON-quoted, and with the characters that
 * matter to HTML, OData and shells (`< > & '` and backquote) written as \u escapes, so neither a browser
 * rendering the problem nor a log viewer ever sees the raw input.
 */
export function quote(value: unknown, max = 64): string {
  let text = typeof value === "string" ? value : String(value);
  if (text.length > max) text = `${text.slice(0, max)}…`;
  return JSON.stringify(text).replace(/[<>&'`]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

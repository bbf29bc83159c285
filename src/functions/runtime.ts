/**
 * What every function shares at run time: the app context (built once per worker from the
 * environment, or handed over by another host of the handlers) and the HTTP wrapper that turns methods, roles and thrown
 * problems into responses, so each handler file only parses input and shapes output.
 */
import type { HttpHandler, HttpMethod, HttpRequest, HttpResponseInit, InvocationContext, Timer } from "@azure/functions";
import type { AuditDeps } from "../app/audit.js";
import { createAppContext, type AppContext } from "../app/context.js";
import { loadConfig } from "../config.js";
import type { HistoryStore } from "../core/ports.js";
import type { AuditScope } from "../core/types.js";
import { authorize, type Role } from "../http/auth.js";
import { badParameter, HttpProblem, internalError, methodNotAllowed, problemResponse } from "../http/problem.js";
import { ContinuationTokenError } from "../store/index.js";

let current: Promise<AppContext> | null = null;

/**
 * The worker's app context, created on first use; a failed start (bad setting) is retried next call.
 * Start-up warnings (a refused catalog override) go to the log of the invocation that started it.
 */
export function appContext(invocation?: InvocationContext): Promise<AppContext> {
  current ??= createAppContext(loadConfig()).then(
    (ctx) => {
      for (const warning of ctx.warnings) (invocation ? invocation.warn.bind(invocation) : console.warn)(warning);
      return ctx;
    },
    (error: unknown) => {
      current = null;
      throw error;
    },
  );
  return current;
}

/**
 * A host of these handlers other than the Functions worker (`aks-audit serve` over the local store,
 * and the tests) hands over the context it built; null goes back to building one from the environment.
 */
export function provideAppContext(ctx: AppContext | null): void {
  current = ctx ? Promise.resolve(ctx) : null;
}

/**
 * Routes register for every method so a wrong method reaches the handler and gets a 405 with Allow,
 * rather than the host's 404.
 */
export const ROUTE_METHODS: HttpMethod[] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

export interface RouteSpec {
  /** The methods the route answers; any other gets 405. */
  methods: readonly HttpMethod[];
  /** App roles, any of which admits the caller when App Service Authentication is on; [] for none. */
  roles: readonly Role[];
}

export type RouteHandler = (request: HttpRequest, ctx: AppContext, invocation: InvocationContext) => Promise<HttpResponseInit>;

export function httpHandler(spec: RouteSpec, handle: RouteHandler): HttpHandler {
  return async (request, invocation) => {
    try {
      if (!spec.methods.includes(request.method.toUpperCase() as HttpMethod)) throw methodNotAllowed(request.method, spec.methods);
      const ctx = await appContext(invocation);
      authorize(request, spec.roles, ctx.config.http.requireRoles);
      return await handle(request, ctx, invocation);
    } catch (error) {
      if (error instanceof HttpProblem) return problemResponse(error);
      // Well-formed but not ours (or from another query): the store says so after decoding it.
      if (error instanceof ContinuationTokenError) return problemResponse(badParameter("continuationToken", "continuationToken is not a token this query handed out"));
      // The message and stack go to the function's log (Application Insights), never to the caller.
      invocation.error(`${invocation.functionName} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return problemResponse(internalError());
    }
  };
}

/** The audit's adapters from the app context (store already opened by the caller). */
export function auditDeps(ctx: AppContext, store: HistoryStore): AuditDeps {
  return ctx.auditDeps(store);
}

/** The configured scope (AUDIT_SUBSCRIPTIONS / AUDIT_MANAGEMENT_GROUPS), whole clusters. */
export function configuredScope(ctx: AppContext): AuditScope {
  return { subscriptions: [...ctx.config.scope.subscriptions], managementGroups: [...ctx.config.scope.managementGroups], clusterIds: [] };
}

/**
 * The schedule occurrence a timer invocation serves. While the function runs, the host's
 * `scheduleStatus.next` is still the occurrence being invoked (the host advances it afterwards), also
 * for a past-due run and for retries of the same invocation, so run ids derived from it are stable.
 * Without schedule monitoring (sub-minute schedules) there is no status: fall back to the minute.
 */
export function scheduledOccurrence(timer: Pick<Timer, "scheduleStatus">, now: Date): Date {
  const next = timer.scheduleStatus?.next;
  if (next) {
    // The host runs in UTC on Linux and may print the instant without an offset.
    const ms = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(next) ? next : `${next}Z`);
    if (Number.isFinite(ms) && ms <= now.getTime() + 5 * 60_000) return new Date(ms - (ms % 1000));
  }
  return new Date(now.getTime() - (now.getTime() % 60_000));
}

/** True when the host is retrying an earlier, ended attempt of this invocation (the function's retry policy). */
export function isHostRetry(invocation: Pick<InvocationContext, "retryContext">): boolean {
  return (invocation.retryContext?.retryCount ?? 0) > 0;
}

/**
 * The Functions host's routing, for `aks-audit serve`: templates with `{name}` (one path segment),
 * `{name:constraint}` (the constraint is not checked) and a trailing catch-all `{*name}`, under the
 * `api` prefix, matched case-insensitively on literal segments as the host does.
 */
import type { HttpFunctionOptions, HttpMethod } from "@azure/functions";

export interface HttpRegistration {
  readonly name: string;
  readonly options: HttpFunctionOptions;
}

export interface CompiledRoute {
  readonly registration: HttpRegistration;
  /** Segments of the template; a parameter is { param, catchAll }. */
  readonly segments: readonly (string | { param: string; catchAll: boolean })[];
  readonly methods: readonly string[];
}

export type RouteMatch =
  | { kind: "found"; route: CompiledRoute; params: Record<string, string> }
  | { kind: "method-not-allowed"; allow: readonly string[] }
  | { kind: "not-found" };

export const ROUTE_PREFIX = "api";

export function compileRoute(registration: HttpRegistration): CompiledRoute {
  const template = registration.options.route ?? registration.name;
  const segments = template
    .split("/")
    .filter((s) => s !== "")
    .map((segment) => {
      const param = /^\{(\*?)([A-Za-z_][A-Za-z0-9_]*)(?::[^}]*)?\??\}$/.exec(segment);
      return param ? { param: param[2]!, catchAll: param[1] === "*" } : segment.toLowerCase();
    });
  const methods = (registration.options.methods ?? (["GET", "POST"] as HttpMethod[])).map((m) => m.toUpperCase());
  return { registration, segments, methods };
}

/** Literal segments rank before parameters, so `audits/latest` would win over `audits/{runId}`. */
function specificity(route: CompiledRoute): number[] {
  return route.segments.map((s) => (typeof s === "string" ? 0 : s.catchAll ? 2 : 1));
}

export function sortRoutes(routes: CompiledRoute[]): CompiledRoute[] {
  return [...routes].sort((a, b) => {
    const x = specificity(a);
    const y = specificity(b);
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
    return y.length - x.length;
  });
}

/**
 * Match a request path (still percent-encoded, without the query) against the routes. Parameters
 * arrive decoded once, as the host hands them to handlers; a catch-all keeps its slashes.
 */
export function matchRoute(routes: readonly CompiledRoute[], rawPath: string, method: string): RouteMatch {
  const parts = rawPath.split("/").filter((s) => s !== "");
  if (parts.length === 0 || parts[0]!.toLowerCase() !== ROUTE_PREFIX) return { kind: "not-found" };
  const rest = parts.slice(1);
  const allow = new Set<string>();
  for (const route of routes) {
    const params = matchSegments(route, rest);
    if (!params) continue;
    if (route.methods.includes(method.toUpperCase())) return { kind: "found", route, params };
    for (const m of route.methods) allow.add(m);
  }
  return allow.size > 0 ? { kind: "method-not-allowed", allow: [...allow] } : { kind: "not-found" };
}

function matchSegments(route: CompiledRoute, parts: readonly string[]): Record<string, string> | null {
  const params: Record<string, string> = {};
  for (let i = 0; i < route.segments.length; i++) {
    const segment = route.segments[i]!;
    if (typeof segment === "string") {
      if (parts[i] === undefined || safeDecode(parts[i]!).toLowerCase() !== segment) return null;
      continue;
    }
    if (segment.catchAll) {
      params[segment.param] = parts.slice(i).map(safeDecode).join("/");
      return params;
    }
    if (parts[i] === undefined) return null;
    params[segment.param] = safeDecode(parts[i]!);
  }
  return parts.length === route.segments.length ? params : null;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

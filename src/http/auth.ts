/**
 * App roles on top of function keys. When App Service Authentication (Entra ID) is on, the platform
 * validates the token, strips any client-sent copy of `x-ms-client-principal` and sends its own:
 * base64 JSON `{ auth_typ, claims: [{ typ, val }], name_typ, role_typ }`. We only read roles from it,
 * and only from the claim types Entra ID emits for app roles: `role_typ` is ignored, because without
 * the platform in front the whole header is the caller's own text and it would name its own type.
 *
 * Without App Service Authentication the header is absent and the function key alone admits the
 * caller (HTTP_REQUIRE_ROLES=auto). HTTP_REQUIRE_ROLES=true refuses a missing principal, and config
 * refuses that setting unless the platform reports authentication on (WEBSITE_AUTH_ENABLED), since
 * only then is the header the platform's.
 */
import type { HttpRequest } from "@azure/functions";
import { forbidden, unauthenticated } from "./problem.js";

export const ROLES = ["Audit.Read", "Audit.Run"] as const;
export type Role = (typeof ROLES)[number];

export const PRINCIPAL_HEADER = "x-ms-client-principal";
const ROLE_CLAIM_TYPES = ["roles", "http://schemas.microsoft.com/ws/2008/06/identity/claims/role"];
/** A real principal is a few KiB; anything far larger is not from the platform. */
const MAX_PRINCIPAL_LENGTH = 32 * 1024;

export interface ClientPrincipal {
  authType: string | null;
  roles: string[];
}

/** Decodes the platform header; null when absent, a 401 problem when it is not what the platform sends. */
export function readPrincipal(request: HttpRequest): ClientPrincipal | null {
  const header = request.headers.get(PRINCIPAL_HEADER);
  if (header === null || header === "") return null;
  if (header.length > MAX_PRINCIPAL_LENGTH || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(header)) {
    throw unauthenticated("The client principal header is not valid base64.");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(header, "base64").toString("utf8"));
  } catch {
    throw unauthenticated("The client principal header is not valid JSON.");
  }
  if (typeof parsed !== "object" || parsed === null || !Array.isArray((parsed as { claims?: unknown }).claims)) {
    throw unauthenticated("The client principal header carries no claims.");
  }
  const { claims, auth_typ: authType } = parsed as { claims: unknown[]; auth_typ?: unknown };
  const roleTypes = new Set(ROLE_CLAIM_TYPES);
  const roles: string[] = [];
  for (const claim of claims) {
    if (typeof claim !== "object" || claim === null) continue;
    const { typ, val } = claim as { typ?: unknown; val?: unknown };
    if (typeof typ === "string" && typeof val === "string" && roleTypes.has(typ)) roles.push(val);
  }
  return { authType: typeof authType === "string" ? authType : null, roles };
}

/**
 * Admits the request when it holds one of `anyOf` (an empty list admits any authenticated caller).
 * Throws 401 when a principal is required but absent, 403 when the principal lacks the role.
 */
export function authorize(request: HttpRequest, anyOf: readonly Role[], requireRoles: boolean): ClientPrincipal | null {
  const principal = readPrincipal(request);
  if (principal === null) {
    if (requireRoles) throw unauthenticated("Sign in with Entra ID: this API requires an app role.");
    return null;
  }
  if (anyOf.length > 0 && !anyOf.some((role) => principal.roles.includes(role))) {
    throw forbidden(`This operation needs the app role ${anyOf.join(" or ")}.`);
  }
  return principal;
}

/**
 * Roles come only from the platform. With App Service Authentication off, `x-ms-client-principal`
 * is whatever the caller sends, so HTTP_REQUIRE_ROLES=true must not start there; and the claim type
 * that carries app roles is the one Entra ID emits, never one the request names in `role_typ`.
 */
import { HttpRequest } from "@azure/functions";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";
import { authorize, readPrincipal } from "../../src/http/auth.js";
import { HttpProblem } from "../../src/http/problem.js";

const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64");
const request = (header: string): HttpRequest =>
  new HttpRequest({ method: "POST", url: "http://localhost/api/audits", headers: { "x-ms-client-principal": header } });

function settingsRefused(env: Record<string, string>): string[] {
  try {
    loadConfig(env, "/tmp");
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.map((p) => `${p.setting}: ${p.expected}`);
  }
}

describe("roles cannot be forged", () => {
  it("HTTP_REQUIRE_ROLES=true does not start unless the platform says App Service Authentication is on", () => {
    const refused = settingsRefused({ HTTP_REQUIRE_ROLES: "true" });
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatch(/^HTTP_REQUIRE_ROLES: .*WEBSITE_AUTH_ENABLED/);
    expect(settingsRefused({ HTTP_REQUIRE_ROLES: "true", WEBSITE_AUTH_ENABLED: "False" })).toHaveLength(1);
    expect(loadConfig({ HTTP_REQUIRE_ROLES: "true", WEBSITE_AUTH_ENABLED: "True" }, "/tmp").http.requireRoles).toBe(true);
    expect(loadConfig({ HTTP_REQUIRE_ROLES: "auto" }, "/tmp").http.requireRoles).toBe(false);
  });

  it("a principal naming its own role claim type (role_typ) is not admitted as Audit.Run", () => {
    const forged = encode({ auth_typ: "aad", role_typ: "x-mine", claims: [{ typ: "x-mine", val: "Audit.Run" }] });
    expect(readPrincipal(request(forged))?.roles).toEqual([]);
    let problem: unknown;
    try {
      authorize(request(forged), ["Audit.Run"], true);
    } catch (error) {
      problem = error;
    }
    expect(problem).toBeInstanceOf(HttpProblem);
    expect((problem as HttpProblem).status).toBe(403);
  });

  it("roles are read from the claim types Entra ID emits for app roles", () => {
    for (const typ of ["roles", "http://schemas.microsoft.com/ws/2008/06/identity/claims/role"]) {
      // role_typ pointing elsewhere changes nothing: the platform's own claim types are the only ones read.
      const header = encode({ auth_typ: "aad", role_typ: "something-else", claims: [{ typ, val: "Audit.Run" }] });
      expect(authorize(request(header), ["Audit.Run"], true)?.roles).toEqual(["Audit.Run"]);
    }
  });

  it("the README says what `auto` grants a function-key holder", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    expect(readme).toMatch(/With `HTTP_REQUIRE_ROLES=auto`[^\n]*function key[^\n]*every route[^\n]*including `POST \/api\/audits`/);
  });

  it("infra offers only the values config accepts and turns authentication on when asked", () => {
    const main = readFileSync(new URL("../../infra/main.bicep", import.meta.url), "utf8");
    const allowed = /@allowed\(\[([^\]]*)\]\)\s*(?:@description\([^\n]*\)\s*)?param httpRequireRoles/.exec(main);
    expect(allowed, "httpRequireRoles has @allowed").not.toBeNull();
    expect(allowed![1]!.split(",").map((s) => s.trim().replace(/'/g, "")).sort()).toEqual(["auto", "true"]);
    for (const value of ["auto", "true"]) expect(() => loadConfig({ HTTP_REQUIRE_ROLES: value, WEBSITE_AUTH_ENABLED: "True" }, "/tmp")).not.toThrow();
    const auth = readFileSync(new URL("../../infra/app/auth.bicep", import.meta.url), "utf8");
    expect(auth).toMatch(/name: 'authsettingsV2'/);
    expect(auth).toMatch(/unauthenticatedClientAction: 'Return401'/);
    expect(auth).toMatch(/requireAuthentication: true/);
    expect(auth).toMatch(/azureActiveDirectory: \{\s*enabled: true/);
    for (const role of ["Audit.Read", "Audit.Run"]) expect(auth).toContain(`value: '${role}'`);
    expect(main).toMatch(/module auth 'app\/auth\.bicep' = if \(httpRequireRoles == 'true'\)/);
  });
});

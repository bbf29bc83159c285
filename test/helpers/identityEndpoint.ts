/**
 * A loopback stand-in for the managed identity endpoint Azure App Service and Functions give an
 * app (IDENTITY_ENDPOINT + IDENTITY_HEADER, api-version 2019-08-01): DefaultAzureCredential's
 * ManagedIdentityCredential asks it for a token, exactly as it does in a Function App.
 *
 * The token is JWT-shaped with the claims Azurite's `--oauth basic` checks (iat, nbf, exp, an
 * sts.windows.net issuer, the audience of the resource asked for). It is unsigned: Azurite does
 * not check signatures, and nothing here may be mistaken for a real Entra token.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface IdentityEndpoint {
  /** http://127.0.0.1:<port>/msi/token, as IDENTITY_ENDPOINT names it in App Service. */
  endpoint: string;
  /** The secret the app must send back as X-IDENTITY-HEADER. */
  header: string;
  /** The resource of every token request, in order. */
  readonly requested: string[];
  close(): Promise<void>;
}

const TENANT = "72f988bf-0000-4000-8000-00000000aa01";

const base64url = (value: object): string => Buffer.from(JSON.stringify(value)).toString("base64url");

/** An unsigned JWT (`alg: none`) with the claims of an Entra v1 access token for `audience`. */
export function unsignedToken(audience: string, nowSeconds: number, lifetimeSeconds = 3600): string {
  const claims = {
    aud: audience,
    iss: `https://sts.windows.net/${TENANT}/`,
    iat: nowSeconds - 60,
    nbf: nowSeconds - 60,
    exp: nowSeconds + lifetimeSeconds,
    oid: "0b1c2d3e-0000-4000-8000-00000000f00d",
    tid: TENANT,
    ver: "1.0",
  };
  return `${base64url({ typ: "JWT", alg: "none" })}.${base64url(claims)}.`;
}

export async function startIdentityEndpoint(options: { audience?: (resource: string) => string } = {}): Promise<IdentityEndpoint> {
  const header = "identity-header-for-tests";
  const requested: string[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const resource = url.searchParams.get("resource") ?? "";
    if (url.pathname !== "/msi/token" || req.headers["x-identity-header"] !== header || url.searchParams.get("api-version") !== "2019-08-01" || !resource) {
      res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: "invalid_request", error_description: "bad managed identity request" }));
      return;
    }
    requested.push(resource);
    const now = Math.floor(Date.now() / 1000);
    const body = {
      access_token: unsignedToken(options.audience ? options.audience(resource) : resource, now),
      expires_on: String(now + 3600),
      resource,
      token_type: "Bearer",
      client_id: "5a1e0000-0000-4000-8000-00000000c1d0",
    };
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}/msi/token`,
    header,
    requested,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A loopback HTTP proxy in front of Azurite's Table service, to put faults where the Table SDK
 * cannot be reached from a test: refuse an entity-group transaction the way Table Storage does
 * (202 with the failed operation inside), or change an entity just before a conditional write
 * so Azurite itself answers 412. Everything else passes through untouched, byte for byte.
 */
import { randomUUID } from "node:crypto";
import http, { type IncomingHttpHeaders } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface ProxiedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** An entity-group transaction (`POST …/$batch`). */
  batch: boolean;
}

export type ProxyAction = "forward" | { status: number; headers: Record<string, string>; body: string };

export interface Exchange {
  method: string;
  url: string;
  batch: boolean;
  status: number;
  /** Batch answers only (their sub-statuses are inside). */
  body: string | null;
}

export interface TableProxy {
  /** Azurite's connection string with the Table endpoint pointing at the proxy. */
  connectionString: string;
  /** Runs before each request is forwarded: may wait for a side effect, or answer instead of Azurite. */
  onRequest: ((request: ProxiedRequest) => Promise<ProxyAction> | ProxyAction) | null;
  exchanges: Exchange[];
  close(): Promise<void>;
}

export async function startTableProxy(azuriteConnectionString: string): Promise<TableProxy> {
  const target = new URL(/TableEndpoint=([^;]+)/.exec(azuriteConnectionString)![1]!);
  const sockets = new Set<Socket>();
  const proxy: TableProxy = {
    connectionString: "",
    onRequest: null,
    exchanges: [],
    close: () =>
      new Promise<void>((done) => {
        for (const s of sockets) s.destroy();
        server.close(() => done());
      }),
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        const raw = Buffer.concat(chunks);
        const request: ProxiedRequest = {
          method: req.method ?? "GET",
          url: req.url ?? "/",
          headers: req.headers,
          body: raw.toString("utf8"),
          batch: req.method === "POST" && /\/\$batch(\?|$)/.test(req.url ?? ""),
        };
        const action = (await proxy.onRequest?.(request)) ?? "forward";
        if (action !== "forward") {
          proxy.exchanges.push({ method: request.method, url: request.url, batch: request.batch, status: action.status, body: action.body });
          res.writeHead(action.status, action.headers);
          res.end(action.body);
          return;
        }
        const upstream = http.request(
          { host: target.hostname, port: target.port, method: request.method, path: request.url, headers: req.headers },
          (answer) => {
            const parts: Buffer[] = [];
            answer.on("data", (c: Buffer) => parts.push(c));
            answer.on("end", () => {
              const body = Buffer.concat(parts);
              proxy.exchanges.push({ method: request.method, url: request.url, batch: request.batch, status: answer.statusCode ?? 0, body: request.batch ? body.toString("utf8") : null });
              res.writeHead(answer.statusCode ?? 502, answer.headers);
              res.end(body);
            });
          },
        );
        upstream.on("error", () => res.destroy());
        upstream.end(raw);
      })();
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as AddressInfo;
  proxy.connectionString = azuriteConnectionString.replace(/TableEndpoint=[^;]+/, `TableEndpoint=http://127.0.0.1:${port}${target.pathname}`);
  return proxy;
}

/**
 * How Table Storage refuses an entity-group transaction: the batch itself is accepted (202) and
 * the changeset answers with the failed operation's status and an OData error.
 */
export function rejectedBatch(status = 400, code = "InvalidInput", message = "One of the request inputs is not valid."): ProxyAction {
  const batch = `batchresponse_${randomUUID()}`;
  const changeset = `changesetresponse_${randomUUID()}`;
  const error = JSON.stringify({ "odata.error": { code, message: { lang: "en-US", value: `0:${message}\nRequestId:${randomUUID()}\nTime:2026-11-24T06:00:00.0000000Z` } } });
  const body = [
    `--${batch}`,
    `Content-Type: multipart/mixed; boundary=${changeset}`,
    "",
    `--${changeset}`,
    "Content-Type: application/http",
    "Content-Transfer-Encoding: binary",
    "",
    `HTTP/1.1 ${status} Bad Request`,
    "X-Content-Type-Options: nosniff",
    "DataServiceVersion: 3.0;",
    "Content-Type: application/json;odata=minimalmetadata;streaming=true;charset=utf-8",
    "",
    error,
    `--${changeset}--`,
    `--${batch}--`,
    "",
  ].join("\r\n");
  return { status: 202, headers: { "content-type": `multipart/mixed; boundary=${batch}`, "x-ms-version": "2019-02-02" }, body };
}

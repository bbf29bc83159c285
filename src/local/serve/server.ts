/**
 * `aks-audit serve`: the Functions app's HTTP routes on a plain Node server, for machines where the
 * Functions host cannot be installed. Each request becomes an `@azure/functions` HttpRequest and goes
 * to the registered handler, so there is one implementation of the API. Function-level routes need
 * the key (`x-functions-key` header or `code` query) as the host requires it; anonymous routes (the
 * console's page and assets) do not.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import functions, { type HttpHandler, type HttpResponseInit } from "@azure/functions";
import { HttpProblem, problemResponse } from "../../http/problem.js";
import { keyMatches } from "./key.js";
import { compileRoute, matchRoute, sortRoutes, type HttpRegistration } from "./routes.js";

// A CommonJS package whose classes Node cannot see as named exports from an ES module.
const { HttpRequest, HttpResponse, InvocationContext } = functions;
type HttpResponse = InstanceType<typeof HttpResponse>;

/** Far above any body the API accepts (it refuses more itself), low enough that nobody can fill memory. */
const MAX_REQUEST_BYTES = 1024 * 1024;

export interface ServeOptions {
  registrations: readonly HttpRegistration[];
  key: string;
  port: number;
  host: string;
  /** Where handler logs go (default: stderr). */
  log?: (line: string) => void;
}

export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:7071 */
  readonly origin: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startServe(options: ServeOptions): Promise<RunningServer> {
  const routes = sortRoutes(options.registrations.map(compileRoute));
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log(`serve: ${req.method} ${req.url?.split("?")[0]} failed: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent) void send(res, problemResponse(new HttpProblem(500, "internal", "Internal error", "The request failed; see the serve log.")));
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const method = (req.method ?? "GET").toUpperCase();
    const found = matchRoute(routes, url.pathname, method);
    if (found.kind === "not-found") return send(res, problemResponse(new HttpProblem(404, "not-found", "Not found", "No function serves this path.")));
    if (found.kind === "method-not-allowed") {
      return send(res, problemResponse(new HttpProblem(405, "method-not-allowed", "Method not allowed", `Use ${found.allow.join(", ")}.`, "method", { allow: found.allow.join(", ") })));
    }
    const { route, params } = found;
    if (route.registration.options.authLevel !== "anonymous") {
      const given = headerValue(req, "x-functions-key") ?? url.searchParams.get("code");
      if (!keyMatches(options.key, given)) {
        return send(res, problemResponse(new HttpProblem(401, "unauthenticated", "Function key required", "Send the function key as the x-functions-key header or the code query parameter.", "code")));
      }
    }
    const body = await readBody(req);
    if (body === null) return send(res, problemResponse(new HttpProblem(413, "body-too-large", "Request body too large", `The body may be at most ${MAX_REQUEST_BYTES} bytes.`, "body")));
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
    const request = new HttpRequest({
      method,
      url: `http://${headers.host ?? "localhost"}${url.pathname}${url.search}`,
      headers,
      query: Object.fromEntries(url.searchParams),
      params,
      body: body.length > 0 ? { bytes: body } : undefined,
    });
    const invocation = new InvocationContext({
      invocationId: randomUUID(),
      functionName: route.registration.name,
      logHandler: (level, ...args) => {
        if (level === "error" || level === "warning") log(`${route.registration.name} ${level}: ${args.map(String).join(" ")}`);
      },
    });
    const handler = route.registration.options.handler as HttpHandler;
    const result = await handler(request, invocation);
    await send(res, result instanceof HttpResponse ? result : (result ?? { status: 204 }));
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = ["0.0.0.0", "::"].includes(options.host) ? "127.0.0.1" : address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    origin: `http://${shownHost}:${address.port}`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function headerValue(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  return Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
}

/** The body, or null once it passes the limit (the rest is not read). */
async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function send(res: ServerResponse, init: HttpResponseInit | HttpResponse): Promise<void> {
  const response = init instanceof HttpResponse ? init : new HttpResponse(init);
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  res.writeHead(response.status, headers);
  res.end(bytes);
}

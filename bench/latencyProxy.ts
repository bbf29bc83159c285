/**
 * A loopback HTTP proxy in front of Azurite that holds every request for a fixed time before
 * forwarding it, so the Table store's round trips cost what a network would make them cost
 * (Azurite on loopback answers in well under a millisecond). It counts the requests it forwards:
 * the Table round trips of whatever runs through it.
 */
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface LatencyProxy {
  /** The connection string with the Table endpoint moved to the proxy. */
  connectionString: string;
  /** Requests forwarded so far. */
  readonly requests: number;
  close(): Promise<void>;
}

export async function startLatencyProxy(connectionString: string, latencyMs: number): Promise<LatencyProxy> {
  const endpoint = /TableEndpoint=([^;]+)/i.exec(connectionString)?.[1];
  if (!endpoint) throw new Error("the latency proxy needs a connection string with a TableEndpoint");
  const target = new URL(endpoint);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const sockets = new Set<Socket>();
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests += 1;
    setTimeout(() => {
      const upstream = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on("error", (error) => {
        res.writeHead(502, { "content-type": "text/plain" });
        res.end(`latency proxy: ${error.message}`);
      });
      req.pipe(upstream);
    }, latencyMs);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const proxied = new URL(endpoint);
  proxied.port = String(port);
  return {
    connectionString: connectionString.replace(endpoint, proxied.toString().replace(/\/$/, "")),
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((done) => {
        for (const socket of sockets) socket.destroy();
        agent.destroy();
        server.close(() => done());
      }),
  };
}

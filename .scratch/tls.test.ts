import https from "node:https";
import { createLocalTls } from "/work/main/src/local/tls.ts";
import { test } from "vitest";
test("x", async () => {
const t0 = Date.now();
const tls = await createLocalTls();
console.log("gen ms", Date.now() - t0);
const server = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => { res.end("ok"); });
await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
const port = (server.address() as any).port;
for (const host of ["127.0.0.1", "localhost"]) {
  await new Promise<void>((resolve) => {
    https.get({ host, port, ca: tls.cert, path: "/" , servername: host === "localhost" ? "localhost" : undefined}, (res) => { res.on("data", (d) => console.log(host, String(d))); res.on("end", resolve); }).on("error", (e) => { console.log(host, "ERR", e.message); resolve(); });
  });
}
await new Promise<void>((resolve) => {
  https.get({ host: "127.0.0.1", port, path: "/" }, (res) => { console.log("no-ca status", res.statusCode); resolve(); }).on("error", (e) => { console.log("no-ca ERR (expected)", e.message); resolve(); });
});
server.close();
});

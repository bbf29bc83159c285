/**
 * A throw-away TLS identity for loopback servers (the fleet simulator). The Azure SDKs refuse to
 * send bearer tokens over plain http, so local fakes must speak https; clients trust this
 * certificate explicitly through `tlsOptions: { ca: cert }` — TLS checks are never switched off.
 */
import { generate } from "selfsigned";

export interface LocalTls {
  /** PEM private key (PKCS#8). */
  key: string;
  /** PEM certificate; also the trust anchor clients pass as `ca`. */
  cert: string;
}

/**
 * Makes a fresh self-signed certificate for 127.0.0.1 and localhost, valid for two days.
 * EC P-256 keeps generation in the low milliseconds (RSA 2048 takes ~100 ms on a small box).
 */
export async function createLocalTls(now: Date = new Date()): Promise<LocalTls> {
  const notBeforeDate = new Date(now.getTime() - 60_000); // tolerate small clock skew between processes
  const notAfterDate = new Date(now.getTime() + 2 * 86_400_000);
  const pems = await generate([{ name: "commonName", value: "127.0.0.1" }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notBeforeDate,
    notAfterDate,
    extensions: [
      // The certificate is its own trust anchor, so it must be allowed to act as one.
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", digitalSignature: true, keyCertSign: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 7, ip: "127.0.0.1" },
          { type: 2, value: "localhost" },
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}

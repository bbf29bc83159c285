/**
 * Which endpoints may be spoken to in plain http: only this machine. Decided on the parsed URL's
 * host, never on a substring, so `http://localhost.evil.example` or a path containing "127.0.0.1"
 * does not pass.
 */
import { isIP } from "node:net";

/** 127.0.0.0/8, ::1 (and its IPv4-mapped form), or the name `localhost`. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, "").replace(/\.$/, "");
  if (host === "localhost") return true;
  if (isIP(host) === 4) return host.split(".")[0] === "127";
  if (isIP(host) === 6) {
    if (host === "::1" || host === "0:0:0:0:0:0:0:1") return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(host);
    if (mapped) return mapped[1]!.split(".")[0] === "127";
    // WHATWG URL writes an IPv4-mapped address in hex: ::ffff:7f00:1 is 127.0.0.1.
    const hex = /^::ffff:([0-9a-f]{1,4}):[0-9a-f]{1,4}$/.exec(host);
    return hex !== null && parseInt(hex[1]!, 16) >> 8 === 127;
  }
  return false;
}

/** An https URL, or an http URL whose host is loopback. Anything unparsable is refused. */
export function isSecureOrLoopback(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.protocol === "https:") return url.hostname.length > 0;
  return url.protocol === "http:" && isLoopbackHost(url.hostname);
}

/**
 * Whether a storage connection string may be used over http: only when every endpoint it names is
 * loopback (Azurite). `UseDevelopmentStorage=true` means Azurite on 127.0.0.1.
 */
export function connectionStringIsLoopback(connectionString: string): boolean {
  const parts = new Map<string, string>();
  for (const part of connectionString.split(";")) {
    const i = part.indexOf("=");
    if (i > 0) parts.set(part.slice(0, i).trim().toLowerCase(), part.slice(i + 1).trim());
  }
  if ((parts.get("usedevelopmentstorage") ?? "").toLowerCase() === "true") return true;
  const endpoints = ["tableendpoint", "blobendpoint", "queueendpoint", "fileendpoint"].map((k) => parts.get(k)).filter((v): v is string => Boolean(v));
  // Without an explicit endpoint the SDK builds <account>.table.<suffix>: never loopback.
  if (endpoints.length === 0) return false;
  return endpoints.every((e) => {
    try {
      return isLoopbackHost(new URL(e).hostname);
    } catch {
      return false;
    }
  });
}

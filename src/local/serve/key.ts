/**
 * The local function key of `aks-audit serve`: made on first start and kept under AKS_AUDIT_HOME
 * (owner-only), so a bookmarked console URL keeps working across restarts.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

export const KEY_FILE = "serve-function-key";

export async function loadOrCreateKey(home: string): Promise<string> {
  const file = path.join(home, KEY_FILE);
  try {
    const existing = (await readFile(file, "utf8")).trim();
    if (/^[A-Za-z0-9_-]{32,}$/.test(existing)) return existing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  await mkdir(home, { recursive: true });
  const key = randomBytes(32).toString("base64url");
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  return key;
}

/** Constant-time comparison, so the key cannot be guessed a character at a time. */
export function keyMatches(expected: string, given: string | null | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

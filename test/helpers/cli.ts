/**
 * Running `aks-audit` in tests, two ways:
 *   - in-process (`captureCli`): `main()` with stdout and stderr captured, for fast checks of
 *     parsing, messages and exit codes;
 *   - as a user runs it (`runBin`): the built `dist/src/cli/bin.js` in a child process, so the
 *     exit code is the process's own and nothing of the test process (mocks, env) leaks in.
 * Both use a temporary AKS_AUDIT_HOME, so the local Azurite store and outbox live there.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeEach, vi } from "vitest";

export const root = fileURLToPath(new URL("../../", import.meta.url));
export const BIN = path.join(root, "dist", "src", "cli", "bin.js");

/** A temporary AKS_AUDIT_HOME removed after the file's tests. */
export function tempHome(name: string): string {
  const home = mkdtempSync(path.join(tmpdir(), `aks-audit-${name}-`));
  afterAll(() => rmSync(home, { recursive: true, force: true }));
  return home;
}

export interface CapturedIo {
  readonly stdout: string;
  readonly stderr: string;
  /** Forget what was written so far (between two commands in one test). */
  reset(): void;
}

/** Captures process.stdout/stderr around each test of the file, for in-process `main()` calls. */
export function captureCli(): CapturedIo {
  let stdout = "";
  let stderr = "";
  beforeEach(() => {
    stdout = "";
    stderr = "";
    vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
    vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  });
  afterEach(() => vi.restoreAllMocks());
  return {
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    reset() {
      stdout = "";
      stderr = "";
    },
  };
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/**
 * The built bin, rebuilt first when any source is newer than it (a fresh clone has it from
 * `npm ci`'s prepare step; an edited checkout would otherwise test yesterday's build).
 */
export function builtBin(): string {
  const stale = (): boolean => {
    try {
      return statSync(BIN).mtimeMs < newestMtime(path.join(root, "src"));
    } catch {
      return true; // not built yet
    }
  };
  if (!stale()) return BIN;
  // Test files run in parallel workers: one builds while the others wait for it.
  const lock = path.join(root, "dist.build-lock");
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`builtBin: ${lock} held for 2 minutes; remove it if no build is running`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    if (stale()) execFileSync(process.execPath, [path.join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"], { cwd: root, stdio: "pipe" });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  return BIN;
}

export interface BinResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the bin with only the environment a clean shell would give it plus `env`: no Azure
 * settings inherited from the machine, so the local store and outbox are the ones under `home`.
 */
export function runBin(args: readonly string[], env: Record<string, string>): Promise<BinResult> {
  const clean: Record<string, string> = {
    PATH: process.env["PATH"] ?? "",
    HOME: process.env["HOME"] ?? tmpdir(),
    AZURITE_DISABLE_TELEMETRY: "true",
    AZURE_IDENTITY_DISABLE_MULTITENANTAUTH: "true",
    ...env,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: root, env: clean, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

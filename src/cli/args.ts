/**
 * Command-line parsing for `aks-audit`. Every mistake becomes a UsageError naming the option, and
 * the CLI exits 2 with that one line.
 */
import { parseArgs } from "node:util";
import { isIsoDate } from "../core/dates.js";

export const COMMANDS = ["demo", "audit", "history", "digest", "verify", "export", "catalog", "serve"] as const;
export type Command = (typeof COMMANDS)[number];
export const FORMATS = ["table", "json", "csv"] as const;
export type Format = (typeof FORMATS)[number];

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export interface CliOptions {
  command: Command | "help";
  asOf: string | null;
  format: Format | null;
  quiet: boolean;
  store: boolean;
  failOn: "critical" | "warning" | null;
  fromFile: string | null;
  extensionsFile: string | null;
  subscriptions: string[];
  managementGroups: string[];
  clusterIds: string[];
  cluster: string | null;
  run: string | null;
  runs: boolean;
  from: string | null;
  to: string | null;
  preview: boolean;
  clusters: number | null;
  seed: number | null;
  /** catalog: keep facts dated from --as-of to this many days after it. */
  upcoming: number | null;
  /** catalog: check this override file (or https URL) instead of listing. */
  validate: string | null;
  /** verify: a run root held outside the store, checked against the root chain and the chains. */
  root: string | null;
  /** verify: an evidence bundle checked offline (no store, no network). */
  bundle: string | null;
  /** export: where the evidence bundle is written. */
  out: string | null;
  /** serve: the port (default 7071, the Functions host's) and the address to bind (default loopback). */
  port: number | null;
  host: string | null;
  /** demo: weekly sweeps to record, ending at --as-of (default 8). */
  weeks: number | null;
}

export const HELP = `aks-audit — audit an AKS fleet's add-ons, extensions and open-source integrations

Usage: aks-audit <command> [options]

Commands:
  demo       sweep a simulated fleet into the local store and outbox (no Azure needed)
  audit      audit the fleet (or an export with --from-file) and store the run
  history    query stored history: --runs | --run RUNID | --cluster ID | --as-of DATE
  digest     render the weekly digest and due window alerts from the latest run, then send them
  verify     recompute the snapshot hash chains and report the first broken link
             (--root HASH: also check a held run root; --bundle FILE: check an evidence bundle offline)
  export     write a run's evidence bundle: --run RUNID --out FILE
  catalog    list the dated facts the auditor knows (or --validate an override file)
  serve      serve the HTTP API and the auditors' console over the local store

Options:
  --as-of YYYY-MM-DD        the audit's "today" (default: the real date)
  --format table|json|csv   output format (default: table on a terminal, json otherwise)
  --quiet                   no progress or summary lines on stderr
  --from-file FILE          audit: read an 'az graph query' or 'az aks list' JSON export
  --extensions-file FILE    audit: extension rows in a second export
  --subscription ID         audit: limit to a subscription (repeatable)
  --management-group NAME   audit: limit to a management group (repeatable)
  --cluster-id ID           audit: limit to a cluster ARM id (repeatable)
  --no-store                audit: print the report without storing the run
  --fail-on critical|warning  audit: exit 1 when findings reach this severity
  --cluster ID              history/verify: one cluster (ARM id)
  --run RUNID               history: one stored run as the report contract; export: the run
  --root HASH               verify: a run root (from the digest or GET /api/runs/{runId})
  --bundle FILE             verify: an evidence bundle, checked with no store and no network
  --out FILE                export: where the evidence bundle goes
  --runs                    history: runs with status and counts
  --from / --to YYYY-MM-DD  history: date range
  --preview                 digest: render only; record nothing, send nothing
  --clusters N / --seed N   demo: size and seed of the simulated fleet
  --weeks N                 demo: weekly sweeps ending at --as-of, 1 to 8 (default 8)
  --upcoming DAYS           catalog: only facts dated within DAYS days from --as-of
  --validate FILE           catalog: check a CATALOG_OVERRIDE file; exit 2 naming each bad field
  --port N / --host ADDR    serve: port (default 7071) and address (default 127.0.0.1)
  -h, --help                this text

Exit codes: 0 ok; 1 findings at --fail-on severity (or a broken chain or bundle for verify);
2 usage or configuration error (or an unreadable bundle); 3 the run itself failed (or mail was left pending).
`;

export function parseCli(argv: readonly string[]): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        "as-of": { type: "string" },
        format: { type: "string" },
        quiet: { type: "boolean", default: false },
        "no-store": { type: "boolean", default: false },
        "fail-on": { type: "string" },
        "from-file": { type: "string" },
        "extensions-file": { type: "string" },
        subscription: { type: "string", multiple: true },
        "management-group": { type: "string", multiple: true },
        "cluster-id": { type: "string", multiple: true },
        cluster: { type: "string" },
        run: { type: "string" },
        runs: { type: "boolean", default: false },
        from: { type: "string" },
        to: { type: "string" },
        preview: { type: "boolean", default: false },
        clusters: { type: "string" },
        seed: { type: "string" },
        upcoming: { type: "string" },
        validate: { type: "string" },
        root: { type: "string" },
        bundle: { type: "string" },
        out: { type: "string" },
        port: { type: "string" },
        weeks: { type: "string" },
        host: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\. To specify.*$/s, ""));
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`);
  const name = positionals[0];
  if (values.help || name === undefined || name === "help") return { ...defaults(), command: "help" };
  if (!(COMMANDS as readonly string[]).includes(name)) {
    throw new UsageError(`unknown command '${name}' (expected one of ${COMMANDS.join(", ")})`);
  }
  const date = (option: string, value: string | undefined): string | null => {
    if (value === undefined) return null;
    if (!isIsoDate(value)) throw new UsageError(`--${option}: expected a date YYYY-MM-DD, got '${value}'`);
    return value;
  };
  const count = (option: string, value: string | undefined, max: number): number | null => {
    if (value === undefined) return null;
    if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) {
      throw new UsageError(`--${option}: expected a whole number from 1 to ${max}, got '${value}'`);
    }
    return Number(value);
  };
  if (values.format !== undefined && !(FORMATS as readonly string[]).includes(values.format)) {
    throw new UsageError(`--format: expected table, json or csv, got '${values.format}'`);
  }
  if (values["fail-on"] !== undefined && !["critical", "warning"].includes(values["fail-on"])) {
    throw new UsageError(`--fail-on: expected critical or warning, got '${values["fail-on"]}'`);
  }
  const options: CliOptions = {
    command: name as Command,
    asOf: date("as-of", values["as-of"]),
    format: (values.format as Format | undefined) ?? null,
    quiet: values.quiet,
    store: !values["no-store"],
    failOn: (values["fail-on"] as CliOptions["failOn"]) ?? null,
    fromFile: values["from-file"] ?? null,
    extensionsFile: values["extensions-file"] ?? null,
    subscriptions: values.subscription ?? [],
    managementGroups: values["management-group"] ?? [],
    clusterIds: values["cluster-id"] ?? [],
    cluster: values.cluster ?? null,
    run: values.run ?? null,
    runs: values.runs,
    from: date("from", values.from),
    to: date("to", values.to),
    preview: values.preview,
    clusters: count("clusters", values.clusters, 100_000),
    seed: count("seed", values.seed, 2 ** 31),
    upcoming: values.upcoming === undefined ? null : days("upcoming", values.upcoming),
    validate: values.validate ?? null,
    root: values.root === undefined ? null : rootHash(values.root),
    bundle: values.bundle ?? null,
    out: values.out ?? null,
    port: values.port === undefined ? null : port(values.port),
    host: values.host ?? null,
    weeks: count("weeks", values.weeks, 8),
  };
  if (options.weeks !== null && options.command !== "demo") throw new UsageError("--weeks goes with the demo command");
  if ((options.port !== null || options.host !== null) && options.command !== "serve") {
    throw new UsageError(`--${options.port !== null ? "port" : "host"} goes with the serve command`);
  }
  if (options.host !== null && !/^[A-Za-z0-9.:-]{1,253}$/.test(options.host)) throw new UsageError(`--host: expected an address or host name, got '${options.host}'`);
  if ((options.upcoming !== null || options.validate !== null) && options.command !== "catalog") {
    throw new UsageError(`--${options.upcoming !== null ? "upcoming" : "validate"} goes with the catalog command`);
  }
  if (options.upcoming !== null && options.validate !== null) throw new UsageError("catalog: give --upcoming or --validate, not both");
  if (options.extensionsFile && !options.fromFile) throw new UsageError("--extensions-file goes with --from-file");
  if ((options.root !== null || options.bundle !== null) && options.command !== "verify") throw new UsageError(`--${options.root !== null ? "root" : "bundle"} goes with the verify command`);
  if (options.bundle !== null && (options.root !== null || options.cluster !== null)) throw new UsageError("verify: --bundle checks the file alone; give it without --root or --cluster");
  if (options.out !== null && options.command !== "export") throw new UsageError("--out goes with the export command");
  if (options.command === "export" && (options.run === null || options.out === null)) throw new UsageError("export: give --run RUNID and --out FILE");
  if (options.command === "history") {
    const chosen = [options.runs, options.run !== null, options.cluster !== null, options.asOf !== null && !options.runs].filter(Boolean).length;
    if (chosen === 0) throw new UsageError("history: choose one of --runs, --run RUNID, --cluster ID or --as-of DATE");
  }
  return options;
}

function defaults(): CliOptions {
  return {
    command: "help",
    asOf: null,
    format: null,
    quiet: false,
    store: true,
    failOn: null,
    fromFile: null,
    extensionsFile: null,
    subscriptions: [],
    managementGroups: [],
    clusterIds: [],
    cluster: null,
    run: null,
    runs: false,
    from: null,
    to: null,
    preview: false,
    clusters: null,
    seed: null,
    upcoming: null,
    validate: null,
    root: null,
    bundle: null,
    out: null,
    port: null,
    host: null,
    weeks: null,
  };
}

/** A run root: 64 hex digits, as GET /api/runs/{runId} and the digest show it. */
function rootHash(value: string): string {
  if (!/^[0-9a-fA-F]{64}$/.test(value)) throw new UsageError(`--root: expected a run root (64 hex digits), got '${value}'`);
  return value.toLowerCase();
}

/** A TCP port, 0 (any free port) to 65535. */
function port(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65_535) throw new UsageError(`--port: expected a port from 0 to 65535, got '${value}'`);
  return Number(value);
}

/** A number of days, 0 (today only) to 36500. */
function days(option: string, value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 36_500) throw new UsageError(`--${option}: expected a number of days from 0 to 36500, got '${value}'`);
  return Number(value);
}

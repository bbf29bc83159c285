/**
 * The OpenAPI 3.0 description of the HTTP API, served at /api/openapi.json. Enumerations come from
 * the report contract's constants, and test/functions/openapi.test.ts checks every registered
 * route, method and role against this document, so it cannot drift from the handlers.
 */
import { DEADLINE_KINDS, DRIFTS, INTEGRATION_KINDS, SCHEMA_VERSION, SEVERITIES, STAGES, SUPPORT_TIERS } from "../core/report.js";
import { CHANGE_TYPES } from "../core/changes.js";
import { MAX_BODY_BYTES } from "./body.js";
import { MAX_CONTINUATION_TOKEN_LENGTH, MAX_PAGE_SIZE, MAX_YEAR, MIN_YEAR } from "./params.js";

type Json = Record<string, unknown>;

/** The report formats the HTTP API offers (the CLI's terminal `table` is not one of them). */
export const HTTP_REPORT_FORMATS = ["json", "csv"] as const;
export type HttpReportFormat = (typeof HTTP_REPORT_FORMATS)[number];

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const problem = (description: string): Json => ({ description, content: { "application/problem+json": { schema: ref("Problem") } } });
const json = (description: string, schema: Json, headers?: Json): Json => ({
  description,
  content: { "application/json": { schema } },
  ...(headers ? { headers } : {}),
});
const reportBody = (description: string): Json => ({
  description,
  content: { "application/json": { schema: ref("AuditReport") }, "text/csv": { schema: { type: "string" } } },
});

const date = (description: string): Json => ({ type: "string", format: "date", pattern: "^\\d{4}-\\d{2}-\\d{2}$", description });
const queryDate = (name: string, description: string): Json => ({
  name,
  in: "query",
  required: false,
  schema: date(`${description} Years ${MIN_YEAR}–${MAX_YEAR}.`),
});
const limit: Json = { name: "limit", in: "query", required: false, schema: { type: "integer", minimum: 1, maximum: MAX_PAGE_SIZE } };
const token: Json = {
  name: "continuationToken",
  in: "query",
  required: false,
  description: "Pass back the continuationToken of the previous page unchanged.",
  schema: { type: "string", pattern: "^[A-Za-z0-9_-]+={0,2}$", maxLength: MAX_CONTINUATION_TOKEN_LENGTH },
};
const RUN_ID: Json = { name: "runId", in: "path", required: true, schema: { type: "string", pattern: "^\\d{8}T\\d{6}Z-[0-9a-z]{4,32}$" } };
const rootHash: Json = { type: "string", pattern: "^[0-9a-f]{64}$", description: "SHA-256, hex." };
const format: Json = { name: "format", in: "query", required: false, schema: { type: "string", enum: [...HTTP_REPORT_FORMATS], default: "json" } };
const armClusterId = {
  type: "string",
  maxLength: 512,
  description: "ARM id: /subscriptions/{guid}/resourceGroups/{group}/providers/Microsoft.ContainerService/managedClusters/{name} (case-insensitive).",
};

/** The fleet view's filters (src/http/fleetQuery.ts), shared by /fleet and /fleet/deadlines. */
const days = (description: string): Json => ({ type: "integer", minimum: 0, maximum: 3650, description });
const fleetFilterParameters: Json[] = [
  { name: "severity", in: "query", required: false, schema: { type: "string", enum: [...SEVERITIES] } },
  { name: "supportTier", in: "query", required: false, schema: { type: "string", enum: [...SUPPORT_TIERS] } },
  { name: "subscription", in: "query", required: false, schema: { type: "string", format: "uuid", description: "Clusters in this subscription." } },
  { name: "resourceGroup", in: "query", required: false, schema: { type: "string", maxLength: 90, description: "Clusters in a resource group of this name (case-insensitive)." } },
  { name: "q", in: "query", required: false, schema: { type: "string", maxLength: 100, description: "Text in the cluster's name, id or a tag written key=value (all its integrations), or in an integration's name (only those); case-insensitive." } },
  { name: "deadlineWithinDays", in: "query", required: false, schema: days("Integrations with a deadline from deadlineFromDays (default 0) to this many days after the run's asOf.") },
  { name: "deadlineFromDays", in: "query", required: false, schema: days("With deadlineWithinDays: the first day of the range (a week of the deadlines chart).") },
];

/** Errors every operation can answer, after its own. */
const commonErrors: Json = {
  "400": problem("A parameter is malformed or out of range; `parameter` names it."),
  "401": problem("HTTP_REQUIRE_ROLES is on and no Entra principal came with the request, or the principal header is malformed."),
  "403": problem("The Entra principal lacks the app role this operation needs."),
  "405": problem("The route exists but not for this method; see the Allow header."),
  "500": problem("The auditor failed; details are in the function logs, never in the response."),
};

function operation(summary: string, roles: readonly string[], responses: Json, extra: Json = {}): Json {
  return { summary, "x-required-roles": [...roles], ...extra, responses: { ...responses, ...commonErrors } };
}

export function openApiDocument(): Json {
  return {
    openapi: "3.0.3",
    info: {
      title: "AKS Integration Auditor",
      version: String(SCHEMA_VERSION),
      description:
        "Support tier and upgrade drift of every AKS add-on, extension and open-source integration, with history. " +
        "Every call needs a function key; with App Service Authentication on, callers also need the app role in x-required-roles.",
    },
    servers: [{ url: "/api" }],
    security: [{ functionKey: [] }, { functionKeyQuery: [] }, { functionKey: [], entra: [] }],
    paths: {
      "/audits": {
        post: operation(
          "Audit a scope on demand",
          ["Audit.Run"],
          {
            "200": json("A small scope (cluster ids up to HTTP_MAX_SYNC_CLUSTERS), audited synchronously.", ref("AuditReport")),
            "202": json("A larger scope, queued; poll the Location.", ref("RunStatus"), {
              Location: { schema: { type: "string" }, description: "/api/audits/{runId}" },
            }),
            "409": problem("An on-demand audit of whole subscriptions, groups or the tenant is already running; `runId` names it (one at a time; named clusterIds are not held up)."),
            "413": problem(`The body is larger than ${MAX_BODY_BYTES} bytes.`),
            "415": problem("The body is not application/json."),
            "503": problem("The run was recorded but could not be queued; it is recorded failed with the reason, and `runId` names it."),
          },
          { requestBody: { required: false, content: { "application/json": { schema: ref("AuditRequest") } } } },
        ),
      },
      "/audits/{runId}": {
        get: operation(
          "A run's report, or its status while it runs",
          ["Audit.Read", "Audit.Run"],
          {
            "200": reportBody(
              "A page of the run's clusters with the run's whole summary and errors. The body carries `continuationToken` (null on the last page), also sent as the `x-continuation-token` header for CSV.",
            ),
            "202": json("The run is still going.", ref("RunStatus")),
            "404": problem("No such run."),
          },
          { parameters: [RUN_ID, format, limit, token] },
        ),
      },
      "/runs": {
        get: operation("Runs, newest first", ["Audit.Read"], { "200": json("A page of runs.", ref("RunPage")) }, {
          parameters: [queryDate("from", "Runs on or after this date."), queryDate("to", "Runs on or before this date."), limit, token],
        }),
      },
      "/runs/{runId}": {
        get: operation(
          "One stored run record, with its root",
          ["Audit.Read"],
          { "200": json("The run; `root.hash` is its root and `root.previousRoot` the fleet root it follows.", ref("RunRecord")), "404": problem("No stored run has this id.") },
          { parameters: [RUN_ID] },
        ),
      },
      "/runs/{runId}/evidence": {
        get: operation(
          "A run's evidence bundle, to check offline (aks-audit verify --bundle)",
          ["Audit.Read"],
          {
            "200": json("The bundle as a download (Content-Disposition: attachment); docs/storage-design.md describes the format.", ref("EvidenceBundle")),
            "404": problem("No stored run has this id."),
          },
          { parameters: [RUN_ID] },
        ),
      },
      "/clusters/{clusterId}/history": {
        get: operation(
          "One cluster's snapshots, newest first, and what changed between them",
          ["Audit.Read"],
          { "200": json("Snapshots and changes.", ref("ClusterHistory")), "404": problem("No snapshot of this cluster was ever stored.") },
          {
            parameters: [
              { name: "clusterId", in: "path", required: true, description: "The URL-encoded ARM id.", schema: armClusterId },
              queryDate("from", "Snapshots on or after this date."),
              queryDate("to", "Snapshots on or before this date."),
              limit,
              token,
            ],
          },
        ),
      },
      "/fleet": {
        get: operation(
          "The fleet as last recorded on or before a date",
          ["Audit.Read"],
          {
            "200": reportBody(
              "A page of the latest run on or before asOf, filtered. The body carries `continuationToken` (null on the last page), also sent as the `x-continuation-token` header for CSV.",
            ),
            "404": problem("No run was recorded on or before asOf."),
          },
          {
            description:
              "Filters are applied by the server over the whole run while it pages, so every page holds only matches. `summary` counts the clusters and integrations of this page as the filters kept them (`summaryCovers` is `page`); whole-run counts under the same filters come from /fleet/deadlines. With `q` or `deadlineWithinDays` at most 2,000 clusters are read for one page: a page may then be short, even empty, with a continuationToken to go on.",
            parameters: [queryDate("asOf", "Default: today (UTC)."), ...fleetFilterParameters, format, limit, token],
          },
        ),
      },
      "/fleet/deadlines": {
        get: operation(
          "Clusters with a deadline in each week ahead, and whole-run counts, for the fleet as of a date",
          ["Audit.Read"],
          {
            "200": json("Weeks from the run's asOf (week 1 is days 0–6), each with the clusters that have a deadline in it; `matched` counts the whole run under the filters.", {
              type: "object",
              required: ["runId", "asOf", "filters", "covers", "matched", "weeks"],
              properties: {
                runId: { type: "string" },
                asOf: date("The run's asOf; weeks count from it."),
                filters: { type: "object", description: "The filters applied, as parsed." },
                covers: { type: "string", enum: ["run"] },
                matched: ref("ReportSummary"),
                weeks: {
                  type: "array",
                  items: {
                    type: "object",
                    required: ["week", "fromDay", "toDay", "start", "end", "clusters", "deadlines"],
                    properties: {
                      week: { type: "integer", minimum: 1 },
                      fromDay: { type: "integer" },
                      toDay: { type: "integer" },
                      start: date("First day of the week."),
                      end: date("Last day of the week."),
                      clusters: { type: "integer", description: "Clusters with at least one deadline in this week." },
                      deadlines: { type: "integer", description: "Integration deadlines in this week." },
                    },
                  },
                },
              },
            }),
            "404": problem("No run was recorded on or before asOf."),
          },
          {
            description: "Walks every filtered page of the run on the server, one at a time (memory stays one page); rows outside the subscription, resource group, severity or tier are dropped before their snapshots are read.",
            parameters: [
              queryDate("asOf", "Default: today (UTC)."),
              { name: "weeks", in: "query", required: false, schema: { type: "integer", minimum: 1, maximum: 104, default: 26 } },
              ...fleetFilterParameters,
            ],
          },
        ),
      },
      "/verify": {
        get: operation(
          "Verify one cluster's snapshot hash chain (every chain: the command line, aks-audit verify)",
          ["Audit.Read"],
          {
            "200": json("The verification result; ok is false when the chain is broken.", ref("VerifyResult")),
            "404": problem("No history of this cluster."),
          },
          {
            description:
              "With root alone, only the held root is checked (the root chain and one link per cluster of its run). Without either the answer is 400 naming clusterId: a fleet-wide verify reads every stored snapshot and is not offered over HTTP.",
            parameters: [
              { name: "clusterId", in: "query", required: false, schema: armClusterId },
              {
                name: "root",
                in: "query",
                required: false,
                description: "A run root held outside the store (the digest, GET /api/runs/{runId}): also check it is in the stored root chain and that the chains reproduce it.",
                schema: { type: "string", pattern: "^[0-9a-fA-F]{64}$" },
              },
            ],
          },
        ),
      },
      "/openapi.json": {
        get: operation("This document", [], { "200": json("OpenAPI 3.0 document.", { type: "object" }) }),
      },
    },
    components: {
      securitySchemes: {
        functionKey: { type: "apiKey", in: "header", name: "x-functions-key" },
        functionKeyQuery: { type: "apiKey", in: "query", name: "code" },
        entra: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "JWT",
          description: "Entra ID token validated by App Service Authentication; app roles Audit.Read and Audit.Run.",
        },
      },
      schemas: {
        Problem: {
          type: "object",
          required: ["type", "title", "status", "detail"],
          properties: {
            type: { type: "string" },
            title: { type: "string" },
            status: { type: "integer" },
            detail: { type: "string" },
            parameter: { type: "string", description: "The offending input: query or route parameter, header, or body.<field>." },
            runId: { type: "string", description: "The run a 409 (the audit already running) or a 503 (the run that could not be queued) is about." },
          },
        },
        AuditRequest: {
          type: "object",
          additionalProperties: false,
          description: "Omitted lists fall back to the configured scope.",
          properties: {
            subscriptions: { type: "array", items: { type: "string", format: "uuid" } },
            managementGroups: { type: "array", items: { type: "string", maxLength: 90 } },
            clusterIds: { type: "array", items: armClusterId },
            asOf: date("Judge deadlines as of this date; default today (UTC). An earlier date needs store: false (a what-if); never after today."),
            store: { type: "boolean", default: true, description: "false: answer the audit without storing a run (required with an earlier asOf)." },
          },
        },
        RunStatus: {
          type: "object",
          required: ["runId", "status", "location"],
          properties: {
            runId: { type: "string" },
            status: { type: "string", enum: ["running", "succeeded", "partial", "failed"] },
            startedAt: { type: "string", format: "date-time" },
            location: { type: "string" },
          },
        },
        Deadline: {
          type: "object",
          required: ["date", "kind", "daysLeft", "source"],
          properties: { date: date("Deadline."), kind: { type: "string", enum: [...DEADLINE_KINDS] }, daysLeft: { type: "integer" }, source: { type: "string" } },
        },
        Integration: {
          type: "object",
          required: ["kind", "name", "version", "supportTier", "stage", "drift", "deadlines", "severity", "reasons"],
          properties: {
            kind: { type: "string", enum: [...INTEGRATION_KINDS] },
            name: { type: "string" },
            version: { type: "string", nullable: true },
            supportTier: { type: "string", enum: [...SUPPORT_TIERS] },
            stage: { type: "string", enum: [...STAGES] },
            drift: { type: "string", enum: [...DRIFTS] },
            deadlines: { type: "array", items: ref("Deadline") },
            severity: { type: "string", enum: [...SEVERITIES] },
            reasons: { type: "array", items: { type: "string" } },
          },
        },
        ClusterReport: {
          type: "object",
          required: ["id", "name", "subscriptionId", "resourceGroup", "location", "kubernetesVersion", "supportPlan", "integrations", "errors"],
          properties: {
            id: { type: "string" },
            name: { type: "string" },
            subscriptionId: { type: "string" },
            resourceGroup: { type: "string" },
            location: { type: "string" },
            kubernetesVersion: { type: "string", nullable: true },
            supportPlan: { type: "string", nullable: true },
            integrations: { type: "array", items: ref("Integration") },
            errors: { type: "array", items: { type: "string" } },
            tags: { type: "object", additionalProperties: { type: "string" } },
          },
        },
        ReportSummary: {
          type: "object",
          required: ["clusters", "integrations", "bySupportTier", "bySeverity", "inWindow"],
          properties: {
            clusters: { type: "integer" },
            integrations: { type: "integer" },
            bySupportTier: { type: "object", additionalProperties: { type: "integer" } },
            bySeverity: { type: "object", additionalProperties: { type: "integer" } },
            inWindow: { type: "integer" },
          },
        },
        ScopeError: { type: "object", required: ["scope", "message"], properties: { scope: { type: "string" }, message: { type: "string" } } },
        AuditReport: {
          type: "object",
          required: ["schemaVersion", "runId", "asOf", "catalog", "clusters", "summary", "errors"],
          properties: {
            schemaVersion: { type: "integer", enum: [SCHEMA_VERSION] },
            runId: { type: "string" },
            asOf: date("The date deadlines are judged against."),
            catalog: {
              type: "object",
              required: ["version", "checkedAt"],
              properties: {
                version: { type: "string" },
                checkedAt: date("Catalog check date."),
                ageDays: { type: "integer", description: "Days from checkedAt to asOf." },
                maxAgeDays: { type: "integer", description: "CATALOG_MAX_AGE_DAYS the run was judged against." },
                stale: { type: "boolean", description: "True when ageDays exceeds maxAgeDays." },
                note: { type: "string", description: "Present only when stale." },
              },
            },
            clusters: { type: "array", items: ref("ClusterReport") },
            summary: ref("ReportSummary"),
            errors: { type: "array", items: ref("ScopeError") },
            dataSources: { type: "object" },
          },
        },
        RunRecord: {
          type: "object",
          required: ["runId", "trigger", "scope", "asOf", "startedAt", "endedAt", "status", "summary", "errors"],
          properties: {
            runId: { type: "string" },
            trigger: { type: "string", enum: ["timer", "http", "cli"] },
            scope: { type: "object" },
            asOf: date("Run date."),
            startedAt: { type: "string", format: "date-time" },
            endedAt: { type: "string", format: "date-time", nullable: true },
            status: { type: "string", enum: ["running", "succeeded", "partial", "failed"] },
            summary: ref("ReportSummary"),
            errors: { type: "array", items: ref("ScopeError") },
            catalogVersion: { type: "string" },
            catalogCheckedAt: { type: "string" },
            fleet: { type: "boolean", description: "True when the run covered the configured scope; only fleet runs feed fleet views." },
            asOfChosen: { type: "boolean", description: "Set when the caller chose asOf instead of the day it ran." },
            root: ref("RunRoot"),
          },
        },
        RunRoot: {
          type: "object",
          required: ["hash", "pairsHash", "clusters", "previousRoot", "seq"],
          description: "Set when the run completes. hash = SHA-256 of canonical JSON {asOf, clusters, pairsHash, previousRoot, runId}.",
          properties: {
            hash: rootHash,
            pairsHash: { ...rootHash, description: "SHA-256 over `<cluster key>\\t<chain hash>\\n` lines in ascending key order." },
            clusters: { type: "integer" },
            previousRoot: { type: "string", description: "The root of the fleet run this one follows; empty for the first." },
            seq: { type: "integer", description: "Position in the root chain; 0 for a run outside it (scoped or failed)." },
          },
        },
        EvidenceBundle: {
          type: "object",
          required: ["format", "formatVersion", "run", "report", "links", "rootChain"],
          properties: {
            format: { type: "string", enum: ["aks-audit-evidence"] },
            formatVersion: { type: "integer", enum: [1] },
            run: ref("RunRecord"),
            report: ref("AuditReport"),
            links: {
              type: "array",
              items: {
                type: "object",
                required: ["clusterId", "clusterKey", "seq", "runId", "asOf", "contentHash", "previousHash", "previousChainHash", "chainHash"],
                properties: {
                  clusterId: { type: "string" },
                  clusterKey: { type: "string" },
                  seq: { type: "integer" },
                  runId: { type: "string" },
                  asOf: date("Run date."),
                  contentHash: rootHash,
                  previousHash: { type: "string" },
                  previousChainHash: { type: "string" },
                  chainHash: rootHash,
                },
              },
            },
            rootChain: {
              type: "array",
              items: {
                type: "object",
                required: ["runId", "asOf", "seq", "clusters", "pairsHash", "previousRoot", "hash"],
                properties: {
                  runId: { type: "string" },
                  asOf: date("Run date."),
                  seq: { type: "integer" },
                  clusters: { type: "integer" },
                  pairsHash: rootHash,
                  previousRoot: { type: "string" },
                  hash: rootHash,
                },
              },
            },
          },
        },
        RunPage: {
          type: "object",
          required: ["items", "continuationToken"],
          properties: { items: { type: "array", items: ref("RunRecord") }, continuationToken: { type: "string", nullable: true } },
        },
        Snapshot: {
          type: "object",
          required: ["runId", "asOf", "contentHash", "previousHash", "cluster"],
          properties: {
            runId: { type: "string" },
            asOf: date("Run date."),
            contentHash: { type: "string" },
            previousHash: { type: "string" },
            cluster: ref("ClusterReport"),
          },
        },
        Change: {
          type: "object",
          required: ["type", "kind", "name", "from", "to"],
          properties: {
            type: { type: "string", enum: [...CHANGE_TYPES] },
            kind: { type: "string", enum: [...INTEGRATION_KINDS] },
            name: { type: "string" },
            from: { type: "string", nullable: true },
            to: { type: "string", nullable: true },
          },
        },
        SnapshotDiff: {
          type: "object",
          required: ["fromRunId", "fromAsOf", "toRunId", "toAsOf", "changes"],
          properties: {
            fromRunId: { type: "string" },
            fromAsOf: date("Older snapshot."),
            toRunId: { type: "string" },
            toAsOf: date("Newer snapshot."),
            changes: { type: "array", items: ref("Change") },
          },
        },
        ClusterHistory: {
          type: "object",
          required: ["clusterId", "snapshots", "changes", "continuationToken"],
          description: "Changes are between consecutive snapshots of this page.",
          properties: {
            clusterId: { type: "string" },
            snapshots: { type: "array", items: ref("Snapshot") },
            changes: { type: "array", items: ref("SnapshotDiff") },
            continuationToken: { type: "string", nullable: true },
          },
        },
        VerifyResult: {
          type: "object",
          required: ["clustersChecked", "snapshotsChecked", "ok", "broken"],
          properties: {
            clustersChecked: { type: "integer" },
            snapshotsChecked: { type: "integer" },
            ok: { type: "boolean" },
            broken: {
              type: "array",
              items: {
                type: "object",
                properties: { clusterId: { type: "string" }, runId: { type: "string" }, asOf: { type: "string" }, reason: { type: "string" } },
              },
            },
            root: {
              type: "object",
              description: "Present when `root` was given.",
              required: ["root", "ok", "runId", "asOf", "seq", "chain", "broken"],
              properties: {
                root: rootHash,
                ok: { type: "boolean" },
                runId: { type: "string", nullable: true },
                asOf: { type: "string", nullable: true },
                seq: { type: "integer", nullable: true },
                chain: { type: "object", properties: { first: { type: "integer", nullable: true }, last: { type: "integer", nullable: true } } },
                broken: {
                  type: "array",
                  items: {
                    type: "object",
                    properties: {
                      clusterId: { type: "string", nullable: true },
                      runId: { type: "string" },
                      seq: { type: "integer", nullable: true },
                      field: { type: "string" },
                      reason: { type: "string" },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  };
}

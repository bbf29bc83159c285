/** Success responses. JSON is serialised by us (not `jsonBody`) so headers are exact and identical everywhere. */
import type { HttpResponseInit } from "@azure/functions";
import { formatReport } from "../core/format.js";
import type { AuditReport } from "../core/report.js";
import type { HttpReportFormat } from "./openapi.js";

const COMMON = { "cache-control": "no-store", "x-content-type-options": "nosniff" };

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): HttpResponseInit {
  return { status, body: JSON.stringify(body), headers: { "content-type": "application/json; charset=utf-8", ...COMMON, ...headers } };
}

/** CSV as a download, so a browser never renders cluster names or tags from Azure as a page. */
export function csvResponse(text: string, filename: string, status = 200): HttpResponseInit {
  return {
    status,
    body: text,
    headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="${filename.replace(/[^A-Za-z0-9_.-]/g, "_")}"`, ...COMMON },
  };
}

/** A report in the asked format: the JSON contract, or the CSV of src/core/format.ts as a download. */
export function reportResponse(report: AuditReport, format: HttpReportFormat, filename: string, headers: Record<string, string> = {}): HttpResponseInit {
  if (format === "csv") {
    const response = csvResponse(formatReport(report, "csv"), `${filename}.csv`);
    return { ...response, headers: { ...(response.headers as Record<string, string>), ...headers } };
  }
  return jsonResponse(report, 200, headers);
}

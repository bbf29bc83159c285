/**
 * Validators for everything a caller can put in a URL or a body. Each takes the raw value and the
 * name of the input it came from, and returns the parsed value or throws a 400 problem naming that
 * input. Values are matched against strict allow-lists (never sanitised), so nothing a caller sends
 * reaches a Table Storage filter, an ARM call or a log line unless it already has the expected shape.
 */
import type { HttpRequest } from "@azure/functions";
import { RUN_ID_PATTERN } from "../app/audit.js";
import { isIsoDate } from "../core/dates.js";
import { MAX_PAGE_SIZE } from "../core/ports.js";
import { GUID_PATTERN, type IsoDate } from "../core/types.js";
import { badParameter, quote } from "./problem.js";

const GUID = GUID_PATTERN;
/**
 * `/subscriptions/{guid}/resourceGroups/{rg}/providers/Microsoft.ContainerService/managedClusters/{name}`.
 * Resource group: letters, digits, `_ - . ( )`, 1–90, not ending in a period (so `..` can never be a
 * segment). Cluster: letters, digits, `_ -`, 1–63, starting with a letter or digit.
 */
const ARM_CLUSTER_ID =
  /^\/subscriptions\/([0-9a-f-]{36})\/resourcegroups\/([\p{L}\p{N}_.()-]{0,89}[\p{L}\p{N}_()-])\/providers\/microsoft\.containerservice\/managedclusters\/([A-Za-z0-9][A-Za-z0-9_-]{0,62})$/iu;
/** Management group ids: letters, digits, `_ - . ( )`, up to 90, not starting with a period. */
const MANAGEMENT_GROUP = /^[A-Za-z0-9_()-][A-Za-z0-9_().-]{0,89}$/;
/** base64url, optionally padded; what the history store hands out as continuation tokens. */
const CONTINUATION_TOKEN = /^[A-Za-z0-9_-]+={0,2}$/;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export const MAX_CONTINUATION_TOKEN_LENGTH = 2048;
export { MAX_PAGE_SIZE };
export const MIN_YEAR = 2000;
export const MAX_YEAR = 2100;
const MAX_ID_LENGTH = 512;

/**
 * One query parameter, or undefined when absent. A repeated parameter is refused rather than
 * silently picking one copy (`?severity=ok&severity=critical`).
 */
export function queryParam(request: HttpRequest, name: string): string | undefined {
  const values = request.query.getAll(name);
  if (values.length === 0) return undefined;
  if (values.length > 1) throw badParameter(name, `${name} may be given only once`);
  return values[0];
}

/** Common to every textual input: bounded length, no control characters. */
function plain(value: string, parameter: string, maxLength: number): string {
  if (value.length === 0) throw badParameter(parameter, `${parameter} is empty`);
  if (value.length > maxLength) throw badParameter(parameter, `${parameter} is longer than ${maxLength} characters`);
  if (CONTROL.test(value)) throw badParameter(parameter, `${parameter} contains control characters`);
  return value;
}

export function armClusterId(value: string, parameter: string): string {
  plain(value, parameter, MAX_ID_LENGTH);
  const m = ARM_CLUSTER_ID.exec(value);
  if (!m || !GUID.test(m[1]!)) {
    throw badParameter(
      parameter,
      `${parameter} ${quote(value)} is not an AKS cluster resource id (/subscriptions/{guid}/resourceGroups/{group}/providers/Microsoft.ContainerService/managedClusters/{name})`,
    );
  }
  return value;
}

export function guid(value: string, parameter: string): string {
  plain(value, parameter, 64);
  if (!GUID.test(value)) throw badParameter(parameter, `${parameter} ${quote(value)} is not a GUID`);
  return value.toLowerCase();
}

export function managementGroupId(value: string, parameter: string): string {
  plain(value, parameter, 90);
  if (!MANAGEMENT_GROUP.test(value)) throw badParameter(parameter, `${parameter} ${quote(value)} is not a management group id`);
  return value;
}

export function isoDate(value: string, parameter: string): IsoDate {
  plain(value, parameter, 10);
  if (!isIsoDate(value)) throw badParameter(parameter, `${parameter} ${quote(value)} is not a calendar date written YYYY-MM-DD`);
  const year = Number(value.slice(0, 4));
  if (year < MIN_YEAR || year > MAX_YEAR) throw badParameter(parameter, `${parameter} must fall between ${MIN_YEAR} and ${MAX_YEAR}`);
  return value;
}

export function optionalDate(value: string | undefined, parameter: string): IsoDate | undefined {
  return value === undefined ? undefined : isoDate(value, parameter);
}

/** `from`/`to` as an inclusive range; `from` after `to` is the caller's mistake, reported on `from`. */
export function dateRange(from: string | undefined, to: string | undefined): { from?: IsoDate; to?: IsoDate } {
  const range = { from: optionalDate(from, "from"), to: optionalDate(to, "to") };
  if (range.from && range.to && range.from > range.to) throw badParameter("from", `from (${range.from}) is after to (${range.to})`);
  return range;
}

export function oneOf<T extends string>(value: string, allowed: readonly T[], parameter: string): T {
  plain(value, parameter, 64);
  if (!(allowed as readonly string[]).includes(value)) {
    throw badParameter(parameter, `${parameter} ${quote(value)} is not one of ${allowed.join(", ")}`);
  }
  return value as T;
}

export function optionalOneOf<T extends string>(value: string | undefined, allowed: readonly T[], parameter: string): T | undefined {
  return value === undefined ? undefined : oneOf(value, allowed, parameter);
}

/** A page size from 1 to 1000; undefined when absent, so the store applies its own default. */
export function pageSize(value: string | undefined, parameter = "limit"): number | undefined {
  if (value === undefined) return undefined;
  plain(value, parameter, 8);
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE_SIZE) throw badParameter(parameter, `${parameter} must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
  return n;
}

export function continuationToken(value: string | undefined, parameter = "continuationToken"): string | undefined {
  if (value === undefined) return undefined;
  plain(value, parameter, MAX_CONTINUATION_TOKEN_LENGTH);
  if (!CONTINUATION_TOKEN.test(value)) throw badParameter(parameter, `${parameter} is not a token this API handed out`);
  return value;
}

export function runId(value: string | undefined, parameter = "runId"): string {
  if (value === undefined) throw badParameter(parameter, `${parameter} is required`);
  plain(value, parameter, 64);
  if (!RUN_ID_PATTERN.test(value)) throw badParameter(parameter, `${parameter} ${quote(value)} is not a run id (e.g. 20261124T060000Z-timer)`);
  return value;
}

/**
 * A route parameter that carries a URL-encoded ARM id. Depending on the front end, `%2F` arrives
 * decoded or not; decode once when it still looks encoded, refusing malformed escapes.
 */
export function decodeRouteParam(value: string | undefined, parameter: string): string {
  if (value === undefined || value === "") throw badParameter(parameter, `${parameter} is required`);
  if (value.length > MAX_ID_LENGTH * 3) throw badParameter(parameter, `${parameter} is too long`);
  if (!/%[0-9a-f]{2}/i.test(value)) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    throw badParameter(parameter, `${parameter} is not correctly URL-encoded`);
  }
}

/** A run root as shown by GET /api/runs/{runId} and the digest: 64 hex digits (SHA-256). */
export function rootHashParam(value: string, parameter = "root"): string {
  if (!/^[0-9a-fA-F]{64}$/.test(value)) throw badParameter(parameter, `${parameter} ${quote(value)} is not a run root (64 hex digits)`);
  return value.toLowerCase();
}

/** Resource group names as Azure allows them: letters, digits, `_ - . ( )`, 1–90, not ending in a period. */
const RESOURCE_GROUP = /^[\p{L}\p{N}_.()-]{0,89}[\p{L}\p{N}_()-]$/u;

export function resourceGroupName(value: string, parameter: string): string {
  plain(value, parameter, 90);
  if (!RESOURCE_GROUP.test(value)) throw badParameter(parameter, `${parameter} ${quote(value)} is not a resource group name`);
  return value;
}

/** Free text to search for: bounded, no control characters, trimmed; compared case-insensitively. */
export function searchText(value: string, parameter: string, maxLength = 100): string {
  const text = plain(value, parameter, maxLength).trim();
  if (text.length === 0) throw badParameter(parameter, `${parameter} is blank`);
  return text.toLowerCase();
}

/** A whole number of days from 0 to `max`. */
export function dayCount(value: string, parameter: string, max = 3650): number {
  plain(value, parameter, 8);
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n > max) throw badParameter(parameter, `${parameter} must be a whole number of days from 0 to ${max}`);
  return n;
}

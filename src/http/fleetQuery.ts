/**
 * The fleet view's filters as query parameters, shared by GET /api/fleet and GET /api/fleet/deadlines.
 * Each is validated on its own and a bad one is a 400 naming it.
 */
import type { HttpRequest } from "@azure/functions";
import type { FleetFilter } from "../core/fleetFilter.js";
import { SEVERITIES, SUPPORT_TIERS } from "../core/report.js";
import { dayCount, guid, optionalOneOf, queryParam, resourceGroupName, searchText } from "./params.js";
import { badParameter } from "./problem.js";

export const FLEET_FILTER_PARAMETERS = ["severity", "supportTier", "subscription", "resourceGroup", "q", "deadlineWithinDays", "deadlineFromDays"] as const;

export function fleetFilter(request: HttpRequest): FleetFilter {
  const optional = <T>(name: string, parse: (value: string, parameter: string) => T): T | undefined => {
    const value = queryParam(request, name);
    return value === undefined ? undefined : parse(value, name);
  };
  const filter: FleetFilter = {
    severity: optionalOneOf(queryParam(request, "severity"), SEVERITIES, "severity"),
    supportTier: optionalOneOf(queryParam(request, "supportTier"), SUPPORT_TIERS, "supportTier"),
    subscription: optional("subscription", guid),
    resourceGroup: optional("resourceGroup", resourceGroupName),
    q: optional("q", searchText),
    deadlineWithinDays: optional("deadlineWithinDays", dayCount),
    deadlineFromDays: optional("deadlineFromDays", dayCount),
  };
  if (filter.deadlineFromDays !== undefined) {
    if (filter.deadlineWithinDays === undefined) throw badParameter("deadlineFromDays", "deadlineFromDays needs deadlineWithinDays");
    if (filter.deadlineFromDays > filter.deadlineWithinDays) {
      throw badParameter("deadlineFromDays", `deadlineFromDays (${filter.deadlineFromDays}) is after deadlineWithinDays (${filter.deadlineWithinDays})`);
    }
  }
  // Absent filters are left out, so the store sees exactly what was asked.
  return Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined)) as FleetFilter;
}

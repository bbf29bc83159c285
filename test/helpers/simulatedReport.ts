/**
 * The simulator's fleet as an audit report, built in-process: the same cluster and extension rows
 * the simulator serves, parsed by the real row parsers and judged by the real classifier, with no
 * network. For tests that need a large fleet's report (mail size limits at 50,000 clusters).
 */
import { loadBundledCatalog } from "../../src/catalog/load.js";
import { buildReport, classifyCluster } from "../../src/core/classify.js";
import type { AuditReport, ClusterReport } from "../../src/core/report.js";
import type { IsoDate } from "../../src/core/types.js";
import { DEFAULT_REGIONS, FleetModel, defaultSubscriptionCount } from "../../src/local/simulator/fleet.js";
import { renderClusterGraphRow, renderExtensionGraphRow } from "../../src/local/simulator/wire.js";
import { parseClusterRow, parseExtensionRow } from "../../src/sources/parse.js";

export function simulatedReport(options: { clusters: number; seed?: number; asOf: IsoDate; runId?: string; windowDays?: number }): AuditReport {
  const windowDays = options.windowDays ?? 60;
  const model = new FleetModel({ seed: options.seed ?? 1, clusters: options.clusters, subscriptions: defaultSubscriptionCount(options.clusters), regions: DEFAULT_REGIONS });
  const catalog = loadBundledCatalog();
  const clusters: ClusterReport[] = [];
  for (let i = 0; i < model.size; i++) {
    const spec = model.cluster(i);
    const row = parseClusterRow(renderClusterGraphRow(spec, model.tenantId));
    if (!row.ok) throw new Error(`simulated cluster ${i} did not parse: ${row.reason}`);
    const extensions = spec.extensions.flatMap((e) => {
      const parsed = parseExtensionRow(renderExtensionGraphRow(spec, e, options.asOf, model.tenantId));
      return parsed.ok ? [parsed.value] : [];
    });
    const report = classifyCluster({ cluster: row.value, extensions, versions: null }, catalog, { asOf: options.asOf, windowDays });
    report.tags = row.value.tags;
    clusters.push(report);
  }
  return buildReport({ runId: options.runId ?? `sim-${options.asOf}`, asOf: options.asOf, catalog, clusters, windowDays });
}

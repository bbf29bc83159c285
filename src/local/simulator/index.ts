/** The fleet simulator's public surface: start it, point the Azure SDK clients at it. */
export { startFleetSimulator } from "./server.js";
export type { FleetSimulator, FleetSimulatorOptions, FleetSummary, SimulatorStats } from "./server.js";
export type { FaultPlan, FaultWhen, RequestKind } from "./faults.js";
export { formatTimeSpan } from "./quota.js";

/** The Functions entry point (package.json "main"): importing each module registers its function. */
import "./sweep.js";
import "./weeklyDigest.js";
import "./audits.js";
import "./auditWorker.js";
import "./scanCluster.js";
import "./runs.js";
import "./run.js";
import "./runEvidence.js";
import "./clusterHistory.js";
import "./fleet.js";
import "./fleetDeadlines.js";
import "./verify.js";
import "./openapi.js";
import "./console.js";

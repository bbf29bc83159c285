/**
 * Child-process entry: the digest stage (digestStage.ts) in a fresh process, so its peak RSS is the
 * digest's alone (childStage.ts).
 */
import { serveInChild } from "./childStage.js";
import { runDigestStage } from "./digestStage.js";

serveInChild("digestProcess.js", runDigestStage);

/**
 * Child-process entry: the stored-sweep stage (storedSweep.ts) in a fresh process, so its peak RSS
 * is the stored sweep's, not what earlier stages left (childStage.ts).
 */
import { serveInChild } from "./childStage.js";
import { runStoredSweep } from "./storedSweep.js";

serveInChild("storedProcess.js", runStoredSweep);

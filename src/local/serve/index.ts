/** `aks-audit serve` end to end: the key under AKS_AUDIT_HOME, the app's routes, the server, the queue workers. */
export { captureHttpRegistrations, captureQueueRegistrations, type QueueRegistration } from "./capture.js";
export { MAX_DEQUEUE_COUNT, startQueueWorkers, type QueueWorkers } from "./queueWorker.js";
export { KEY_FILE, loadOrCreateKey } from "./key.js";
export { startServe, type RunningServer, type ServeOptions } from "./server.js";

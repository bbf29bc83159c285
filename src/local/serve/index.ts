/** `aks-audit serve` end to end: the key under AKS_AUDIT_HOME, the app's routes, the server. */
export { captureHttpRegistrations } from "./capture.js";
export { KEY_FILE, loadOrCreateKey } from "./key.js";
export { startServe, type RunningServer, type ServeOptions } from "./server.js";

/** The Table Storage history store (the alert ledger's table is reached through ledgerTable(); see src/notify/ledger.ts): the only entry point other layers import. */
export { createTableHistoryStore, type TableHistoryStore, type TableHistoryStoreOptions } from "./historyStore.js";
export { ContinuationTokenError } from "./paging.js";
export { KeyError } from "./keys.js";

/** The digest's public entry: the model and renderers live in ./digest/ (see its index.ts). */
export * from "./digest/index.js";

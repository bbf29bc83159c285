import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Integration tests start Azurite and loopback fakes; keep the 2-core machine from thrashing.
    pool: "forks",
    maxWorkers: 2,
    // The last line says how many tests skipped for want of reference material, and which setting adds it.
    reporters: ["default", "./test/helpers/skipReporter.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Never let DefaultAzureCredential or Azurite phone home from a test.
    env: { AZURE_IDENTITY_DISABLE_MULTITENANTAUTH: "true", AZURITE_DISABLE_TELEMETRY: "true" },
  },
});

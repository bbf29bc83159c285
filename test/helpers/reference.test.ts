import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { example } from "./reference.js";

describe("reference examples are found in either layout", () => {
  it("reads a spec-repository checkout (stable/<ver>/examples and examples/<ver>) and the flat copy", () => {
    const root = mkdtempSync(path.join(tmpdir(), "specs-"));
    const aks = path.join(root, "specification/containerservice/resource-manager/Microsoft.ContainerService/aks");
    mkdirSync(path.join(aks, "stable/2026-06-01/examples"), { recursive: true });
    mkdirSync(path.join(aks, "examples/2026-08-01"), { recursive: true });
    writeFileSync(path.join(aks, "stable/2026-06-01/examples/ManagedClustersGet.json"), JSON.stringify({ v: "stable" }));
    writeFileSync(path.join(aks, "examples/2026-08-01/ManagedClustersGet.json"), JSON.stringify({ v: "typespec" }));
    mkdirSync(path.join(root, "resourcegraph/2024-04-01"), { recursive: true });
    writeFileSync(path.join(root, "resourcegraph/2024-04-01/ResourcesBasicQuery.json"), JSON.stringify({ v: "flat" }));
    expect(example(root, "containerservice", "2026-06-01", "ManagedClustersGet.json")).toEqual({ v: "stable" });
    expect(example(root, "containerservice", "2026-08-01", "ManagedClustersGet.json")).toEqual({ v: "typespec" });
    expect(example(root, "resourcegraph", "2024-04-01", "ResourcesBasicQuery.json")).toEqual({ v: "flat" });
    expect(() => example(root, "containerservice", "2026-06-01", "Nope.json")).toThrow(/AZURE_REST_API_SPECS: containerservice 2026-06-01 example Nope.json not found/);
  });
});

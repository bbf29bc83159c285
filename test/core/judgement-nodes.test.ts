// Rule 4 of issue #14: what a node pool really runs, every node-OS retirement, and node images
// older than the 90 days AKS supports.
import { describe, expect, it } from "vitest";
import { imageDate, osFromImage } from "../../src/core/classify/nodeOs.js";
import { cluster, integration, judge, pool, reasons } from "./judgement.fixtures.js";

const withPool = (version: string, extra: Parameters<typeof pool>[2]) => cluster(version, { agentPools: [pool("system", version, { mode: "System", osSku: "Ubuntu2404" }), pool("np1", version, extra)] });
const k8s = (c: ReturnType<typeof cluster>, asOf: string) => integration(judge(c, asOf), "kubernetes");

describe("node pool OS resolution", () => {
  it("reads the OS release and the build date from node image names", () => {
    expect(osFromImage("AKSUbuntu-2204gen2containerd-202411.12.0")).toBe("Ubuntu2204");
    expect(osFromImage("AKSCBLMariner-V2gen2-202412.04.0")).toBe("AzureLinux2");
    expect(osFromImage("AKSAzureLinux-V3gen2-202510.03.0")).toBe("AzureLinux3");
    expect(osFromImage("AKSWindows-2019-containerd-17763.6414.241010")).toBe("Windows2019");
    expect(imageDate("AKSUbuntu-2204gen2containerd-202411.12.0")).toBe("2024-11-12");
    expect(imageDate("AKSUbuntu-1804gen2containerd-2023.01.10")).toBe("2023-01-10");
    expect(imageDate("AKSWindows-2022-containerd-20348.2762.241009")).toBe("2024-10-09");
    expect(imageDate("AKSUbuntu-2204gen2containerd-202413.40.0")).toBeNull();
  });

  it("a generic Ubuntu pool below 1.35 is Ubuntu 22.04 and gets its end of support", () => {
    const i = k8s(withPool("1.34.2", { osSku: "Ubuntu" }), "2027-06-01");
    expect(i.deadlines).toContainEqual(expect.objectContaining({ date: "2027-06-30", kind: "end-of-support" }));
    expect(reasons(i)).toMatch(/Node pool "np1" uses Ubuntu 22\.04/);
  });

  it("a generic Ubuntu pool on 1.35 is Ubuntu 24.04: no Ubuntu 22.04 deadline (the pool's own version decides)", () => {
    const c = cluster("1.35.1", { agentPools: [pool("np1", "1.35.1", { osSku: "Ubuntu" }), pool("old", "1.34.2", { osSku: "Ubuntu" })] });
    const i = k8s(c, "2027-01-10");
    expect(reasons(i)).not.toMatch(/"np1" uses Ubuntu 22\.04/);
    expect(reasons(i)).toMatch(/"old" uses Ubuntu 22\.04/);
  });

  it("the node image name beats the SKU: an Ubuntu pool on an 18.04 image is retired", () => {
    const i = k8s(withPool("1.34.2", { osSku: "Ubuntu", nodeImageVersion: "AKSUbuntu-1804gen2containerd-202506.10.0" }), "2026-01-15");
    expect(i.deadlines).toContainEqual(expect.objectContaining({ date: "2025-11-09", kind: "retirement" }));
    expect(i.severity).toBe("critical");
  });

  it("CBLMariner below 1.32 is Azure Linux 2.0, out of support since 2025-11-30", () => {
    const i = k8s(withPool("1.31.9", { osSku: "CBLMariner" }), "2025-12-15");
    expect(i.deadlines).toContainEqual(expect.objectContaining({ date: "2025-11-30", kind: "end-of-support" }));
    expect(reasons(i)).toMatch(/"np1" uses Azure Linux 2\.0/);
    expect(reasons(i)).toMatch(/Azure Linux 3\.0/);
  });

  it("AzureLinux on 1.32 or later is Azure Linux 3.0, with no Azure Linux 2.0 retirement", () => {
    const i = k8s(withPool("1.33.2", { osSku: "AzureLinux" }), "2026-01-15");
    expect(reasons(i)).not.toMatch(/uses Azure Linux 2\.0/);
    expect(reasons(i)).toMatch(/"np1" runs Azure Linux 3\.0, told by osSku AzureLinux on Kubernetes 1\.33/);
  });

  it("Ubuntu 20.04 pools get the 2027-03-17 retirement", () => {
    const i = k8s(withPool("1.34.2", { osSku: "Ubuntu", nodeImageVersion: "AKSUbuntu-2004gen2containerd-202601.10.0" }), "2026-01-20");
    expect(i.deadlines).toContainEqual(expect.objectContaining({ date: "2027-03-17", kind: "retirement" }));
  });

  it("Windows Server 2019 is not allowed on 1.33 and later; on 1.32 it only carries its dates", () => {
    const on133 = k8s(withPool("1.33.2", { osType: "Windows", osSku: "Windows2019" }), "2026-01-15");
    expect(on133.severity).toBe("critical");
    expect(on133.drift).toBe("out-of-support");
    expect(reasons(on133)).toMatch(/does not allow Windows2019 on 1\.33 or later/);
    const on132 = k8s(withPool("1.32.2", { osType: "Windows", osSku: "Windows2019" }), "2025-09-15");
    expect(reasons(on132)).not.toMatch(/does not allow/);
  });

  it("Windows Server 2022 is not allowed on 1.37 and later", () => {
    const i = k8s(withPool("1.37.1", { osType: "Windows", osSku: "Windows2022" }), "2026-11-01");
    expect(reasons(i)).toMatch(/does not allow Windows2022 on 1\.37 or later/);
    expect(i.severity).toBe("critical");
  });
});

describe("a Windows pool without osSku runs its minor's default Windows release", () => {
  const bare = { osType: "Windows", osSku: null };

  it("below 1.25 it is Windows Server 2019, past its 2026-03-01 end of support", () => {
    const i = k8s(withPool("1.24.10", bare), "2026-06-01");
    expect(i.deadlines).toContainEqual(expect.objectContaining({ date: "2026-03-01" }));
    expect(reasons(i)).toMatch(/"np1" runs Windows2019, told by no osSku on a Windows pool: Windows2019 is the default on Kubernetes 1\.24/);
  });

  it("from 1.25 to 1.35 it is Windows Server 2022: its 2028-06-30 end, and no Windows Server 2019 date", () => {
    for (const version of ["1.25.6", "1.35.1"]) {
      const i = k8s(withPool(version, bare), "2026-06-01");
      expect(i.deadlines, version).toContainEqual(expect.objectContaining({ date: "2028-06-30" }));
      expect(i.deadlines.some((d) => d.date === "2026-03-01"), version).toBe(false);
    }
  });

  it("on 1.36 the sources disagree (2022 or 2025), so no Windows retirement is claimed and a reason says why", () => {
    const i = k8s(withPool("1.36.2", bare), "2026-06-01");
    expect(i.deadlines.some((d) => d.date === "2028-06-30" || d.date === "2026-03-01")).toBe(false);
    expect(reasons(i)).toMatch(/"np1" is a Windows pool without osSku on Kubernetes 1\.36, where the sources disagree/);
  });

  it("from 1.37 it is Windows Server 2025, which is not barred there", () => {
    const i = k8s(withPool("1.37.1", bare), "2026-11-01");
    expect(reasons(i)).toMatch(/"np1" runs Windows2025/);
    expect(reasons(i)).not.toMatch(/does not allow/);
  });

  it("the node image, when present, still decides over the default", () => {
    const i = k8s(withPool("1.30.4", { ...bare, nodeImageVersion: "AKSWindows-2019-containerd-17763.6414.241010" }), "2026-06-01");
    expect(i.deadlines).toContainEqual(expect.objectContaining({ date: "2026-03-01" }));
  });

  it("a Linux pool without osSku is still left unresolved", () => {
    const i = k8s(withPool("1.30.4", { osType: "Linux", osSku: null }), "2026-06-01");
    expect(reasons(i)).not.toMatch(/"np1" runs/);
  });
});

describe("node image age", () => {
  it("an image older than 90 days is a finding naming the pool and the image date", () => {
    // Built 2026-05-10: supported until 2026-08-08.
    const i = k8s(withPool("1.35.1", { osSku: "Ubuntu2404", nodeImageVersion: "AKSUbuntu-2404gen2containerd-202605.10.0" }), "2026-11-20");
    expect(i.severity).toBe("critical");
    expect(i.deadlines).toContainEqual(expect.objectContaining({ date: "2026-08-08", kind: "end-of-support" }));
    expect(reasons(i)).toMatch(/"np1" runs node image AKSUbuntu-2404gen2containerd-202605\.10\.0 built on 2026-05-10/);
  });

  it("an image younger than 90 days is fine", () => {
    const i = k8s(withPool("1.35.1", { osSku: "Ubuntu2404", nodeImageVersion: "AKSUbuntu-2404gen2containerd-202609.10.0" }), "2026-11-20");
    expect(reasons(i)).not.toMatch(/older than the 90 days/);
    expect(i.severity).toBe("ok");
  });
});

/**
 * The infra's hardening, checked as Bicep text (no Bicep compiler is available offline): Key Vault
 * purge protection, basic publishing credentials off, storage closed to keys and anonymous access,
 * and docs/deploy.md saying what stays open and why.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const read = (file: string): string => readFileSync(path.join(root, file), "utf8");
/** Bicep without its comments, so a commented-out line never satisfies a check. */
const code = (file: string): string => read(file).replace(/\/\/.*$/gm, "");

/** The body of the resource or module whose declaration line matches `head`, braces balanced. */
function block(text: string, head: RegExp): string {
  const match = head.exec(text);
  expect(match, `a declaration matching ${head}`).not.toBeNull();
  const open = text.indexOf("{", match!.index + match![0].length - 1);
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === "{") depth++;
    if (text[i] === "}" && --depth === 0) return text.slice(open, i + 1);
  }
  throw new Error(`unbalanced block after ${head}`);
}

describe("infra hardening", () => {
  it("Key Vault has soft delete and purge protection", () => {
    const vault = block(code("infra/app/keyvault.bicep"), /resource vault 'Microsoft\.KeyVault\/vaults@[^']+' = \{/);
    expect(vault).toMatch(/enableSoftDelete:\s*true/);
    expect(vault).toMatch(/enablePurgeProtection:\s*true/);
    expect(vault).toMatch(/enableRbacAuthorization:\s*true/);
  });

  it("basic publishing credentials are off for both FTP and the SCM site", () => {
    const fn = code("infra/app/function.bicep");
    const policies = [...fn.matchAll(/resource \w+ 'Microsoft\.Web\/sites\/basicPublishingCredentialsPolicies@[^']+' = \{/g)].map((m) =>
      block(fn.slice(m.index), /resource \w+ '[^']+' = \{/),
    );
    const named = (name: string) => policies.find((p) => new RegExp(`name:\\s*'${name}'`).test(p));
    for (const name of ["ftp", "scm"]) {
      expect(named(name), `a ${name} policy`).toBeDefined();
      expect(named(name)).toMatch(/parent:\s*site/);
      expect(named(name)).toMatch(/allow:\s*false/);
    }
    expect(fn).toMatch(/ftpsState:\s*'Disabled'/);
  });

  it("storage takes no shared keys or anonymous reads, and relies on no trusted-service bypass", () => {
    const storage = block(code("infra/main.bicep"), /module storage 'br\/public:avm\/res\/storage\/storage-account:[^']+' = \{/);
    expect(storage).toMatch(/allowSharedKeyAccess:\s*false/);
    expect(storage).toMatch(/allowBlobPublicAccess:\s*false/);
    expect(storage).toMatch(/minimumTlsVersion:\s*'TLS1_2'/);
    expect(storage).toMatch(/bypass:\s*'None'/);
  });

  it("docs/deploy.md says what stays open and why", () => {
    const doc = read("docs/deploy.md");
    const section = doc.slice(doc.indexOf("## 4. What is closed, and what stays open"));
    expect(section.length).toBeGreaterThan(100);
    expect(section).toMatch(/purge protection/i);
    expect(section).toMatch(/basicPublishingCredentialsPolicies/);
    // Each open item names the setting that leaves it open and the reason.
    expect(section).toMatch(/publicNetworkAccess: Enabled.*defaultAction: Allow/s);
    expect(section).toMatch(/shared outbound addresses/);
    expect(section).toMatch(/Key Vault's public endpoint/);
    expect(section).toMatch(/virtual network integration/);
  });
});

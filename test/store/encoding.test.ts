import { describe, expect, it } from "vitest";
import { splitPayload, joinPayload, partsToProperties, ChunkError } from "../../src/store/chunks.js";
import { canonicalJson, chainHash, findBrokenLink, sha256Hex, type StoredLink } from "../../src/store/hashChain.js";
import {
  KeyError,
  clusterKey,
  dateFromReverse,
  dateRange,
  decodeKeyPart,
  encodeKeyPart,
  invertedTimestamp,
  prefixRange,
  reverseDate,
  runKey,
} from "../../src/store/keys.js";
import { clusterId } from "./fixtures.js";

const FORBIDDEN = /[/\\#?\u0000-\u001f\u007f-\u009f]/;

describe("key encoding", () => {
  it("encodes an ARM id reversibly into a legal key, case-insensitively", () => {
    const id = clusterId("AKS-Prod-01", "RG-Weird#?%\\name");
    const key = clusterKey(id);
    expect(key).not.toMatch(FORBIDDEN);
    expect(key).toBe(clusterKey(id.toUpperCase()));
    expect(decodeKeyPart(key)).toBe(id.toLowerCase());
  });

  it("round-trips control characters, quotes, separators and non-ASCII text", () => {
    const nasty = "a/b\\c#d?e%f:g|h~i'j\"k\u0000l\u001fm\u007fn\u0085o é 𝄞 ' or true or '";
    const encoded = encodeKeyPart(nasty);
    expect(encoded).toMatch(/^[ -}]*$/);
    expect(encoded).not.toMatch(/[|~'"]/);
    expect(decodeKeyPart(encoded)).toBe(nasty);
  });

  it("refuses keys that are empty or too long", () => {
    expect(() => clusterKey("")).toThrow(KeyError);
    expect(() => clusterKey("/".repeat(200))).toThrow(KeyError);
    expect(() => runKey("x".repeat(100))).toThrow(KeyError);
  });

  it("orders reverse dates and inverted timestamps newest first", () => {
    expect(reverseDate("2026-11-24") < reverseDate("2026-11-23")).toBe(true);
    expect(reverseDate("2027-01-01") < reverseDate("2026-12-31")).toBe(true);
    expect(dateFromReverse(reverseDate("2026-02-28"))).toBe("2026-02-28");
    expect(invertedTimestamp("2026-11-24T06:00:01Z") < invertedTimestamp("2026-11-24T06:00:00Z")).toBe(true);
    expect(() => reverseDate("2026-02-30")).toThrow(RangeError);
  });

  it("closes prefix and date ranges exactly", () => {
    const r = prefixRange("s|123|");
    expect("s|123|000" >= r.low && "s|123|000" < r.high).toBe(true);
    expect("s|1234|000" < r.high && "s|1234|000" >= r.low).toBe(false);
    const d = dateRange("s", "2026-11-01", "2026-11-30");
    const inside = `s|${reverseDate("2026-11-15")}|x`;
    const after = `s|${reverseDate("2026-12-01")}|x`;
    const before = `s|${reverseDate("2026-10-31")}|x`;
    expect(inside >= d.low && inside < d.high).toBe(true);
    expect(after >= d.low && after < d.high).toBe(false);
    expect(before >= d.low && before < d.high).toBe(false);
    const edges = [`s|${reverseDate("2026-11-01")}|x`, `s|${reverseDate("2026-11-30")}|x`];
    for (const e of edges) expect(e >= d.low && e < d.high).toBe(true);
  });
});

describe("payload chunks", () => {
  const limits = { partUnits: 10, partsPerEntity: 3 };

  it("splits over properties and entities and joins back exactly", () => {
    const text = "abcdefghij".repeat(7) + "xyz";
    const entities = splitPayload(text, limits);
    expect(entities.map((e) => e.length)).toEqual([3, 3, 2]);
    const rows = entities.map(partsToProperties);
    expect(joinPayload(rows, { entities: 3, length: text.length })).toBe(text);
  });

  it("never cuts a surrogate pair", () => {
    const text = "123456789𝄞".repeat(5);
    const parts = splitPayload(text, limits).flat();
    for (const p of parts) expect(p).toBe(Buffer.from(p, "utf8").toString("utf8"));
    expect(parts.join("")).toBe(text);
  });

  it("reports a missing entity instead of a shorter payload", () => {
    const text = "x".repeat(75);
    const rows = splitPayload(text, limits).map(partsToProperties);
    expect(() => joinPayload(rows.slice(0, 2), { entities: 3, length: 75 })).toThrow(ChunkError);
  });

  it("keeps the empty payload as one empty part", () => {
    expect(splitPayload("")).toEqual([[""]]);
  });
});

describe("hash chain", () => {
  it("hashes canonical JSON independently of key order", () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: undefined } })).toBe('{"a":{"d":[2,1]},"b":1}');
    expect(sha256Hex(canonicalJson({ x: 1, y: 2 }))).toBe(sha256Hex(canonicalJson({ y: 2, x: 1 })));
  });

  const links = (n: number): StoredLink[] => {
    const out: StoredLink[] = [];
    let prev = "";
    let prevChain = "";
    for (let seq = 1; seq <= n; seq++) {
      const contentHash = sha256Hex(`content ${seq}`);
      const link = { seq, runId: `r${seq}`, asOf: `2026-11-0${seq}`, contentHash, previousChainHash: prevChain };
      const ch = chainHash(link);
      out.push({ ...link, previousHash: prev, chainHash: ch, payloadHash: contentHash });
      prev = contentHash;
      prevChain = ch;
    }
    return out;
  };
  const headOf = (l: StoredLink[]) => ({
    seq: l.length,
    lastContentHash: l[l.length - 1]!.contentHash,
    lastChainHash: l[l.length - 1]!.chainHash,
    floorSeq: 1,
    floorPreviousHash: "",
    floorPreviousChainHash: "",
  });

  it("accepts an intact chain in any order", () => {
    const l = links(4);
    expect(findBrokenLink([...l].reverse(), headOf(l))).toBeNull();
  });

  it("names the first broken link: edited content, removed link, edited date", () => {
    const l = links(4);
    const head = headOf(l);
    expect(findBrokenLink(l.map((x) => (x.seq === 2 ? { ...x, payloadHash: "0" } : x)), head)).toMatchObject({ runId: "r2" });
    expect(findBrokenLink(l.filter((x) => x.seq !== 3), head)).toMatchObject({ runId: "r4", reason: expect.stringContaining("missing") });
    expect(findBrokenLink(l.map((x) => (x.seq === 3 ? { ...x, asOf: "2020-01-01" } : x)), head)).toMatchObject({ runId: "r3" });
    expect(findBrokenLink(l.slice(0, 3), head)).toMatchObject({ reason: expect.stringContaining("head") });
  });
});

/**
 * Splitting a text payload over Table Storage's limits, and joining it back exactly.
 *
 * An Edm.String holds at most 64 KiB of UTF-16, i.e. 32 Ki code units; an entity holds at most
 * 1 MiB and 252 custom properties. A payload is cut into parts of at most MAX_PART_UNITS code units
 * (never between the two halves of a surrogate pair, which would not survive the UTF-8 wire), the
 * parts are laid out as properties `d00`, `d01`, … and, past PARTS_PER_ENTITY, over further
 * entities. Pure: no I/O.
 */

/** Under 32,768 so that property overhead and any off-by-one in a server's count stay clear. */
export const MAX_PART_UNITS = 32_000;
/** 14 × 64 KB ≈ 0.9 MB: leaves room for keys and the few metadata properties under 1 MiB. */
export const PARTS_PER_ENTITY = 14;

export interface ChunkLimits {
  partUnits: number;
  partsPerEntity: number;
}

export const TABLE_LIMITS: ChunkLimits = { partUnits: MAX_PART_UNITS, partsPerEntity: PARTS_PER_ENTITY };

export function partName(index: number): string {
  return `d${String(index).padStart(2, "0")}`;
}

/** Splits `text` into entities' worth of parts: result[entity][part]. Always at least one entity. */
export function splitPayload(text: string, limits: ChunkLimits = TABLE_LIMITS): string[][] {
  if (limits.partUnits < 2 || limits.partsPerEntity < 1) throw new RangeError("chunk limits too small");
  const parts: string[] = [];
  let at = 0;
  while (at < text.length) {
    let end = Math.min(at + limits.partUnits, text.length);
    // Keep a surrogate pair together: a lone half would be replaced on the way to the server.
    if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1))) end -= 1;
    parts.push(text.slice(at, end));
    at = end;
  }
  if (parts.length === 0) parts.push("");
  const entities: string[][] = [];
  for (let i = 0; i < parts.length; i += limits.partsPerEntity) entities.push(parts.slice(i, i + limits.partsPerEntity));
  return entities;
}

/** The properties of one entity's parts. */
export function partsToProperties(parts: readonly string[]): Record<string, string> {
  const props: Record<string, string> = {};
  parts.forEach((part, i) => {
    props[partName(i)] = part;
  });
  return props;
}

/** Reads `d00`, `d01`, … from an entity until the first missing one. */
export function propertiesToParts(entity: Record<string, unknown>): string[] {
  const parts: string[] = [];
  for (let i = 0; ; i++) {
    const value = entity[partName(i)];
    if (typeof value !== "string") return parts;
    parts.push(value);
  }
}

/**
 * Joins the entities' parts back, checking against what the first entity recorded (entity count and
 * total length) so a missing or truncated chunk is an error, never a silently shorter payload.
 */
export function joinPayload(entities: readonly Record<string, unknown>[], expected: { entities: number; length: number }): string {
  if (entities.length !== expected.entities) {
    throw new ChunkError(`payload has ${entities.length} of ${expected.entities} entities`, "missing", null);
  }
  const text = entities.map((e) => propertiesToParts(e).join("")).join("");
  if (text.length !== expected.length) throw new ChunkError(`payload is ${text.length} characters, expected ${expected.length}`, "length", text);
  return text;
}

export class ChunkError extends Error {
  constructor(
    message: string,
    /** `missing`: entities absent; `length`: all there but the text changed length (edited or cut). */
    readonly kind: "missing" | "length",
    /** The joined text for a `length` problem, so a checker can still hash what is stored. */
    readonly text: string | null,
  ) {
    super(message);
    this.name = "ChunkError";
  }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

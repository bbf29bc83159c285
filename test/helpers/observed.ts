/**
 * Answers Azure gave in public reports where no published spec example exists (error bodies of
 * throttling and denial), recorded under test/fixtures/observed with their source. Fakes are
 * compared with these rather than with shapes written in the test.
 */
import { readFileSync } from "node:fs";

export function observed(file: string): Record<string, unknown> {
  const recorded = JSON.parse(readFileSync(new URL(`../fixtures/observed/${file}`, import.meta.url), "utf8")) as { body: Record<string, unknown> };
  return recorded.body;
}

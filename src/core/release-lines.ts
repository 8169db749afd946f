/**
 * Parallel release lines: a version may target a line (a hardware class, a robot class,
 * a customer), and each line has its own production version. The default line (null) is
 * kept in the head's top-level `production` fields, so heads written before lines existed
 * read unchanged; named lines live in `head.lines`.
 */
import { ValidationError } from './errors.js';
import type { LineSlot, ModelHead } from './head.js';
import { validateName } from './identity.js';

/** The name that selects the default line where a line is asked for (`--line default`). */
export const DEFAULT_LINE_NAME = 'default';

/**
 * A line a version is registered on: a name, or null for the default line. The reserved
 * name is refused in any case (`Default` would read as the default line in every table).
 */
export function validateLine(value: unknown): string {
  const line = validateName('line', value);
  if (line.toLowerCase() === DEFAULT_LINE_NAME) {
    throw new ValidationError(
      `line "${line}" is reserved: "${DEFAULT_LINE_NAME}" in any case is the name of the default line. Register without --line to target it, or select it with --line ${DEFAULT_LINE_NAME}.`,
      { field: 'line', value },
    );
  }
  return line;
}

/** Reads a selector's line: absent or `default` → the default line (null). */
export function selectedLine(value: string | null | undefined): string | null {
  if (value === undefined || value === null || value === DEFAULT_LINE_NAME) return null;
  return value;
}

/** The line a version is on (null: the default line). */
export function lineOf(v: { line?: string | null | undefined }): string | null {
  return v.line ?? null;
}

/** The label of a line in messages and tables. */
export function lineLabel(line: string | null): string {
  return line ?? DEFAULT_LINE_NAME;
}

/** What a line has in production and had before (an unknown line: nothing). */
export function lineSlot(
  head: Pick<ModelHead, 'production' | 'previousProductionVersion' | 'lines'>,
  line: string | null,
): LineSlot {
  if (line === null) {
    return { production: head.production, previousProductionVersion: head.previousProductionVersion };
  }
  const slot = head.lines && Object.hasOwn(head.lines, line) ? head.lines[line] : undefined;
  return slot ?? { production: null, previousProductionVersion: null };
}

/** The head with a line's slot replaced. */
export function withLineSlot(head: ModelHead, line: string | null, slot: LineSlot): ModelHead {
  if (line === null) {
    return {
      ...head,
      production: slot.production,
      previousProductionVersion: slot.previousProductionVersion,
    };
  }
  return { ...head, lines: { ...(head.lines ?? {}), [line]: slot } };
}

/** Every line with its production version (the default line first, then named lines by name). */
export function productionByLine(
  head: Pick<ModelHead, 'production' | 'previousProductionVersion' | 'lines'>,
): Array<{ line: string | null; version: string | null; since: string | null }> {
  const named = Object.keys(head.lines ?? {}).sort();
  return [null, ...named].map((line) => {
    const p = lineSlot(head, line).production;
    return { line, version: p?.version ?? null, since: p?.since ?? null };
  });
}

/** Whether `version` is the production version of any line. */
export function isProductionAnywhere(head: ModelHead, version: string): boolean {
  return productionByLine(head).some((p) => p.version === version);
}

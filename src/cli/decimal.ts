/** Decimal numbers as the CLI reads them; no imports, so option parsers load nothing else. */

/** A plain decimal number (`0.93`, `-1`, `1e-3`): no hex, octal, binary, `Infinity` or blanks. */
export const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The value of a plain decimal number (see DECIMAL), or null for anything else (hex, `Infinity`, blanks, overflow). */
export function parseDecimal(raw: string): number | null {
  const value = Number(raw);
  return DECIMAL.test(raw) && Number.isFinite(value) ? value : null;
}

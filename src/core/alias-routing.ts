/**
 * Alias traffic intent: an alias may carry a weight (a canary gets 5% of a line's traffic)
 * or be a shadow (gets a copy of the traffic, its answers unused). The registry records the
 * intent; a serving layer reads it through `resolve` and does the routing.
 */
import * as z from 'zod';
import { ValidationError } from './errors.js';
import type { Stage } from './model.js';

/**
 * Whether a version in `stage` may take traffic through a weighted or shadow alias: not once
 * deprecated or archived. `alias set` refuses such a version, its weight no longer counts
 * toward its line's total, and `resolve` lists no traffic for it.
 */
export function mayServe(stage: Stage): boolean {
  return stage !== 'deprecated' && stage !== 'archived';
}

/**
 * Weights have at most 6 decimal places (a millionth of the traffic, the precision `resolve`
 * reports `productionWeight` in), so the sum of a line's weights is exact to the tolerance and
 * never passes 1 unseen. A value within float noise of 6 places (0.1 + 0.2) counts as that value.
 */
export const WEIGHT_DECIMALS = 6;

/** Whether a weight has at most WEIGHT_DECIMALS decimal places (to float noise); checked on input, not on stored heads. */
export function hasWeightPrecision(weight: number): boolean {
  return Math.abs(weight - Number(weight.toFixed(WEIGHT_DECIMALS))) < 1e-14;
}

/** How an alias takes part in routing: a weight in (0, 1], or a shadow; never both. */
export const AliasRoutingSchema = z
  .object({
    weight: z
      .number({ error: 'weight must be a number greater than 0 and at most 1 (e.g. 0.05 for 5%)' })
      .gt(0, 'weight must be greater than 0 (remove the alias to send it no traffic)')
      .lte(1, 'weight must be at most 1 (1 = all of the line’s traffic)')
      .optional(),
    shadow: z.literal(true).optional(),
  })
  .strict()
  .refine((r) => !(r.weight !== undefined && r.shadow), {
    message: 'an alias is either weighted or a shadow, not both: give --weight or --shadow',
  });
export type AliasRouting = z.infer<typeof AliasRoutingSchema>;

/** Whether the routing says anything (a plain alias has none). */
export function isRouted(r: AliasRouting | undefined): r is AliasRouting {
  return r !== undefined && (r.weight !== undefined || r.shadow === true);
}

/**
 * Refuses weights that would send more than all of a line's traffic: the weights of the
 * aliases whose versions are on one line, with the new one, must sum to at most 1.
 */
export function assertWeightsFit(
  line: string | null,
  alias: string,
  weight: number,
  others: ReadonlyArray<{ alias: string; weight: number }>,
): void {
  const sum = others.reduce((s, o) => s + o.weight, weight);
  // weights are decimals like 0.05: compare with a tolerance so 0.7 + 0.3 is not "over 1"
  if (sum > 1 + 1e-9) {
    const listed = others.map((o) => `@${o.alias} ${o.weight}`).join(', ');
    throw new ValidationError(
      `weights on the ${line ?? 'default'} line would sum to ${Number(sum.toFixed(6))} with @${alias} ${weight} (${listed}); they must sum to at most 1: lower a weight or remove an alias first.`,
      { field: 'weight', line, alias, weight, sum, others },
    );
  }
}

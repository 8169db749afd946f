import { z } from 'zod';
import { ValidationError } from './errors.js';
import { GatesSchema, validateGates } from './gates.js';

/**
 * A model's promotion and archival policy, kept in the registry beside the model so
 * that every promotion, by anyone, is held to the same gates.
 */
export const PolicySchema = z
  .object({
    gates: z
      .object({
        staging: GatesSchema.default({}),
        production: GatesSchema.default({}),
      })
      .strict()
      .default({ staging: {}, production: {} }),
    /** Promotion to production waits for a human decision (used by the promotion workflow). */
    requireApproval: z.boolean().default(false),
    /** Who may approve; empty means anyone but the requester. */
    approvers: z.array(z.string().min(1)).default([]),
    archival: z
      .object({
        /** Archive development and staging versions that have sat in their stage this many days. */
        maxAgeDays: z.number().int().positive().nullable().default(null),
        /** Archive a version demoted out of production this many days after it was replaced. */
        supersededAfterDays: z.number().int().positive().nullable().default(null),
      })
      .strict()
      .default({ maxAgeDays: null, supersededAfterDays: null }),
  })
  .strict();
export type Policy = z.infer<typeof PolicySchema>;
/** What callers may write: every part optional, defaults filled in. */
export type PolicyInput = z.input<typeof PolicySchema>;

/** The policy of a model nobody has configured: no gates, no approval, no archival. */
export const DEFAULT_POLICY: Policy = PolicySchema.parse({});

/** Validates a policy document, naming the first bad field and the expected shape. */
export function validatePolicy(input: unknown): Policy {
  const parsed = PolicySchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || '(root)';
    throw new ValidationError(
      `policy is invalid at ${where}: ${issue?.message}. Expected {gates: {staging: {...}, production: {...}}, requireApproval, approvers: [...], archival: {maxAgeDays, supersededAfterDays}}.`,
      { issues: parsed.error.issues },
    );
  }
  for (const stage of ['staging', 'production'] as const) {
    try {
      validateGates(parsed.data.gates[stage]);
    } catch (e) {
      throw new ValidationError(`policy is invalid at gates.${stage}: ${(e as Error).message}`, {
        field: `gates.${stage}`,
      });
    }
  }
  return parsed.data;
}

import * as z from 'zod';
import { ValidationError } from './errors.js';
import { GatesSchema, validateGates } from './gates.js';
import { CARD_SECTIONS } from './model-card.js';

const CardSections = z
  .array(
    z.enum(CARD_SECTIONS, {
      error: (issue) =>
        `${JSON.stringify(issue.input)} is not a card section; sections are ${CARD_SECTIONS.join(', ')}`,
    }),
  )
  .default([]);

import { MonitoringRuleSchema } from './monitoring.js';

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
    /** How long an approval request waits before it expires. */
    approvalTimeoutHours: z
      .number()
      .positive()
      .max(24 * 365)
      .default(24),
    /** Automated evaluation: the model's standard evaluation set and the evaluator that measures on it. */
    evaluation: z
      .object({
        /** Name of an evaluation set of the use case (`modelreg evalsets register`); its latest version is used. */
        evalSet: z.string().min(1).nullable().default(null),
        /** `builtin:logistic-regression`, a module path (locally) or a Lambda ARN (on AWS). */
        evaluator: z.string().min(1).nullable().default(null),
      })
      .strict()
      .default({ evalSet: null, evaluator: null }),
    archival: z
      .object({
        /** Archive development and staging versions that have sat in their stage this many days. */
        maxAgeDays: z.number().int().positive().nullable().default(null),
        /** Archive a version demoted out of production this many days after it was replaced. */
        supersededAfterDays: z.number().int().positive().nullable().default(null),
      })
      .strict()
      .default({ maxAgeDays: null, supersededAfterDays: null }),
    // model cards: the `require_model_card` gate, the card sections that must be non-empty
    /** Card sections a version's model card must fill before it is promoted to the stage. */
    requireModelCard: z
      .object({ staging: CardSections, production: CardSections })
      .strict()
      .default({ staging: [], production: [] }),
    // monitor: rules on live metrics of the production version (src/core/monitoring.ts)
    monitoring: z.array(MonitoringRuleSchema).max(20, 'at most 20 monitoring rules').default([]),
  })
  .strict();
export type Policy = z.infer<typeof PolicySchema>;
/** What callers may write: every part optional, defaults filled in. */
export type PolicyInput = z.input<typeof PolicySchema>;

/** The policy of a model nobody has configured: no gates, no approval, no archival. */
export const DEFAULT_POLICY: Policy = PolicySchema.parse({});

/** Parsed policies by the stored document they came from: one decision reads a head's policy several times. */
const parsed = new WeakMap<object, Policy>();

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * A stored policy with today's defaults filled in (policies written before a field existed
 * lack it). Parsed once per stored document and frozen, so repeated reads cost nothing.
 */
export function policyOf(stored: unknown): Policy {
  if (typeof stored !== 'object' || stored === null) return PolicySchema.parse(stored ?? {});
  let policy = parsed.get(stored);
  if (!policy) {
    policy = deepFreeze(PolicySchema.parse(stored));
    parsed.set(stored, policy);
  }
  return policy;
}

/** Validates a policy document, naming the first bad field and the expected shape. */
export function validatePolicy(input: unknown): Policy {
  const parsed = PolicySchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || '(root)';
    throw new ValidationError(
      `policy is invalid at ${where}: ${issue?.message}. Expected {gates: {staging: {...}, production: {...}}, requireApproval, approvers: [...], approvalTimeoutHours, evaluation: {evalSet, evaluator}, archival: {maxAgeDays, supersededAfterDays}, requireModelCard: {staging: [sections], production: [sections]}, monitoring: [{metric, min|max, sustainedFor: "6h", action: notify|rollback|archive}]}.`,
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

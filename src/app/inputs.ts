/**
 * The schemas of every use case's input: the TypeScript API and the CLI both pass
 * through them, so bad input gets the same clear message whichever way it arrives.
 */
import * as z from 'zod';
import { AliasRoutingSchema, hasWeightPrecision, WEIGHT_DECIMALS } from '../core/alias-routing.js';
import { ValidationError } from '../core/errors.js';
import { GatesSchema, METRIC_NAME, validateGates } from '../core/gates.js';
import { validateAlias, validateName } from '../core/identity.js';
import { PARENT_RELATIONS, StageSchema } from '../core/model.js';
import { DEFAULT_LINE_NAME, validateLine } from '../core/release-lines.js';
import { KEYS_MODEL } from '../core/signing.js';
import { BUMPS, parseVersion } from '../core/versioning.js';
import { WEBHOOKS_REF } from '../core/webhooks.js';

function checked(schema: z.ZodString, check: (v: string) => unknown) {
  return schema.superRefine((value, ctx) => {
    try {
      check(value);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: e instanceof Error ? e.message : String(e) });
    }
  });
}

export const UseCase = checked(z.string({ error: 'use case is required (--use-case)' }), (v) =>
  validateName('use case', v),
);
export const ModelName = checked(z.string({ error: 'model name is required (--model)' }), (v) =>
  validateName('model name', v),
);
export const Version = checked(z.string(), parseVersion);
const Alias = checked(z.string(), validateAlias);
/** A line a version is registered on (never the reserved name of the default line). */
const Line = checked(z.string(), validateLine);
/** A line asked for in a selector or listing: a line name, or `default` for the default line. */
const LineSelector = checked(z.string(), (v) => (v === DEFAULT_LINE_NAME ? v : validateLine(v)));
const Actor = z
  .string()
  .min(1, 'actor must not be empty')
  .max(256)
  // the refinement reads patterns defined below, so it is looked up when a value is parsed
  .superRefine((v, ctx) => refuseControl('the actor (--by)', { multiline: false })(v, ctx));
/** Who does a change (`--by`, `setBy` …): 1 to 256 characters, no control characters. */
export const ActorName = Actor;
const Limit = z
  .number({ error: 'limit must be a whole number from 1 to 1000' })
  .int('limit must be a whole number from 1 to 1000')
  .min(1, 'limit must be a whole number from 1 to 1000')
  .max(1000, 'limit must be a whole number from 1 to 1000 (page through the rest with the cursor)')
  .optional();
const Cursor = z.string().nullable().optional();

/** Which version of a model: by version (or `@alias`), by stage, or by alias. */
export const SelectorSchema = z.object({
  useCase: UseCase,
  modelName: ModelName,
  version: z.string().optional(),
  stage: StageSchema.optional(),
  alias: Alias.optional(),
  /** The release line a `stage` selector looks in (`default`: the default line). */
  line: LineSelector.optional(),
});
export type SelectorInput = z.input<typeof SelectorSchema>;

const TagKey = /^[A-Za-z0-9_.:/-]{1,128}$/;

/**
 * Size limits that hold on every backend: a version is one DynamoDB item (at most 400 KB,
 * with its artifact, lineage and audit event beside it), so what a caller can attach is
 * capped well below that, and the same caps apply to the embedded backend.
 */
export const LIMITS = {
  /** The metadata object, as compact JSON (UTF-8 bytes). */
  metadataBytes: 64 * 1024,
  /** The evidence attached to an approval request, as compact JSON. */
  evidenceBytes: 64 * 1024,
  metrics: 256,
  tags: 64,
  /** Any JSON file the CLI reads (metadata, metrics, gates, policy, event). */
  jsonFileBytes: 1024 * 1024,
} as const;

/** Refuses a value whose compact JSON is over `max` bytes, saying the limit. */
export function maxJsonBytes(what: string, max: number) {
  return (value: unknown, ctx: z.RefinementCtx) => {
    const bytes = Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
    if (bytes > max)
      ctx.addIssue({
        code: 'custom',
        message: `${what} is ${bytes} bytes as JSON; the limit is ${max} bytes (${max / 1024} KiB), so that a version fits one DynamoDB item. Keep large data in the artifact.`,
      });
  };
}

/** Refuses a map with more than `max` entries, saying the limit. */
function maxEntries(what: string, max: number) {
  return (value: Record<string, unknown>, ctx: z.RefinementCtx) => {
    const n = Object.keys(value).length;
    if (n > max) ctx.addIssue({ code: 'custom', message: `${n} ${what} given; the limit is ${max}.` });
  };
}

/** C0 and C1 control characters: a terminal would run them as escape codes when a value is printed. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const Printable = (what: string) =>
  z.string().refine((v) => !CONTROL.test(v), {
    message: `${what} must not contain control characters (escape codes, newlines, NUL); use printable text only`,
  });

/** Control characters but tab and newline: free text may span lines, never carry escape codes. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const CONTROL_IN_TEXT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

const codePoint = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * Refuses control characters in a value a terminal will print (`events list`, `models
 * explain`, `info`), naming the first one and where it is; `multiline` lets newline and tab through.
 */
export function refuseControl(what: string, options: { multiline: boolean }) {
  const pattern = options.multiline ? CONTROL_IN_TEXT : CONTROL;
  return (value: string, ctx: z.RefinementCtx) => {
    const m = pattern.exec(value);
    if (m === null) return;
    ctx.addIssue({
      code: 'custom',
      message: `${what} contains the control character ${codePoint(m[0])} at character ${m.index + 1}; a terminal would run it as an escape code. Use printable text${options.multiline ? ' (newline and tab are allowed)' : ' on one line'}.`,
    });
  };
}

/** Refuses a value over `max` characters, saying how long it is and the limit. */
export function maxChars(what: string, max: number) {
  return (value: string, ctx: z.RefinementCtx) => {
    if (value.length > max) {
      ctx.addIssue({
        code: 'custom',
        message: `${what} is at most ${max} characters (${value.length} given); shorten it.`,
      });
    }
  };
}

/** Free text such as a reason or an event's details: at most `max` characters, newline and tab allowed. */
export const FreeText = (what: string, max: number) =>
  z
    .string()
    .superRefine(maxChars(what, max))
    .superRefine(refuseControl(what, { multiline: true }));

/** A short one-line value (who deployed, a builder): 1 to `max` characters, no control characters. */
export const OneLine = (what: string, max: number) =>
  z
    .string()
    .superRefine((v, ctx) => {
      if (v.length === 0) ctx.addIssue({ code: 'custom', message: `${what} must not be empty.` });
    })
    .superRefine(maxChars(what, max))
    .superRefine(refuseControl(what, { multiline: false }));

/** Tags of a version: `key=value`, keys of letters, digits and _ . : / -, printable values, at most 64. */
export const TagsSchema = safeRecord(
  z.string().regex(TagKey, 'tag keys use letters, digits and _ . : / -'),
  Printable('tag values').pipe(z.string().max(256)),
)
  .superRefine(maxEntries('tags', LIMITS.tags))
  .default(() => Object.create(null) as Record<string, string>);

/**
 * A record whose keys and values are checked like `z.record`, but kept in a map without
 * a prototype: `z.record` drops a `__proto__` key, and a plain object would treat
 * `constructor` or `__proto__` as inherited.
 */
export function safeRecord<V extends z.ZodType>(key: z.ZodString | z.ZodType<string>, value: V) {
  return z
    .custom<Record<string, unknown>>((v) => v !== null && typeof v === 'object' && !Array.isArray(v), {
      message: 'expected an object of name: value',
    })
    .transform((input, ctx) => {
      const out: Record<string, z.output<V>> = Object.create(null);
      for (const k of Object.keys(input)) {
        const kr = key.safeParse(k);
        if (!kr.success) {
          ctx.issues.push({ code: 'custom', message: kr.error.issues[0]!.message, path: [k], input: k });
          continue;
        }
        const vr = value.safeParse(input[k]);
        if (!vr.success) {
          const issue = vr.error.issues[0]!;
          // keep the issue's own code, so the message names the field (`metrics.auc: …`)
          ctx.issues.push({
            ...issue,
            path: [k, ...issue.path],
            input: input[k],
          } as (typeof ctx.issues)[number]);
          continue;
        }
        out[k] = vr.data as z.output<V>;
      }
      return out;
    });
}

export const RegisterSchema = z.object({
  useCase: UseCase,
  modelName: ModelName,
  artifactPath: z
    .string({ error: 'artifact path is required (--artifact PATH)' })
    .min(1, 'artifact path is required (--artifact PATH)'),
  version: Version.optional(),
  bump: z.enum(BUMPS as [string, ...string[]]).optional(),
  metrics: safeRecord(
    z
      .string()
      .regex(METRIC_NAME, 'metric names start with a letter or "_" and use letters, digits, "_", "." or "-"'),
    z.number().finite(),
  )
    .superRefine(maxEntries('metrics', LIMITS.metrics))
    .default(() => Object.create(null)),
  metadata: safeRecord(z.string(), z.unknown())
    .superRefine(maxJsonBytes('metadata', LIMITS.metadataBytes))
    .default(() => Object.create(null)),
  lineage: z
    .object({
      runId: Printable('runId').pipe(z.string().min(1).max(256)).nullable().default(null),
      datasetVersion: Printable('datasetVersion').pipe(z.string().min(1).max(256)).nullable().default(null),
      codeVersion: Printable('codeVersion').pipe(z.string().min(1).max(256)).nullable().default(null),
      curationRuleset: Printable('curationRuleset').pipe(z.string().min(1).max(256)).nullable().default(null),
      configHash: Printable('configHash').pipe(z.string().min(1).max(256)).nullable().default(null),
      featureSet: z
        .object({
          name: Printable('featureSet.name').pipe(z.string().min(1).max(256)),
          version: Printable('featureSet.version').pipe(z.string().min(1).max(256)),
        })
        .strict()
        .nullable()
        .default(null),
      parent: z
        .object({
          useCase: UseCase,
          modelName: ModelName,
          version: Version,
          relation: z.enum(PARENT_RELATIONS).default('fine-tune'),
        })
        .strict()
        .nullable()
        .default(null),
    })
    .default({
      runId: null,
      datasetVersion: null,
      codeVersion: null,
      curationRuleset: null,
      configHash: null,
      featureSet: null,
      parent: null,
    }),
  tags: TagsSchema,
  registeredBy: Actor.optional(),
  /** The release line the version targets (absent: the default line). Immutable. */
  line: Line.optional(),
  /** What the version is, in a sentence (editable later with `models edit`). */
  description: z
    .string()
    .max(4096, 'a description is at most 4096 characters; put longer text in the model card')
    .optional(),
});
export type RegisterInput = z.input<typeof RegisterSchema>;

export const ListSchema = z.object({
  useCase: UseCase,
  modelName: ModelName.optional(),
  stage: StageSchema.optional(),
  limit: Limit,
  cursor: Cursor,
  /** Only versions of this release line (`default`: the default line). */
  line: LineSelector.optional(),
});
export type ListInput = z.input<typeof ListSchema>;

/** A page request on its own. */
export const PageSchema = z.object({ limit: Limit, cursor: Cursor });

/** Versions in one stage across the registry (optionally one use case). */
export const ListInStageSchema = z.object({
  stage: StageSchema,
  useCase: UseCase.optional(),
  limit: Limit,
  cursor: Cursor,
  /** Only versions of this release line (`default`: the default line). */
  line: LineSelector.optional(),
});
export type ListInStageInput = z.input<typeof ListInStageSchema>;

export const PromoteSchema = SelectorSchema.extend({
  to: StageSchema.optional(),
  gates: GatesSchema.default({}).superRefine((g, ctx) => {
    try {
      validateGates(g);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message });
    }
  }),
  promotedBy: Actor.optional(),
  /** How sure the comparison is that the candidate beats production (0–1), kept in the audit trail and told to subscribers. */
  confidence: z.number().min(0).max(1).nullable().optional(),
});
export type PromoteInput = z.input<typeof PromoteSchema>;

export const DemoteSchema = SelectorSchema.extend({
  to: StageSchema.default('staging'),
  demotedBy: Actor.optional(),
});
export type DemoteInput = z.input<typeof DemoteSchema>;

export const ArchiveSchema = SelectorSchema.extend({
  force: z.boolean().default(false),
  reason: FreeText('the reason (--reason)', 1024).optional(),
  archivedBy: Actor.optional(),
});
export type ArchiveInput = z.input<typeof ArchiveSchema>;

export const RollbackSchema = SelectorSchema.extend({
  reason: FreeText('the reason (--reason)', 1024).optional(),
  rolledBackBy: Actor.optional(),
  /** Bypass the policy's production gates and approval rule; needs a reason. */
  skipGates: z.boolean().optional(),
  /** Move aliases of the archived production version to the rolled-back version. */
  moveAliases: z.boolean().optional(),
});
export type RollbackInput = z.input<typeof RollbackSchema>;

export const AliasSetSchema = SelectorSchema.extend({
  name: Alias,
  setBy: Actor.optional(),
  /** Share of the version's line's traffic the alias asks for, in (0, 1], at most 6 decimal places. */
  weight: AliasRoutingSchema.shape.weight
    .unwrap()
    .refine(hasWeightPrecision, {
      error: (issue) =>
        `weight ${issue.input} has more than ${WEIGHT_DECIMALS} decimal places; give a share with at most ${WEIGHT_DECIMALS} decimal places (e.g. 0.05 or 0.000125), so the weights of a line add up exactly`,
    })
    .transform((w) => Number(w.toFixed(WEIGHT_DECIMALS)))
    .optional(),
  /** The alias gets a copy of the traffic; its answers are not used. */
  shadow: z.boolean().optional(),
}).superRefine((v, ctx) => {
  if (v.weight !== undefined && v.shadow) {
    ctx.addIssue({
      code: 'custom',
      message: 'an alias is either weighted or a shadow, not both: give --weight or --shadow',
    });
  }
});
export type AliasSetInput = z.input<typeof AliasSetSchema>;

export const AliasRemoveSchema = z.object({
  useCase: UseCase,
  modelName: ModelName,
  name: Alias,
  removedBy: Actor.optional(),
});
export type AliasRemoveInput = z.input<typeof AliasRemoveSchema>;

export const CompareSchema = z.object({
  useCase: UseCase,
  modelName: ModelName,
  a: z.string().min(1, 'two versions are needed (a and b)'),
  b: z.string().min(1, 'two versions are needed (a and b)'),
});
export type CompareInput = z.input<typeof CompareSchema>;

export const ModelSchema = z.object({ useCase: UseCase, modelName: ModelName });
export type ModelInput = z.input<typeof ModelSchema>;

export const PolicySetSchema = z.object({
  useCase: UseCase,
  modelName: ModelName,
  policy: z.unknown(),
  setBy: Actor.optional(),
});
export type PolicySetInput = z.input<typeof PolicySetSchema>;

/**
 * Whose audit trail: a model's (`{useCase, modelName}`, names as everywhere), a use case's
 * trusted keys (`{trail: 'keys', useCase}`, audit --keys) or the registry's webhook
 * subscriptions (`{trail: 'webhooks'}`, audit --webhooks). The reserved trails are reached
 * only by naming them: a model reference with a reserved name is refused like any bad name,
 * so a route that reads models' trails never reads them.
 */
export type AuditRefInput =
  | { useCase: string; modelName: string }
  | { trail: 'keys'; useCase: string }
  | { trail: 'webhooks' };

const KeysTrailSchema = z.object({ trail: z.literal('keys'), useCase: UseCase }).strict();
const WebhooksTrailSchema = z.object({ trail: z.literal('webhooks') }).strict();

/** The stream an audit trail reference names, checked. */
export function auditRefOf(input: AuditRefInput): { useCase: string; modelName: string } {
  if ('trail' in input) {
    if (input.trail === 'webhooks') {
      parseInput(WebhooksTrailSchema, input);
      return { ...WEBHOOKS_REF };
    }
    if (input.trail === 'keys')
      return { useCase: parseInput(KeysTrailSchema, input).useCase, modelName: KEYS_MODEL };
    throw new ValidationError(
      'an audit trail is a model\'s, trail "keys" (with a use case) or trail "webhooks".',
      {
        field: 'trail',
      },
    );
  }
  const { useCase, modelName } = parseInput(ModelSchema, input);
  return { useCase, modelName };
}

/** A page of an audit trail. */
export const AuditPageSchema = z.object({ limit: Limit, cursor: Cursor });
export type AuditShowInput = AuditRefInput & z.input<typeof AuditPageSchema>;

export const LineageSchema = z.object({
  runId: z.string({ error: 'run id is required (--run-id)' }).min(1, 'run id is required (--run-id)'),
  limit: Limit,
  cursor: Cursor,
});
export type LineageInput = z.input<typeof LineageSchema>;

export const GetArtifactSchema = SelectorSchema.extend({
  output: z.string({ error: 'output directory is required (--output DIR)' }).min(1),
});
export type GetArtifactInput = z.input<typeof GetArtifactSchema>;

export const ArchivalSchema = z.object({
  useCase: UseCase,
  modelName: ModelName.optional(),
  dryRun: z.boolean().default(false),
  appliedBy: Actor.optional(),
});
export type ArchivalInput = z.input<typeof ArchivalSchema>;

/** Parses input with a schema, turning the first problem into a ValidationError that names the field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.join('.');
  const message = issue.code === 'custom' || !field ? issue.message : `${field}: ${issue.message}`;
  throw new ValidationError(message, { field });
}

// release lines, deprecation, resolve
export const DeprecateSchema = SelectorSchema.extend({
  reason: z
    .string({ error: 'a reason is required (--reason "…"): it is kept in the audit trail' })
    .trim()
    .min(1, 'a reason is required (--reason "…"): it is kept in the audit trail')
    .superRefine(maxChars('the reason (--reason)', 1024))
    .superRefine(refuseControl('the reason (--reason)', { multiline: true })),
  force: z.boolean().default(false),
  deprecatedBy: Actor.optional(),
});
export type DeprecateInput = z.input<typeof DeprecateSchema>;

/** What a router asks: a model's production version on a line, and its routed aliases. */
export const ResolveSchema = z.object({
  useCase: UseCase,
  modelName: ModelName,
  alias: Alias.optional(),
  line: LineSelector.optional(),
});
export type ResolveInput = z.input<typeof ResolveSchema>;

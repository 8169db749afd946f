import * as z from 'zod';
import { AliasRoutingSchema } from './alias-routing.js';
import { type AuditTip, EMPTY_TIP } from './audit.js';
import { MetricsSchema, type ModelRef } from './model.js';
import { DEFAULT_POLICY, PolicySchema } from './policy.js';

/** The production version of a line, with its metrics (so delta gates need no second read). */
export const ProductionSchema = z.object({ version: z.string(), metrics: MetricsSchema, since: z.string() });
export type Production = z.infer<typeof ProductionSchema>;

/** What a release line has in production, and had before. */
export const LineSlotSchema = z.object({
  production: ProductionSchema.nullable(),
  previousProductionVersion: z.string().nullable(),
});
export type LineSlot = z.infer<typeof LineSlotSchema>;

/**
 * The one record per model that every change is conditioned on: its revision, what is
 * in production (with metrics, so a promotion's delta gates need no second read), the
 * highest version (for auto-versioning), aliases, policy and the tip of the audit chain.
 */
export const ModelHeadSchema = z.object({
  useCase: z.string(),
  modelName: z.string(),
  revision: z.number().int().nonnegative(),
  createdAt: z.string(),
  updatedAt: z.string(),
  latestVersion: z.string().nullable(),
  versionCount: z.number().int().nonnegative(),
  production: ProductionSchema.nullable(),
  previousProductionVersion: z.string().nullable(),
  /** Versions that left production (demoted or superseded, not archived), and when. */
  supersededAt: z.record(z.string(), z.string()),
  aliases: z.record(z.string(), z.string()),
  policy: PolicySchema,
  auditTip: z.object({ seq: z.number().int().nonnegative(), hash: z.string() }),
  // release lines
  /** Production per named release line; the default line keeps `production` above (heads written before lines read as {}). */
  lines: z.record(z.string(), LineSlotSchema).optional(),
  /** Traffic intent of aliases (weight or shadow), by alias name; absent: plain aliases. */
  aliasRouting: z.record(z.string(), AliasRoutingSchema).optional(),
});
export type ModelHead = z.infer<typeof ModelHeadSchema>;

/** The head a model has before anything was written: revision 0. */
export function emptyHead(ref: ModelRef, now: string): ModelHead {
  return {
    useCase: ref.useCase,
    modelName: ref.modelName,
    revision: 0,
    createdAt: now,
    updatedAt: now,
    latestVersion: null,
    versionCount: 0,
    production: null,
    previousProductionVersion: null,
    supersededAt: {},
    aliases: {},
    policy: DEFAULT_POLICY,
    auditTip: { ...EMPTY_TIP } as AuditTip,
  };
}

/**
 * The version an alias points at, or undefined: own keys only, so an alias named like an
 * Object.prototype member (`valueOf`, `constructor`) is not found where none was set.
 */
export function aliasTarget(head: Pick<ModelHead, 'aliases'>, alias: string): string | undefined {
  return Object.hasOwn(head.aliases, alias) ? head.aliases[alias] : undefined;
}

/** Aliases that point at `version`, sorted. */
export function aliasesOf(head: ModelHead | null, version: string): string[] {
  if (head === null) return [];
  return Object.entries(head.aliases)
    .filter(([, v]) => v === version)
    .map(([a]) => a)
    .sort();
}

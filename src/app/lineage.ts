/**
 * The lineage walk, both ways: from a dataset version to every model version (and feature
 * set) built from it, from a feature set to the versions built on it, and from a model
 * version to its parents (transitively, with relations) and to its descendants. Reads go
 * through the lineage index records (src/core/lineage.ts) and keyed version reads only.
 */
import * as z from 'zod';
import { ConcurrentModificationError, ValidationError, VersionNotFoundError } from '../core/errors.js';
import {
  datasetScope,
  distinctFeatureSets,
  featureSetScope,
  type LineageIndexDoc,
  LineageIndexDocSchema,
  lineageIndexRecords,
  ParentNotFoundError,
  parentScope,
} from '../core/lineage.js';
import { type FeatureSetRef, type ModelRef, type ParentModel, STAGES } from '../core/model.js';
import type { RegistryStore, VersionRecord } from '../core/ports.js';
import { ModelName, parseInput, UseCase, Version } from './inputs.js';
import { allPages } from './pages.js';

/** How far a walk goes: generations up or down, and versions in all, before it stops and says so. */
export const WALK_LIMITS = { depth: 50, versions: 1000 } as const;

const Text = z.string().min(1).max(256);

/** What `lineage show` walks from: exactly one of a dataset version, a feature set, or a model version. */
export const LineageWalkSchema = z
  .object({
    datasetVersion: Text.optional(),
    featureSet: z.object({ name: Text, version: Text }).strict().optional(),
    useCase: UseCase.optional(),
    modelName: ModelName.optional(),
    version: Version.optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    const starts = [v.datasetVersion !== undefined, v.featureSet !== undefined, v.modelName !== undefined];
    if (starts.filter(Boolean).length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message:
          'name exactly one place to walk from: a dataset version (--dataset-version D), a feature set (--feature-set name@version) or a model version (--model M --version V, with --use-case)',
      });
    }
    if (v.modelName !== undefined && (v.useCase === undefined || v.version === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message:
          'a walk from a model needs its use case and version too (--use-case U --model M --version V)',
      });
    }
  });
export type LineageWalkInput = z.input<typeof LineageWalkSchema>;

/** A version met on a walk, with how it relates to where the walk started. */
export interface LineageNode {
  useCase: string;
  modelName: string;
  version: string;
  stage: VersionRecord['stage'];
  datasetVersion: string | null;
  featureSet: FeatureSetRef | null;
  /** For a parent or child: how the child was derived (fine-tune, distillation …). */
  relation: ParentModel['relation'] | null;
  /** Generations from the start: 1 for a direct parent or child. */
  depth: number;
  /** For a child: the version it names as its parent. */
  parentOf?: string;
  registeredAt: string;
}

/** The answer of a lineage walk. */
export interface LineageWalk {
  from:
    | { kind: 'dataset'; datasetVersion: string }
    | { kind: 'feature-set'; featureSet: FeatureSetRef }
    | { kind: 'model'; useCase: string; modelName: string; version: string };
  /** Versions built from the dataset or on the feature set. */
  versions: LineageNode[];
  /** Feature sets those versions were trained on (a walk from a dataset). */
  featureSets: FeatureSetRef[];
  /** The start's ancestors, nearest first (a walk from a model). */
  parents: LineageNode[];
  /** Versions derived from the start, transitively, nearest first (a walk from a model). */
  children: LineageNode[];
  /** Set when a limit stopped the walk before its end. */
  truncated: boolean;
}

const label = (r: { useCase: string; modelName: string; version: string }) =>
  `${r.useCase}/${r.modelName}@${r.version}`;

function node(
  v: VersionRecord,
  depth: number,
  relation: LineageNode['relation'],
  parentOf?: string,
): LineageNode {
  return {
    useCase: v.useCase,
    modelName: v.modelName,
    version: v.version,
    stage: v.stage,
    datasetVersion: v.lineage.datasetVersion,
    featureSet: v.lineage.featureSet ?? null,
    relation,
    depth,
    ...(parentOf !== undefined ? { parentOf } : {}),
    registeredAt: v.registeredAt,
  };
}

/** Reads one version by key, or null. */
async function readVersion(
  store: RegistryStore,
  ref: ModelRef & { version: string },
): Promise<VersionRecord | null> {
  const { versions } = await store.getHeadAndVersions(ref, [ref.version]);
  return versions.get(ref.version) ?? null;
}

/**
 * Refuses a registration whose `--parent` names a version that is not registered, so a
 * lineage never points at nothing.
 */
export async function requireParent(
  store: RegistryStore,
  parent: ParentModel | null | undefined,
): Promise<void> {
  if (!parent) return;
  if ((await readVersion(store, parent)) === null) {
    throw new ParentNotFoundError(
      `the parent ${label(parent)} is not registered; register it first or fix --parent ([use-case/]model@version).`,
      { parent: label(parent) },
    );
  }
}

/** The lineage walks over a registry's store. */
export class LineageWalker {
  constructor(private readonly store: RegistryStore) {}

  /** Walks from a dataset version, a feature set or a model version, as the input names. */
  async walk(input: LineageWalkInput): Promise<LineageWalk> {
    const req = parseInput(LineageWalkSchema, input);
    if (req.datasetVersion !== undefined) {
      const { nodes, truncated } = await this.built(datasetScope(req.datasetVersion));
      return {
        from: { kind: 'dataset', datasetVersion: req.datasetVersion },
        versions: nodes,
        featureSets: distinctFeatureSets(
          nodes.map((n) => ({ lineage: { featureSet: n.featureSet } }) as VersionRecord),
        ),
        parents: [],
        children: [],
        truncated,
      };
    }
    if (req.featureSet !== undefined) {
      const { nodes, truncated } = await this.built(featureSetScope(req.featureSet));
      return {
        from: { kind: 'feature-set', featureSet: req.featureSet },
        versions: nodes,
        featureSets: [],
        parents: [],
        children: [],
        truncated,
      };
    }
    const start = { useCase: req.useCase!, modelName: req.modelName!, version: req.version! };
    const root = await readVersion(this.store, start);
    if (root === null) {
      throw new VersionNotFoundError(
        `${label(start)} is not registered; check --use-case, --model and --version.`,
        {
          version: label(start),
        },
      );
    }
    const up = await this.ancestors(root);
    const down = await this.descendants(root);
    return {
      from: { kind: 'model', ...start },
      versions: [],
      featureSets: [],
      parents: up.nodes,
      children: down.nodes,
      truncated: up.truncated || down.truncated,
    };
  }

  /** The index entries of one scope, parsed. */
  private async entries(scope: string): Promise<LineageIndexDoc[]> {
    const records = await allPages((cursor) =>
      this.store.listRecords('lineage', { scope }, { limit: 1000, cursor }),
    );
    return records.map((r) => LineageIndexDocSchema.parse(r.doc));
  }

  /** The versions an index scope lists, read fresh (their stage may have moved since). */
  private async built(scope: string): Promise<{ nodes: LineageNode[]; truncated: boolean }> {
    const entries = await this.entries(scope);
    const nodes: LineageNode[] = [];
    for (const e of entries.slice(0, WALK_LIMITS.versions)) {
      const v = await readVersion(this.store, e);
      if (v) nodes.push(node(v, 0, null));
    }
    return { nodes, truncated: entries.length > WALK_LIMITS.versions };
  }

  private async ancestors(root: VersionRecord): Promise<{ nodes: LineageNode[]; truncated: boolean }> {
    const nodes: LineageNode[] = [];
    const seen = new Set([label(root)]);
    let current = root;
    for (let depth = 1; current.lineage.parent; depth++) {
      const parent = current.lineage.parent;
      if (depth > WALK_LIMITS.depth || seen.has(label(parent))) return { nodes, truncated: true };
      seen.add(label(parent));
      const found = await readVersion(this.store, parent);
      if (found === null) {
        throw new ValidationError(
          `${label(current)} names the parent ${label(parent)}, which is not in the registry; the store is inconsistent.`,
        );
      }
      nodes.push(node(found, depth, parent.relation));
      current = found;
    }
    return { nodes, truncated: false };
  }

  private async descendants(root: VersionRecord): Promise<{ nodes: LineageNode[]; truncated: boolean }> {
    const nodes: LineageNode[] = [];
    const seen = new Set([label(root)]);
    let frontier: VersionRecord[] = [root];
    for (let depth = 1; frontier.length > 0; depth++) {
      if (depth > WALK_LIMITS.depth) return { nodes, truncated: true };
      const next: VersionRecord[] = [];
      for (const parent of frontier) {
        for (const e of await this.entries(parentScope(parent))) {
          if (seen.has(label(e))) continue;
          if (nodes.length >= WALK_LIMITS.versions) return { nodes, truncated: true };
          seen.add(label(e));
          const child = await readVersion(this.store, e);
          if (!child) continue;
          nodes.push(node(child, depth, e.relation, label(parent)));
          next.push(child);
        }
      }
      frontier = next;
    }
    return { nodes, truncated: false };
  }
}

/** What `lineage reindex` takes: with `dryRun`, count what is missing and write nothing. */
export const LineageReindexSchema = z.object({ dryRun: z.boolean().default(false) }).strict();
export type LineageReindexInput = z.input<typeof LineageReindexSchema>;

/** The answer of `lineage reindex`. */
export interface LineageReindexResult {
  /** Versions read (every version of the registry). */
  versions: number;
  /** Index entries written now (or, dry, missing). */
  written: number;
  /** Index entries that were there already. */
  present: number;
  dryRun: boolean;
}

/**
 * Writes the lineage index entries that versions registered before the index existed lack,
 * so the walk from a dataset or feature set finds them too. The entries are derived from each
 * version's immutable lineage, so writing one changes no model and is not audited; an entry
 * that exists already is left as it is, which makes the rebuild safe to run again.
 */
export async function reindexLineage(
  store: RegistryStore,
  input: LineageReindexInput = {},
): Promise<LineageReindexResult> {
  const req = parseInput(LineageReindexSchema, input);
  const result: LineageReindexResult = { versions: 0, written: 0, present: 0, dryRun: req.dryRun };
  for (const stage of STAGES) {
    let cursor: string | null = null;
    do {
      const page = await store.listVersionsInStage(stage, { limit: 500, cursor });
      for (const v of page.items) {
        result.versions++;
        for (const write of lineageIndexRecords(v)) {
          if (req.dryRun) {
            if (await store.getRecord('lineage', write.record.id)) result.present++;
            else result.written++;
            continue;
          }
          try {
            await store.putRecord(write);
            result.written++;
          } catch (e) {
            if (!(e instanceof ConcurrentModificationError)) throw e;
            result.present++;
          }
        }
      }
      cursor = page.nextCursor;
    } while (cursor !== null);
  }
  return result;
}

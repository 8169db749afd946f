/**
 * The lineage walk's index: one record per edge of a version's lineage (the dataset it was
 * trained on, its feature set, its parent model), written in the registration's own commit
 * and listed by scope, so both backends answer "what was built from X" from an index
 * (SQLite's records_by_scope, DynamoDB's GSI1) and never from a scan.
 */
import * as z from 'zod';
import { NotFoundError } from './errors.js';
import { type FeatureSetRef, PARENT_RELATIONS, type ParentModel } from './model.js';
import type { RecordWrite, VersionRecord } from './ports.js';

/** The parent named by `--parent` is not registered: a fine-tune cannot name a model that does not exist. */
export class ParentNotFoundError extends NotFoundError {
  override readonly name = 'ParentNotFoundError';
}

/** The edges the index keeps. */
export const LINEAGE_EDGES = ['dataset', 'feature-set', 'parent'] as const;
export type LineageEdge = (typeof LINEAGE_EDGES)[number];

/** The scope listing the versions built from one dataset version. */
export const datasetScope = (datasetVersion: string): string => `dataset:${datasetVersion}`;
/** The scope listing the versions built on one feature set version. */
export const featureSetScope = (f: FeatureSetRef): string => `feature-set:${f.name}@${f.version}`;
/** The scope listing the versions that name one model version as their parent. */
export const parentScope = (p: Pick<ParentModel, 'useCase' | 'modelName' | 'version'>): string =>
  `parent:${p.useCase}/${p.modelName}@${p.version}`;

/** One index entry: which version an edge leads to (and how, for a parent). */
export const LineageIndexDocSchema = z.object({
  edge: z.enum(LINEAGE_EDGES),
  useCase: z.string(),
  modelName: z.string(),
  version: z.string(),
  relation: z.enum(PARENT_RELATIONS).nullable(),
  featureSet: z.object({ name: z.string(), version: z.string() }).nullable(),
  registeredAt: z.string(),
});
export type LineageIndexDoc = z.infer<typeof LineageIndexDocSchema>;

/** The index records of a new version, one per lineage edge it has (none when it has none). */
export function lineageIndexRecords(v: VersionRecord): RecordWrite[] {
  const edges: { edge: LineageEdge; scope: string }[] = [];
  if (v.lineage.datasetVersion)
    edges.push({ edge: 'dataset', scope: datasetScope(v.lineage.datasetVersion) });
  if (v.lineage.featureSet) edges.push({ edge: 'feature-set', scope: featureSetScope(v.lineage.featureSet) });
  if (v.lineage.parent) edges.push({ edge: 'parent', scope: parentScope(v.lineage.parent) });
  return edges.map(({ edge, scope }) => {
    const doc: LineageIndexDoc = {
      edge,
      useCase: v.useCase,
      modelName: v.modelName,
      version: v.version,
      relation: edge === 'parent' ? (v.lineage.parent?.relation ?? null) : null,
      featureSet: v.lineage.featureSet ?? null,
      registeredAt: v.registeredAt,
    };
    return {
      record: { kind: 'lineage', id: `${scope}|${v.useCase}/${v.modelName}@${v.version}`, scope, doc },
      expect: 'absent',
    };
  });
}

/** The feature sets among versions, each once, in the order first seen. */
export function distinctFeatureSets(versions: readonly Pick<VersionRecord, 'lineage'>[]): FeatureSetRef[] {
  const seen = new Map<string, FeatureSetRef>();
  for (const v of versions) {
    const f = v.lineage.featureSet;
    if (f && !seen.has(featureSetScope(f)))
      seen.set(featureSetScope(f), { name: f.name, version: f.version });
  }
  return [...seen.values()];
}

/**
 * The evidence of a page of versions on the model's standard evaluation set (every version
 * of that set), read by id: one point read per version and set version, so a model page
 * costs the same whether the model has ten evaluated versions or ten thousand
 * (`Registry.evidence` lists the whole model's evidence to answer for one version).
 */
import type { ModelRef } from '../core/model.js';
import { type Evidence, ids, parseEvalSetRef } from '../core/workflow.js';
import type { Registry } from './registry.js';

/** Evidence by version, on each version of the policy's evaluation set; none when the policy names no set. */
export async function evidenceOfVersions(
  registry: Registry,
  ref: ModelRef,
  versions: readonly string[],
): Promise<Map<string, Evidence[]>> {
  const found = new Map<string, Evidence[]>();
  const evalSet = (await registry.getPolicy(ref)).evaluation.evalSet;
  if (evalSet === null || versions.length === 0) return found;
  const sets = await registry.listEvalSets({ useCase: ref.useCase, name: parseEvalSetRef(evalSet).name });
  const reads = versions.flatMap((version) =>
    sets.map(async (set) => {
      const record = await registry.records.getRecord('evidence', ids.evidence(ref, version, set.id));
      return record ? { version, evidence: record.doc as unknown as Evidence } : null;
    }),
  );
  for (const hit of await Promise.all(reads)) {
    if (hit === null) continue;
    found.set(hit.version, [...(found.get(hit.version) ?? []), hit.evidence]);
  }
  return found;
}

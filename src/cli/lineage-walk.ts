/** How `lineage show` prints a walk: the start, then a table per direction. */
import type { LineageNode, LineageWalk } from '../app/lineage.js';

type Table = (head: string[], rows: string[][]) => string;

const id = (n: LineageNode) => `${n.useCase}/${n.modelName}@${n.version}`;

/** The human text of a lineage walk. */
export function describeWalk(walk: LineageWalk, table: Table): string {
  const note = walk.truncated ? '\n(the walk stopped at its limit; more versions exist)' : '';
  if (walk.from.kind === 'model') {
    const start = `${walk.from.useCase}/${walk.from.modelName}@${walk.from.version}`;
    const parents =
      walk.parents.length === 0
        ? 'Parents: none (not derived from another model).'
        : `Parents (nearest first):\n${table(
            ['Depth', 'Version', 'Stage', 'Link', 'Dataset'],
            walk.parents.map((p) => [
              String(p.depth),
              id(p),
              p.stage,
              `${p.depth === 1 ? start : id(walk.parents[p.depth - 2]!)} is a ${p.relation} of it`,
              p.datasetVersion ?? '-',
            ]),
          )}`;
    const children =
      walk.children.length === 0
        ? 'Children: none (no version names it as parent).'
        : `Children:\n${table(
            ['Depth', 'Version', 'Stage', 'Relation', 'Of'],
            walk.children.map((c) => [String(c.depth), id(c), c.stage, c.relation ?? '-', c.parentOf ?? '-']),
          )}`;
    return `Lineage of ${start}\n${parents}\n${children}${note}`;
  }
  const from =
    walk.from.kind === 'dataset'
      ? `dataset version ${walk.from.datasetVersion}`
      : `feature set ${walk.from.featureSet.name}@${walk.from.featureSet.version}`;
  if (walk.versions.length === 0) return `No version was built from ${from}.`;
  const versions = table(
    ['Version', 'Stage', 'Dataset', 'Feature set', 'Registered'],
    walk.versions.map((v) => [
      id(v),
      v.stage,
      v.datasetVersion ?? '-',
      v.featureSet ? `${v.featureSet.name}@${v.featureSet.version}` : '-',
      v.registeredAt.slice(0, 16).replace('T', ' '),
    ]),
  );
  const featureSets =
    walk.from.kind === 'dataset'
      ? `\nFeature sets built from it: ${walk.featureSets.map((f) => `${f.name}@${f.version}`).join(', ') || 'none'}`
      : '';
  return `Built from ${from}:\n${versions}${featureSets}${note}`;
}

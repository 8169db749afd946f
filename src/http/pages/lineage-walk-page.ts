/** The lineage walk (issue 11): what was built from a dataset or feature set, or a version's parents and children. */
import { html } from 'hono/html';
import type { LineageNode, LineageWalk } from '../../app/lineage.js';
import { badge, type FrameContext, modelUrl, page, versionUrl, when } from './layout.js';

/** The UI address of a walk from a dataset version. */
export const datasetUrl = (d: string) => `/lineage/datasets/${encodeURIComponent(d)}`;
/** The UI address of a walk from a feature set. */
export const featureSetUrl = (f: { name: string; version: string }) =>
  `/lineage/feature-sets/${encodeURIComponent(f.name)}/${encodeURIComponent(f.version)}`;
/** The UI address of a version's parents and children. */
export const versionLineageUrl = (useCase: string, modelName: string, version: string) =>
  `${versionUrl(useCase, modelName, version)}/lineage`;

function versionCell(n: LineageNode) {
  return html`<a href="${modelUrl(n.useCase, n.modelName)}">${n.useCase}/${n.modelName}</a> <a href="${versionUrl(n.useCase, n.modelName, n.version)}">${n.version}</a>`;
}

function nodes(rows: LineageNode[], testid: string, empty: string, withRelation: boolean) {
  if (rows.length === 0) return html`<div class="panel empty">${empty}</div>`;
  return html`<table data-testid="${testid}"><thead><tr>${withRelation ? html`<th class="num">Depth</th>` : ''}<th>Version</th><th>Stage</th>${withRelation ? html`<th>Relation</th>` : ''}<th>Dataset</th><th>Feature set</th><th>Registered</th></tr></thead><tbody>${rows.map(
    (
      n,
    ) => html`<tr>${withRelation ? html`<td class="num">${n.depth}</td>` : ''}<td>${versionCell(n)}</td><td>${badge(n.stage)}</td>${withRelation ? html`<td>${n.relation ?? '—'}</td>` : ''}
<td>${n.datasetVersion ? html`<a href="${datasetUrl(n.datasetVersion)}">${n.datasetVersion}</a>` : '—'}</td>
<td>${n.featureSet ? html`<a href="${featureSetUrl(n.featureSet)}">${n.featureSet.name}@${n.featureSet.version}</a>` : '—'}</td><td>${when(n.registeredAt)}</td></tr>`,
  )}</tbody></table>`;
}

/** Renders a lineage walk. */
export function lineageWalkPage(ctx: FrameContext, walk: LineageWalk) {
  const f = walk.from;
  const title =
    f.kind === 'dataset'
      ? `Dataset ${f.datasetVersion}`
      : f.kind === 'feature-set'
        ? `Feature set ${f.featureSet.name}@${f.featureSet.version}`
        : `Lineage of ${f.modelName} ${f.version}`;
  const truncated = walk.truncated
    ? html`<p class="sub">The walk stopped at its limit: more versions exist.</p>`
    : '';
  const content =
    f.kind === 'model'
      ? html`<h2>Parents</h2>${nodes(walk.parents, 'lineage-parents', 'Not derived from another model.', true)}
<h2>Children</h2>${nodes(walk.children, 'lineage-children', 'No version names it as its parent.', true)}`
      : html`<h2>Versions built from it</h2>${nodes(walk.versions, 'lineage-versions', 'No version was built from it.', false)}
${
  f.kind === 'dataset'
    ? html`<h2>Feature sets</h2><div class="panel">${
        walk.featureSets.length === 0
          ? html`<p class="empty">None.</p>`
          : walk.featureSets.map(
              (s) => html`<a class="chip" href="${featureSetUrl(s)}">${s.name}@${s.version}</a> `,
            )
      }</div>`
    : ''
}`;
  const crumbs =
    f.kind === 'model'
      ? html`<a href="/">Models</a> / ${f.useCase} / <a href="${modelUrl(f.useCase, f.modelName)}">${f.modelName}</a> / <a href="${versionUrl(f.useCase, f.modelName, f.version)}">${f.version}</a> / lineage`
      : html`<a href="/">Models</a> / lineage`;
  const body = html`<div class="crumbs">${crumbs}</div>
<h1>${title}</h1>
${truncated}
${content}`;
  return page(ctx, title, body);
}

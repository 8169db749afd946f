/** The lineage view: every version a training run produced, across models. */
import { html } from 'hono/html';
import type { ModelVersion } from '../../core/model.js';
import { badge, type FrameContext, modelUrl, page, versionUrl, when } from './layout.js';

/** Renders the versions of one training run. */
export function lineagePage(ctx: FrameContext, runId: string, versions: ModelVersion[]) {
  const body = html`<div class="crumbs"><a href="/">Models</a> / lineage</div>
<h1>Training run <span class="mono">${runId}</span></h1>
<p class="sub">The versions this run produced, with the dataset and code they came from.</p>
${
  versions.length === 0
    ? html`<div class="panel empty">No version was registered from this run.</div>`
    : html`<table data-testid="lineage-table"><thead><tr><th>Model</th><th>Version</th><th>Stage</th><th>Dataset</th><th>Code</th><th>Registered</th></tr></thead><tbody>${versions.map(
        (v) => html`<tr><td><a href="${modelUrl(v.useCase, v.modelName)}">${v.useCase}/${v.modelName}</a></td>
<td><a href="${versionUrl(v.useCase, v.modelName, v.version)}">${v.version}</a></td><td>${badge(v.stage)}</td>
<td>${v.lineage.datasetVersion ?? '—'}</td><td>${v.lineage.codeVersion ?? '—'}</td><td>${when(v.registeredAt)} by ${v.registeredBy}</td></tr>`,
      )}</tbody></table>`
}`;
  return page(ctx, `Run ${runId}`, body);
}

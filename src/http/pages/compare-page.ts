/** Two or more versions side by side: registered metrics with deltas, and evidence on one evaluation set. */
import { html } from 'hono/html';
import type { CompareResult } from '../../app/registry.js';
import type { ModelVersion } from '../../core/model.js';
import type { Evidence, EvidenceComparison } from '../../core/workflow.js';
import { alert, badge, chart, delta, type FrameContext, modelUrl, num, page, versionUrl } from './layout.js';
import { legend } from './model-page.js';

/** What the compare page shows: `comparisons[i]` is versions[0] against versions[i + 1]. */
export interface ComparePageData {
  useCase: string;
  modelName: string;
  versions: ModelVersion[];
  comparisons: CompareResult[];
  /** Evidence of each later version against the first, on the same evaluation set (or the refusal). */
  evidence: { version: string; comparison: EvidenceComparison }[];
}

/**
 * Which evidence of two versions to put side by side: the newest measurement of the
 * candidate on a set (same id and bytes) the baseline was also measured on; when they share
 * none, the newest of each, so compareEvidence refuses and says which sets differ.
 */
export function pairEvidence(
  candidate: readonly Evidence[],
  baseline: readonly Evidence[],
): [Evidence | null, Evidence | null] {
  const newestFirst = (xs: readonly Evidence[]) =>
    [...xs].sort((a, b) => b.evaluatedAt.localeCompare(a.evaluatedAt));
  for (const c of newestFirst(candidate)) {
    const b = baseline.find((e) => e.evalSetId === c.evalSetId && e.evalSetSha256 === c.evalSetSha256);
    if (b) return [c, b];
  }
  return [newestFirst(candidate)[0] ?? null, newestFirst(baseline)[0] ?? null];
}

/** The picker shown when fewer than two versions are named. */
export function comparePicker(
  ctx: FrameContext,
  useCase: string,
  modelName: string,
  versions: ModelVersion[],
  problem?: string,
) {
  const base = modelUrl(useCase, modelName);
  const body = html`<div class="crumbs"><a href="/">Models</a> / ${useCase} / <a href="${base}">${modelName}</a></div>
<h1>Compare versions</h1>
${problem ? alert('error', 'ValidationError', problem) : ''}
<form method="get" action="${base}/compare" class="panel">
<p class="sub">Pick two or more versions; the first is the baseline the others are measured against.</p>
<div class="actions">${versions.map((v) => html`<label><span><input type="checkbox" name="v" value="${v.version}"> ${v.version} ${badge(v.stage)}</span></label>`)}</div>
<p><button type="submit">Compare</button></p></form>`;
  return page(ctx, 'Compare', body);
}

/** Renders the comparison. */
export function comparePage(ctx: FrameContext, d: ComparePageData) {
  const base = modelUrl(d.useCase, d.modelName);
  const [first, ...rest] = d.versions;
  // in the order the versions were registered with, like the CLI's compare (not alphabetical)
  const names = [...new Set(d.comparisons.flatMap((c) => Object.keys(c.metrics)))];
  const ordered = d.versions;
  const charts = names.slice(0, 6).map((metric, i) =>
    chart({
      target: `cmp-${i}`,
      title: metric,
      note: 'registered metrics of the compared versions',
      metric,
      evalSet: null,
      labels: ordered.map((v) => v.version),
      values: ordered.map((v) => v.metrics[metric] ?? null),
      stages: ordered.map((v) => v.stage),
      production: (() => {
        const i = ordered.findIndex((v) => v.stage === 'production');
        return i === -1 ? null : i;
      })(),
    }),
  );
  const body = html`<div class="crumbs"><a href="/">Models</a> / ${d.useCase} / <a href="${base}">${d.modelName}</a></div>
<h1>Compare ${d.versions.map((v) => v.version).join(' · ')}</h1>
<p class="sub">Deltas are each version minus the baseline <strong>${first!.version}</strong>.</p>
<h2>Registered metrics</h2>
<table data-testid="compare-table"><thead><tr><th>Metric</th>
<th class="num"><a href="${versionUrl(d.useCase, d.modelName, first!.version)}">${first!.version}</a> ${badge(first!.stage)}</th>
${rest.map((v) => html`<th class="num"><a href="${versionUrl(d.useCase, d.modelName, v.version)}">${v.version}</a> ${badge(v.stage)}</th><th class="num">Δ</th>`)}</tr></thead>
<tbody>${names.map(
    (m) => html`<tr data-metric="${m}"><td>${m}</td><td class="num">${num(first!.metrics[m])}</td>
${d.comparisons.map((c) => html`<td class="num">${num(c.metrics[m]?.b)}</td><td class="num" data-testid="delta">${delta(c.metrics[m]?.delta)}</td>`)}</tr>`,
  )}</tbody></table>
${charts.length ? legend() : ''}<div class="grid">${charts}</div>
<h2>Evaluation evidence</h2>
${d.evidence.map(({ version, comparison: c }) =>
  c.comparable
    ? html`<div class="panel"><p><strong>${version}</strong> against <strong>${c.champion ?? first!.version}</strong> on <code>${c.evalSetId}</code></p>
<table><thead><tr><th>Metric</th><th class="num">${c.champion ?? '—'}</th><th class="num">${version}</th><th class="num">Δ</th></tr></thead>
<tbody>${Object.entries(c.metrics).map(([m, x]) => html`<tr><td>${m}</td><td class="num">${num(x.a)}</td><td class="num">${num(x.b)}</td><td class="num">${delta(x.delta)}</td></tr>`)}</tbody></table></div>`
    : alert(
        'error',
        `${version} cannot be compared with ${first!.version}`,
        `${c.reason ?? 'not comparable'}. Evaluate both on the same evaluation set (modelreg evalsets evaluate).`,
      ),
)}`;
  return page(ctx, 'Compare', body, { charts: charts.length > 0 });
}

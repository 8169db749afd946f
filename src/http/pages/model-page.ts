/** One model: its versions (filtered, one page at a time) and a plot of each metric across them. */
import { html } from 'hono/html';
import { type ModelVersion, STAGES } from '../../core/model.js';
import type { Evidence } from '../../core/workflow.js';
import {
  badge,
  type ChartSpec,
  chart,
  type FrameContext,
  modelUrl,
  num,
  page,
  versionUrl,
  when,
} from './layout.js';

/** What the model page shows. */
export interface ModelPageData {
  useCase: string;
  modelName: string;
  versions: ModelVersion[];
  /** Evidence of the versions on this page, by version. */
  evidence: Map<string, Evidence[]>;
  stage: string | undefined;
  tag: string | undefined;
  cursor: string | null;
  nextCursor: string | null;
  limit: number;
}

const KEY_METRICS = 5;

/**
 * The metric names worth a column and a plot: the most common on the page, at most five; ties
 * keep the order the versions were registered with (auc, f1, accuracy …), as `compare` does.
 */
export function keyMetrics(versions: readonly { metrics: Record<string, number> }[]): string[] {
  const counts = new Map<string, number>();
  for (const v of versions) for (const m of Object.keys(v.metrics)) counts.set(m, (counts.get(m) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, KEY_METRICS)
    .map(([m]) => m);
}

/**
 * The plots of a page of versions, oldest first: one per registered metric, and one per
 * (evaluation set, metric) for evidence, so a plot never mixes evaluation sets.
 */
export function modelCharts(
  versions: readonly ModelVersion[],
  evidence: Map<string, Evidence[]>,
): ChartSpec[] {
  const ordered = [...versions].reverse();
  const labels = ordered.map((v) => v.version);
  const stages = ordered.map((v) => v.stage);
  const prod = ordered.findIndex((v) => v.stage === 'production');
  const production = prod === -1 ? null : prod;
  const specs: ChartSpec[] = keyMetrics(ordered).map((metric, i) => ({
    target: `chart-m${i}`,
    title: metric,
    note: 'registered metrics, in version order',
    metric,
    evalSet: null,
    labels,
    values: ordered.map((v) => v.metrics[metric] ?? null),
    stages,
    production,
  }));
  const sets = new Map<string, Map<string, Evidence>>();
  for (const [version, list] of evidence) {
    for (const e of list) {
      const bySet = sets.get(e.evalSetId) ?? new Map<string, Evidence>();
      bySet.set(version, e);
      sets.set(e.evalSetId, bySet);
    }
  }
  let n = 0;
  for (const [setId, byVersion] of [...sets.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
    for (const metric of keyMetrics([...byVersion.values()])) {
      specs.push({
        target: `chart-e${n++}`,
        title: `${metric} on ${setId}`,
        note: `evidence measured on evaluation set ${setId} only`,
        metric,
        evalSet: setId,
        labels,
        values: ordered.map((v) => byVersion.get(v.version)?.metrics[metric] ?? null),
        stages,
        production,
      });
    }
  }
  return specs;
}

/** The key of every plot: a dot per stage, and the ring on the production version. */
export function legend() {
  return html`<p class="legend">${STAGES.map((s) => html`<span class="dot ${s}"></span>${s} `)}<span class="ring"></span>current production</p>`;
}

/** Renders the model page. */
export function modelPage(ctx: FrameContext, d: ModelPageData) {
  const metrics = keyMetrics(d.versions);
  const base = modelUrl(d.useCase, d.modelName);
  const keep = (extra: Record<string, string>) => {
    const q = new URLSearchParams();
    if (d.stage) q.set('stage', d.stage);
    if (d.tag) q.set('tag', d.tag);
    for (const [k, v] of Object.entries(extra)) q.set(k, v);
    const s = q.toString();
    return s ? `${base}?${s}` : base;
  };
  const charts = modelCharts(d.versions, d.evidence);
  const body = html`<div class="crumbs"><a href="/">Models</a> / ${d.useCase}</div>
<h1>${d.modelName}</h1>
<p class="sub">Use case <code>${d.useCase}</code> · <a href="${base}/audit">Audit trail</a> · <a href="${base}/compare">Compare versions</a> · <a href="/approvals">Approvals</a></p>
<h2>Metrics across versions</h2>
${charts.length === 0 ? html`<div class="panel empty">No metrics on these versions.</div>` : html`${legend()}<div class="grid">${charts.map(chart)}</div>`}
<h2>Versions</h2>
<form class="filters" method="get" action="${base}">
  <label>Stage<select name="stage" data-testid="stage-filter">
    <option value="">all</option>
    ${STAGES.map((s) => html`<option value="${s}" ${d.stage === s ? 'selected' : ''}>${s}</option>`)}
  </select></label>
  <label>Tag (key=value)<input type="text" name="tag" value="${d.tag ?? ''}" placeholder="team=fraud"></label>
  <button type="submit">Filter</button>
  ${d.stage || d.tag ? html`<a class="button secondary" href="${base}">Clear</a>` : ''}
</form>
<form method="get" action="${base}/compare" id="compare-form"></form>
<table data-testid="versions-table">
<thead><tr><th></th><th>Version</th><th>Stage</th><th>Aliases</th>${metrics.map((m) => html`<th class="num">${m}</th>`)}<th>Tags</th><th>Registered</th><th>By</th></tr></thead>
<tbody>${
    d.versions.length === 0
      ? html`<tr><td colspan="${7 + metrics.length}" class="empty">No version matches these filters.</td></tr>`
      : d.versions.map(
          (v) => html`<tr data-version="${v.version}">
<td><input type="checkbox" name="v" value="${v.version}" form="compare-form" aria-label="compare ${v.version}"></td>
<td><a href="${versionUrl(v.useCase, v.modelName, v.version)}"><strong>${v.version}</strong></a></td>
<td>${badge(v.stage)}</td>
<td>${v.aliases.map((a) => html`<span class="chip">${a}</span>`)}</td>
${metrics.map((m) => html`<td class="num">${num(v.metrics[m])}</td>`)}
<td>${Object.entries(v.tags).map(([k, t]) => html`<span class="chip">${k}=${t}</span>`)}</td>
<td>${when(v.registeredAt)}</td><td>${v.registeredBy}</td></tr>`,
        )
  }</tbody></table>
<div class="pager">
  <button type="submit" form="compare-form" class="secondary">Compare selected</button>
  ${d.cursor ? html`<a href="${keep({ limit: String(d.limit) })}">← First page</a>` : ''}
  ${d.nextCursor ? html`<a href="${keep({ cursor: d.nextCursor, limit: String(d.limit) })}" data-testid="next-page">Next page →</a>` : ''}
  <span>${d.versions.length} shown</span>
</div>`;
  return page(ctx, `${d.useCase}/${d.modelName}`, body, { charts: charts.length > 0 });
}

/** The landing page: the use cases, and each one's models with production, champion and last change. */
import { html } from 'hono/html';
import type { ModelSummary } from '../../app/registry.js';
import type { UseCaseSummary } from '../../core/ports.js';
import { type FrameContext, modelUrl, page, versionUrl, when } from './layout.js';

/** One use case's block on the page. */
export interface UseCaseModels {
  useCase: string;
  models: ModelSummary[];
  nextCursor: string | null;
}

/**
 * Renders the models page; `query` is the search box's text (a substring of the model name),
 * `listed` the registry's use cases with their model counts.
 */
export function modelsPage(
  ctx: FrameContext,
  useCases: UseCaseModels[],
  query: string,
  listed: readonly UseCaseSummary[] = [],
) {
  const body = html`<h1>Models</h1>
<p class="sub">Every use case and its models, with the version in production and what changed last.</p>
<form class="filters" method="get" action="/" role="search">
  <label>Search models<input type="search" name="q" value="${query}" placeholder="model name" data-testid="search"></label>
  <label>Use case<input type="text" name="useCase" value="" placeholder="any"></label>
  <button type="submit">Search</button>
</form>
${
  listed.length
    ? html`<div class="panel" data-testid="use-cases"><strong>Use cases</strong> ${listed.map(
        (u) =>
          html`<a class="chip" href="/?useCase=${encodeURIComponent(u.useCase)}">${u.useCase} · ${u.models} ${u.models === 1 ? 'model' : 'models'}</a> `,
      )}</div>`
    : ''
}
${
  useCases.length === 0
    ? html`<div class="panel empty">No models yet. Register one with <code>modelreg register</code>.</div>`
    : useCases.map((u) => useCaseBlock(u, query))
}`;
  return page(ctx, 'Models', body);
}

function useCaseBlock(u: UseCaseModels, query: string) {
  const next = u.nextCursor
    ? html`<div class="pager"><a href="/?useCase=${encodeURIComponent(u.useCase)}&q=${encodeURIComponent(query)}&cursor=${encodeURIComponent(u.nextCursor)}">More models →</a></div>`
    : '';
  return html`<h2>Use case <code>${u.useCase}</code></h2>
<table data-testid="models-table">
<thead><tr><th>Model</th><th>Production</th><th>Champion</th><th>Latest</th><th class="num">Versions</th><th>Aliases</th><th>Last change</th></tr></thead>
<tbody>${
    u.models.length === 0
      ? html`<tr><td colspan="7" class="empty">No model matches.</td></tr>`
      : u.models.map((m) => {
          const champion = m.aliases.champion ?? m.productionVersion;
          return html`<tr data-model="${m.modelName}">
<td><a href="${modelUrl(m.useCase, m.modelName)}"><strong>${m.modelName}</strong></a></td>
<td>${m.productionVersion ? html`<a href="${versionUrl(m.useCase, m.modelName, m.productionVersion)}">${m.productionVersion}</a> <span class="sub">since ${when(m.productionSince)}</span>` : html`<span class="sub">none</span>`}${Object.entries(m.lines ?? {}).map(([line, v]) => html`<br><span class="sub" data-testid="line-production">${line}:</span> ${v ? html`<a href="${versionUrl(m.useCase, m.modelName, v)}">${v}</a>` : html`<span class="sub">none</span>`}`)}</td>
<td>${champion ?? '—'}</td>
<td>${m.latestVersion ?? '—'}</td>
<td class="num">${m.versionCount}</td>
<td>${Object.entries(m.aliases).map(([a, v]) => html`<span class="chip">${a} → ${v}</span>`)}</td>
<td>${when(m.updatedAt)}</td></tr>`;
        })
  }</tbody></table>${next}`;
}

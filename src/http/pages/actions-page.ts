/** Promote, roll back, archive, set alias: a dry run with its gate table first, then a confirmation. */
import { html } from 'hono/html';
import type { PromoteResult } from '../../core/decisions.js';
import type { ModelVersion } from '../../core/model.js';
import { hasRole } from '../env.js';
import { alert, badge, csrfField, type FrameContext, gateTable, page, versionUrl } from './layout.js';

/** The four actions the UI offers on a version. */
export const ACTIONS = ['promote', 'rollback', 'archive', 'alias'] as const;
export type ActionName = (typeof ACTIONS)[number];

/** What an action page shows. */
export interface ActionPageData {
  action: ActionName;
  version: ModelVersion;
  productionVersion: string | null;
  /** The dry run of a promotion (what promote would answer now). */
  preview: PromoteResult | null;
  to: string | undefined;
  /** A refusal: the error's name and its message (which says the fix). */
  refusal: { name: string; message: string } | null;
  done: string | null;
}

const TITLES: Record<ActionName, string> = {
  promote: 'Promote',
  rollback: 'Roll back to',
  archive: 'Archive',
  alias: 'Set an alias on',
};

function summary(d: ActionPageData) {
  const v = d.version;
  switch (d.action) {
    case 'promote': {
      const p = d.preview;
      if (!p) return '';
      if (p.alreadyPromoted)
        return html`<p>${v.version} is already in ${p.stage}; promoting again changes nothing.</p>`;
      return p.promoted
        ? html`<p>${v.version} moves from ${badge(v.stage)} to ${badge(p.stage)}${p.supersededVersion ? html`; production ${p.supersededVersion} is superseded in the same write (a rollback target until the archival policy archives it)` : ''}.</p>`
        : html`<p>${v.version} stays in ${badge(v.stage)}.</p>`;
    }
    case 'rollback':
      return html`<p>${v.version} returns to ${badge('production')}${d.productionVersion && d.productionVersion !== v.version ? html`; the current production ${d.productionVersion} of its line is archived in the same write` : ''}.</p>`;
    case 'archive':
      return html`<p>${v.version} moves from ${badge(v.stage)} to ${badge('archived')}.${v.stage === 'production' ? html` It is in production: archiving it leaves the model with no production version, so it needs <em>force</em>.` : ''}</p>`;
    case 'alias':
      return html`<p>The alias will point at ${v.version}${v.aliases.length ? html` (it has ${v.aliases.join(', ')})` : ''}.</p>`;
  }
}

function fields(d: ActionPageData) {
  switch (d.action) {
    case 'promote':
      return html`<input type="hidden" name="to" value="${d.to ?? ''}">`;
    case 'rollback':
      return html`<label>Reason<input type="text" name="reason" placeholder="why (kept in the audit trail)"></label>`;
    case 'archive':
      return html`<label>Reason<input type="text" name="reason" placeholder="why"></label>${d.version.stage === 'production' ? html`<label><span><input type="checkbox" name="force" value="true"> force (archive the production version)</span></label>` : ''}`;
    case 'alias':
      return html`<label>Alias<input type="text" name="name" required placeholder="champion"></label>`;
  }
}

/** Renders an action's dry run (GET) or its outcome (POST). */
export function actionPage(ctx: FrameContext, d: ActionPageData) {
  const v = d.version;
  const url = `${versionUrl(v.useCase, v.modelName, v.version)}/actions/${d.action}`;
  const refused = d.preview !== null && !d.preview.promoted;
  const editor = ctx.identity !== undefined && hasRole(ctx.identity.role, 'editor');
  const body = html`<div class="crumbs"><a href="/">Models</a> / ${v.useCase} / <a href="${versionUrl(v.useCase, v.modelName, v.version)}">${v.modelName} ${v.version}</a></div>
<h1>${TITLES[d.action]} ${v.modelName} <span class="mono">${v.version}</span></h1>
${d.done ? alert('ok', 'Done', d.done) : ''}
${d.refusal ? html`<div data-testid="refusal">${alert('error', d.refusal.name, d.refusal.message)}</div>` : ''}
${
  d.action === 'promote'
    ? html`<form method="get" action="${url}" class="filters"><label>Target stage<select name="to">
<option value="">next stage</option>${['staging', 'production'].map((s) => html`<option value="${s}" ${d.to === s ? 'selected' : ''}>${s}</option>`)}
</select></label><button type="submit" class="secondary">Dry run again</button></form>`
    : ''
}
<h2>${d.done ? 'Result' : 'Dry run'}</h2>
<div class="panel">${summary(d)}
${refused && !d.refusal ? html`<div data-testid="refusal">${alert('error', 'GateFailedError', `${d.preview!.reason}. Each failing gate below says what it needs; meet it (or change the policy with modelreg policy set) and run the dry run again.`)}</div>` : ''}
${gateTable(d.preview?.gates)}</div>
${
  d.done || refused
    ? ''
    : !editor
      ? html`<p class="sub" data-testid="needs-editor">Only editors can confirm this change.</p>`
      : html`<form method="post" action="${url}" class="panel actions">${csrfField(ctx.csrf)}${fields(d)}
<button type="submit" data-testid="confirm" class="${d.action === 'archive' ? 'danger' : ''}">Confirm: ${TITLES[d.action].toLowerCase()} ${v.version}</button>
<a class="button secondary" href="${versionUrl(v.useCase, v.modelName, v.version)}">Cancel</a></form>`
}`;
  return page(ctx, `${TITLES[d.action]} ${v.version}`, body);
}

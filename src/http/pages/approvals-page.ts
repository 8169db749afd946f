/** Pending approval requests, and the page an approve/reject link opens. */
import { html } from 'hono/html';
import type { WorkflowComparison } from '../../app/registry.js';
import type { GateResult } from '../../core/gates.js';
import type { Approval } from '../../core/workflow.js';
import { hasRole } from '../env.js';
import {
  alert,
  badge,
  csrfField,
  delta,
  type FrameContext,
  gateTable,
  num,
  page,
  versionUrl,
  when,
} from './layout.js';

function evidenceOf(a: Approval) {
  const e = a.evidence;
  const metrics = (e.metrics ?? {}) as Record<
    string,
    { a?: number | null; b?: number | null; delta?: number | null }
  >;
  const gates = Array.isArray(e.gates) ? (e.gates as GateResult[]) : [];
  const rows = Object.entries(metrics);
  return html`${e.evalSetId ? html`<p class="sub">Measured on <code>${String(e.evalSetId)}</code>${e.champion ? html` against production ${String(e.champion)}` : ''}</p>` : ''}
${
  rows.length
    ? html`<table><thead><tr><th>Metric</th><th class="num">Production</th><th class="num">Candidate</th><th class="num">Δ</th></tr></thead><tbody>${rows.map(
        ([m, x]) =>
          html`<tr><td>${m}</td><td class="num">${num(x?.a)}</td><td class="num">${num(x?.b)}</td><td class="num">${delta(x?.delta)}</td></tr>`,
      )}</tbody></table>`
    : html`<p class="empty">The request carries no metrics.</p>`
}
${gates.length ? gateTable(gates) : ''}`;
}

/** Renders the approvals list; only approvers get the buttons. */
export function approvalsPage(ctx: FrameContext, approvals: Approval[], notice?: ReturnType<typeof alert>) {
  const approver = ctx.identity !== undefined && hasRole(ctx.identity.role, 'approver');
  const body = html`<h1>Approvals</h1>
<p class="sub">Promotions to production waiting for a person. The requester cannot approve their own request.</p>
${notice ?? ''}
${
  approvals.length === 0
    ? html`<div class="panel empty">No pending requests.</div>`
    : approvals.map(
        (a) => html`<div class="panel" data-approval="${a.approvalId}">
<h2><a href="${versionUrl(a.useCase, a.modelName, a.version)}">${a.useCase}/${a.modelName} ${a.version}</a> ${badge(a.status)}</h2>
<p class="sub">Requested by <strong>${a.requestedBy}</strong> ${when(a.requestedAt)} · expires ${when(a.expiresAt)}</p>
${evidenceOf(a)}
${
  approver
    ? html`<form method="post" action="/approvals/${encodeURIComponent(a.approvalId)}/decide" class="actions">${csrfField(ctx.csrf)}
<input type="text" name="reason" placeholder="reason (optional)" aria-label="reason">
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="reject" class="danger">Reject</button></form>`
    : html`<p class="sub">Only approvers can decide.</p>`
}</div>`,
      )
}`;
  return page(ctx, 'Approvals', body);
}

/** What the approval link page shows. */
export interface ApprovalLinkData {
  approval: Approval;
  decision: 'approve' | 'reject';
  token: string;
  comparison: WorkflowComparison | null;
  comparisonError: string | null;
  action: string;
}

/** The page an emailed approve/reject link opens: everything to decide on, and a button that POSTs. */
export function approvalLinkPage(ctx: FrameContext, d: ApprovalLinkData, notice?: ReturnType<typeof alert>) {
  const a = d.approval;
  const c = d.comparison;
  const verb = d.decision === 'approve' ? 'Approve' : 'Reject';
  const canDecide = ctx.identity !== undefined && hasRole(ctx.identity.role, 'approver');
  const body = html`<div class="crumbs"><a href="/approvals">Approvals</a></div>
<h1>${verb} ${a.useCase}/${a.modelName} <span class="mono">${a.version}</span>?</h1>
<p class="sub">Requested by <strong data-testid="requester">${a.requestedBy}</strong> ${when(a.requestedAt)} · expires ${when(a.expiresAt)} · status ${badge(a.status)}</p>
${notice ?? ''}
<div class="alert info"><strong>Opening this link decides nothing.</strong>Only the button below, pressed by a signed-in approver, records the decision in your name.</div>
<h2>Against production on the same evaluation set</h2>
${
  c
    ? html`${c.comparable ? html`<p class="sub">${c.evalSetId ? html`Evaluation set <code>${c.evalSetId}</code>` : 'Registered metrics'} · production ${c.champion ?? 'none'}${c.confidence !== null ? html` · confidence ${num(c.confidence)}` : ''}</p>` : alert('error', 'Not comparable', c.reason ?? 'not comparable')}
<table data-testid="vs-production"><thead><tr><th>Metric</th><th class="num">Production</th><th class="num">${a.version}</th><th class="num">Δ</th></tr></thead><tbody>${Object.entries(
        c.metrics,
      ).map(
        ([m, x]) =>
          html`<tr><td>${m}</td><td class="num">${num(x.a)}</td><td class="num">${num(x.b)}</td><td class="num">${delta(x.delta)}</td></tr>`,
      )}</tbody></table>
<h2>Gates</h2>${gateTable(c.gates)}`
    : alert('error', 'Comparison unavailable', d.comparisonError ?? 'unknown')
}
<h2>Evidence attached to the request</h2>
${evidenceOf(a)}
<div class="panel">
${
  a.status !== 'pending'
    ? html`<p>This request is already <strong>${a.status}</strong>${a.decidedBy ? html` by ${a.decidedBy}` : ''}.</p>`
    : canDecide
      ? html`<form method="post" action="${d.action}" class="actions">${csrfField(ctx.csrf)}
<input type="hidden" name="token" value="${d.token}">
<input type="text" name="reason" placeholder="reason (optional)" aria-label="reason">
<button type="submit" class="${d.decision === 'reject' ? 'danger' : ''}" data-testid="decide">${verb} as ${ctx.identity!.actor}</button></form>`
      : ctx.identity
        ? html`<p>You are signed in as ${ctx.identity.actor} (${ctx.identity.role}); only approvers can decide.</p>`
        : html`<p><a class="button" href="/login">Sign in to decide</a></p>`
}</div>`;
  return page(ctx, `${verb} ${a.modelName} ${a.version}`, body);
}

/** A model's audit chain, verified when the page loads. */
import { html } from 'hono/html';
import type { AuditEvent, AuditVerification } from '../../core/audit.js';
import { badge, type FrameContext, modelUrl, page } from './layout.js';
import { auditRows } from './version-page.js';

/** What the audit page shows: the verification of the whole chain and one page of events. */
export interface AuditPageData {
  useCase: string;
  modelName: string;
  verification: AuditVerification;
  events: AuditEvent[];
  nextCursor: string | null;
}

/** Renders the audit page. */
export function auditPage(ctx: FrameContext, d: AuditPageData) {
  const base = modelUrl(d.useCase, d.modelName);
  const v = d.verification;
  const status = v.valid
    ? html`<div class="alert ok" data-testid="audit-status"><strong>${badge('ok')} Verified</strong>All ${v.checked} events chain from the first to the model's recorded tip.</div>`
    : html`<div class="alert error" data-testid="audit-status"><strong>${badge('bad')} Not verified</strong>The first bad event is #${v.firstBadSeq ?? '?'}: ${v.reason ?? 'the chain does not verify'}.</div>`;
  const body = html`<div class="crumbs"><a href="/">Models</a> / ${d.useCase} / <a href="${base}">${d.modelName}</a></div>
<h1>Audit trail</h1>
<p class="sub">Every change, oldest first, each event hashed with the one before it.</p>
${status}
${auditRows(d.events, v.valid ? undefined : v.firstBadSeq)}
${d.nextCursor ? html`<div class="pager"><a href="${base}/audit?cursor=${encodeURIComponent(d.nextCursor)}">Next page →</a></div>` : ''}`;
  return page(ctx, 'Audit', body);
}

/** One version: everything the registry knows about it, and the actions an editor can take. */
import { html } from 'hono/html';
import type { MonitorStatus } from '../../app/events.js';
import type { AuditEvent } from '../../core/audit.js';
import type { VersionEvent } from '../../core/events.js';
import type { Explanation } from '../../core/explain.js';
import { describeFormat, describeTensor, pickleWarning, type TensorInfo } from '../../core/formats.js';
import type { ModelVersion } from '../../core/model.js';
import type { RenderedCard } from '../../core/model-card.js';
import type { Evidence } from '../../core/workflow.js';
import { hasRole } from '../env.js';
import { cardHtml } from './card-html.js';
import { badge, type FrameContext, modelUrl, num, page, size, versionUrl, when } from './layout.js';
import { datasetUrl, featureSetUrl, versionLineageUrl } from './lineage-walk-page.js';

/** What the version page shows. */
export interface VersionPageData {
  version: ModelVersion;
  evidence: Evidence[];
  /** The model's audit events about this version, oldest first. */
  events: AuditEvent[];
  /** Aliases of this version that carry a weight or are a shadow. */
  routed?: ReadonlyArray<{ alias: string; weight?: number; shadow?: true }>;
  /** The version's model card with the registry-filled sections. */
  card?: RenderedCard;
  /** Signing: where the version's signature stands (absent where not looked up). */
  signature?: { status: string; description: string };
  // monitor: the version's events after deployment and its live monitoring
  versionEvents?: VersionEvent[];
  monitoring?: MonitorStatus;
  /** Variants, deployments and events after deployment (from `models explain`). */
  explanation?: Explanation;
}

/** Events after deployment and live monitoring: what happened to the version once it ran. */
function afterDeployment(d: VersionPageData) {
  const events = d.versionEvents ?? [];
  const m = d.monitoring;
  return html`<h2>Events after deployment</h2>
${
  events.length === 0
    ? html`<div class="panel empty">No events.</div>`
    : html`<table data-testid="version-events"><thead><tr><th>When</th><th>Kind</th><th>Source</th><th>By</th><th>Details</th></tr></thead><tbody>${events.map(
        (e) =>
          html`<tr><td class="when">${when(e.at)}</td><td>${badge(e.kind)}</td><td>${e.source}</td><td>${e.actor}</td><td>${e.details}</td></tr>`,
      )}</tbody></table>`
}
<h2>Live monitoring</h2>
${
  !m || (m.latest.length === 0 && m.rules.length === 0)
    ? html`<div class="panel empty">No live metrics reported and no monitoring rules.</div>`
    : html`<div class="panel" data-testid="monitoring">${facts(m.latest.map((l) => [l.metric, l.value]))}
${
  m.rules.length === 0
    ? ''
    : html`<table><thead><tr><th>Rule</th><th>State</th><th>Why</th><th>Acted</th></tr></thead><tbody>${m.rules.map(
        (r) =>
          html`<tr><td><code>${r.rule}</code></td><td>${badge(r.state)}</td><td>${r.reason}</td><td>${r.actedAt ? when(r.actedAt) : '—'}</td></tr>`,
      )}</tbody></table>`
}</div>`
}`;
}

interface RecordedGate {
  gate: string;
  actual: unknown;
  threshold: unknown;
}

/** The gates a promotion event recorded (the decision keeps gate, actual and threshold). */
export function recordedGates(e: AuditEvent): RecordedGate[] {
  const gates = e.details.gates;
  return Array.isArray(gates) ? (gates as RecordedGate[]) : [];
}

function facts(entries: [string, unknown][]) {
  if (entries.length === 0) return html`<p class="empty">None.</p>`;
  return html`<dl class="facts">${entries.map(
    ([k, v]) =>
      html`<dt>${k}</dt><dd>${typeof v === 'number' ? num(v) : typeof v === 'string' ? v : JSON.stringify(v)}</dd>`,
  )}</dl>`;
}

/** The detected format: its summary, an ONNX signature or safetensors tensors, and the pickle warning. */
function formatPanel(v: ModelVersion) {
  const f = v.format;
  const warning = pickleWarning(f);
  const tensors = (label: string, list: TensorInfo[] | undefined) =>
    list && list.length > 0
      ? html`<dt>${label}</dt><dd>${list.map((t) => html`<code class="chip">${describeTensor(t)}</code> `)}</dd>`
      : '';
  return html`${warning ? html`<div class="alert error" data-testid="pickle-warning"><strong>Loading it executes code</strong>${warning}</div>` : ''}<dl class="facts">
    <dt>Format</dt><dd data-testid="format-name">${describeFormat(f)}</dd>
    ${tensors('Inputs', f?.inputs)}${tensors('Outputs', f?.outputs)}${tensors('Tensors', f?.tensors)}
  </dl>`;
}

/** Renders the version page. */
export function versionPage(ctx: FrameContext, d: VersionPageData) {
  const v = d.version;
  const base = versionUrl(v.useCase, v.modelName, v.version);
  const promotions = d.events.filter((e) => e.action === 'promote');
  const editor = ctx.identity !== undefined && hasRole(ctx.identity.role, 'editor');
  const deprecation =
    v.stage === 'deprecated' ? d.events.findLast((e) => e.action === 'deprecate') : undefined;
  const routing = (alias: string) => {
    const r = d.routed?.find((x) => x.alias === alias);
    return r?.shadow ? ' (shadow)' : r?.weight !== undefined ? ` (weight ${r.weight})` : '';
  };
  const body = html`<div class="crumbs"><a href="/">Models</a> / ${v.useCase} / <a href="${modelUrl(v.useCase, v.modelName)}">${v.modelName}</a></div>
<h1>${v.modelName} <span class="mono">${v.version}</span> ${badge(v.stage)}</h1>
<p class="sub">Registered ${when(v.registeredAt)} by ${v.registeredBy} · stage since ${when(v.stageUpdatedAt)} · line <span class="chip" data-testid="line">${v.line ?? 'default'}</span>${v.aliases.length ? html` · aliases ${v.aliases.map((a) => html`<span class="chip">${a}${routing(a)}</span>`)}` : ''}</p>
${deprecation ? html`<div class="panel" data-testid="deprecated"><strong>Deprecated</strong> ${when(deprecation.at)} by ${deprecation.actor}: ${String(deprecation.details.reason ?? '')}</div>` : ''}
${v.description ? html`<p data-testid="description">${v.description}</p>` : ''}
<p class="sub">Registered ${when(v.registeredAt)} by ${v.registeredBy} · stage since ${when(v.stageUpdatedAt)}${v.aliases.length ? html` · aliases ${v.aliases.map((a) => html`<span class="chip">${a}</span>`)}` : ''}</p>
${
  editor
    ? html`<div class="panel actions" data-testid="actions">
  <a class="button" href="${base}/actions/promote">Promote…</a>
  <a class="button secondary" href="${base}/actions/rollback">Roll back to this…</a>
  <a class="button secondary" href="${base}/actions/archive">Archive…</a>
  <a class="button secondary" href="${base}/actions/alias">Set alias…</a>
</div>`
    : ''
}
<div class="two">
  <div><h2>Metrics</h2><div class="panel">${facts(Object.entries(v.metrics))}</div></div>
  <div><h2>Lineage</h2><div class="panel"><dl class="facts">
    <dt>Training run</dt><dd>${v.lineage.runId ? html`<a href="/lineage/${encodeURIComponent(v.lineage.runId)}">${v.lineage.runId}</a>` : '—'}</dd>
    <dt>Dataset</dt><dd>${v.lineage.datasetVersion ? html`<a href="${datasetUrl(v.lineage.datasetVersion)}">${v.lineage.datasetVersion}</a>` : '—'}</dd>
    <dt>Code</dt><dd>${v.lineage.codeVersion ?? '—'}</dd>
    ${v.lineage.featureSet ? html`<dt>Feature set</dt><dd><a href="${featureSetUrl(v.lineage.featureSet)}">${v.lineage.featureSet.name}@${v.lineage.featureSet.version}</a></dd>` : ''}
    ${v.lineage.curationRuleset ? html`<dt>Curation ruleset</dt><dd>${v.lineage.curationRuleset}</dd>` : ''}
    ${v.lineage.configHash ? html`<dt>Config</dt><dd class="mono">${v.lineage.configHash}</dd>` : ''}
    ${v.lineage.parent ? html`<dt>Parent</dt><dd>${v.lineage.parent.relation} of <a href="${versionUrl(v.lineage.parent.useCase, v.lineage.parent.modelName, v.lineage.parent.version)}">${v.lineage.parent.useCase}/${v.lineage.parent.modelName} ${v.lineage.parent.version}</a></dd>` : ''}
    <dt>Walk</dt><dd><a href="${versionLineageUrl(v.useCase, v.modelName, v.version)}" data-testid="lineage-walk">Parents and children</a></dd>
  </dl></div></div>
  <div><h2>Tags</h2><div class="panel">${facts(Object.entries(v.tags))}</div></div>
  <div><h2>Artifact</h2><div class="panel"><dl class="facts">
    <dt>sha256</dt><dd class="mono" data-testid="sha256">${v.artifact.sha256}</dd>
    <dt>Size</dt><dd>${size(v.artifact.sizeBytes)}</dd>
    <dt>Download</dt><dd><a href="${base}/artifact" data-testid="download">Download (digest verified)</a></dd>
    ${d.signature ? html`<dt>Signature</dt><dd data-testid="signature" class="${d.signature.status === 'trusted' ? '' : 'warn'}">${d.signature.description}</dd>` : ''}
  </dl></div></div>
  <div><h2>Format</h2><div class="panel" data-testid="format">${formatPanel(v)}</div></div>
</div>
<h2>Metadata</h2><div class="panel">${facts(Object.entries(v.metadata))}</div>
<h2>Evidence</h2>
${
  d.evidence.length === 0
    ? html`<div class="panel empty">Not evaluated on any evaluation set.</div>`
    : html`<table><thead><tr><th>Evaluation set</th><th>Metrics</th><th>Evaluator</th><th>When</th></tr></thead><tbody>${d.evidence.map(
        (e) =>
          html`<tr><td><code>${e.evalSetId}</code></td><td>${Object.entries(e.metrics).map(([k, m]) => html`<span class="chip">${k} ${num(m)}</span>`)}</td><td>${e.evaluator}</td><td>${when(e.evaluatedAt)} by ${e.evaluatedBy}</td></tr>`,
      )}</tbody></table>`
}
<h2>Gate results of its promotions</h2>
${
  promotions.length === 0
    ? html`<div class="panel empty">Never promoted.</div>`
    : promotions.map(
        (
          e,
        ) => html`<div class="panel"><p><strong>${e.fromStage} → ${e.toStage}</strong> <span class="sub">${when(e.at)} by ${e.actor}</span></p>
${
  recordedGates(e).length === 0
    ? html`<p class="empty">No gates applied.</p>`
    : html`<table><thead><tr><th>Gate</th><th class="num">Actual</th><th class="num">Threshold</th></tr></thead><tbody>${recordedGates(
        e,
      ).map(
        (g) =>
          html`<tr><td><code>${g.gate}</code></td><td class="num">${typeof g.actual === 'number' ? num(g.actual) : String(g.actual)}</td><td class="num">${typeof g.threshold === 'number' ? num(g.threshold) : String(g.threshold)}</td></tr>`,
      )}</tbody></table>`
}</div>`,
      )
}
${d.card ? html`<h2>Model card</h2>${cardHtml(d.card)}` : ''}
${afterDeployment(d)}
${d.explanation ? whereItRuns(d.explanation) : ''}
<h2>Audit events</h2>
${auditRows(d.events)}`;
  return page(ctx, `${v.modelName} ${v.version}`, body);
}

/** Variants per target, deployments running now, and what happened after deployment. */
function whereItRuns(e: Explanation) {
  return html`<h2>Variants</h2>
${
  e.variants.length === 0
    ? html`<div class="panel empty">No variants.</div>`
    : html`<table data-testid="variants"><thead><tr><th>Target</th><th>Format</th><th>Precision</th><th>Builder</th><th>sha256</th><th class="num">Size</th></tr></thead><tbody>${e.variants.map(
        (x) =>
          html`<tr><td><code>${x.target}</code></td><td>${x.format ?? '—'}</td><td>${x.precision ?? '—'}</td><td>${x.builder ?? '—'}</td><td class="mono">${x.sha256.slice(0, 16)}…</td><td class="num">${size(x.sizeBytes)}</td></tr>`,
      )}</tbody></table>`
}
<h2>Running now</h2>
${
  e.deployments.running.length === 0
    ? html`<div class="panel empty">Not running anywhere.</div>`
    : html`<table data-testid="deployments"><thead><tr><th>Env</th><th>Fleet</th><th>Site</th><th>Customer</th><th>Variant</th><th>Since</th></tr></thead><tbody>${e.deployments.running.map(
        (d) =>
          html`<tr><td>${d.env}</td><td>${d.fleet}</td><td>${d.site}</td><td>${d.customer}</td><td>${d.variant ?? '—'}</td><td>${when(d.recordedAt)} by ${d.by}</td></tr>`,
      )}</tbody></table>`
}
<h2>After deployment</h2>
${
  e.events.length === 0
    ? html`<div class="panel empty">No regressions, rollbacks or maintenance recorded.</div>`
    : html`<table data-testid="version-events"><thead><tr><th>When</th><th>What</th><th>Details</th><th>By</th></tr></thead><tbody>${e.events.map(
        (x) =>
          html`<tr><td class="when">${when(x.at)}</td><td><code>${x.kind}</code></td><td>${x.details}</td><td>${x.actor}</td></tr>`,
      )}</tbody></table>`
}`;
}

/** Audit events as a table (shared with the audit page). */
export function auditRows(events: readonly AuditEvent[], badSeq?: number) {
  if (events.length === 0) return html`<div class="panel empty">No events.</div>`;
  return html`<table data-testid="audit-table"><thead><tr><th class="num">#</th><th>When</th><th>Actor</th><th>Action</th><th>Version</th><th>Stages</th><th>Details</th></tr></thead><tbody>${events.map(
    (
      e,
    ) => html`<tr data-seq="${e.seq}" class="${badSeq === e.seq ? 'bad-event' : ''}"><td class="num">${e.seq}${badSeq === e.seq ? html` ${badge('bad')}` : ''}</td><td class="when">${when(e.at)}</td><td>${e.actor}</td><td><code>${e.action}</code></td><td>${e.version ?? '—'}</td>
<td>${e.fromStage || e.toStage ? `${e.fromStage ?? '—'} → ${e.toStage ?? '—'}` : ''}</td><td class="mono">${Object.keys(e.details).length ? JSON.stringify(e.details) : ''}</td></tr>`,
  )}</tbody></table>`;
}

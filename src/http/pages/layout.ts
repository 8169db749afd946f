/**
 * The frame every page shares (header, navigation, who is signed in) and the small pieces
 * pages are built from. hono/html escapes every interpolated value; only `raw` output
 * built here (JSON for charts, with `<` escaped) bypasses it.
 */
import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { GateResult } from '../../core/gates.js';
import type { Identity } from '../env.js';

/** What a rendered fragment is: escaped HTML (possibly still resolving). */
export type Fragment = HtmlEscapedString | Promise<HtmlEscapedString>;

/** The strict policy of every page: scripts and styles only from this origin, no inline script. */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** What the frame needs to know about the request. */
export interface FrameContext {
  identity: Identity | undefined;
  csrf: string | undefined;
}

/** A whole page: head with the app's stylesheet, the header, and the body fragment. */
export function page(ctx: FrameContext, title: string, body: Fragment, options: { charts?: boolean } = {}) {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · modelreg</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/app.css">
${options.charts ? html`<link rel="stylesheet" href="/assets/uplot.min.css">` : ''}
</head>
<body>
<header class="top">
  <a class="brand" href="/">modelreg</a>
  <nav><a href="/">Models</a><a href="/approvals">Approvals</a></nav>
  <div class="who">${whoAmI(ctx)}</div>
</header>
<main>${body}</main>
${options.charts ? html`<script src="/assets/uplot.min.js"></script><script src="/assets/charts.js"></script>` : ''}
</body>
</html>`;
}

function whoAmI(ctx: FrameContext) {
  if (!ctx.identity) return html`<a href="/login">Sign in</a>`;
  const logout =
    ctx.identity.via === 'token'
      ? html`<form method="post" action="/logout">${csrfField(ctx.csrf)}<button type="submit">Sign out</button></form>`
      : '';
  return html`<span data-testid="identity">${ctx.identity.actor} · ${ctx.identity.role}</span>${logout}`;
}

/** The hidden field every browser form posts back, checked before any change. */
export function csrfField(token: string | undefined) {
  return html`<input type="hidden" name="_csrf" value="${token ?? ''}">`;
}

/** A stage (or approval status) as a coloured pill. */
export function badge(label: string) {
  return html`<span class="badge ${label}">${label}</span>`;
}

/** A refusal or a notice, with the error's name as its title. */
export function alert(kind: 'error' | 'ok' | 'info', title: string, message: string) {
  return html`<div class="alert ${kind}" role="${kind === 'error' ? 'alert' : 'status'}"><strong>${title}</strong>${message}</div>`;
}

/** A number as the CLI shows it: up to 4 decimals, no trailing noise. */
export function num(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  return Number.isInteger(v) ? String(v) : String(Math.round(v * 1e4) / 1e4);
}

/** A delta with its sign and a colour class. */
export function delta(v: number | null | undefined) {
  if (v === null || v === undefined) return html`<span>—</span>`;
  const cls = v > 0 ? 'pos' : v < 0 ? 'neg' : '';
  return html`<span class="${cls}">${v > 0 ? '+' : ''}${num(v)}</span>`;
}

/** An ISO time as `2026-12-02 18:04 UTC`. */
export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** Bytes as KB/MB. */
export function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** The gate table of a promotion (or its dry run): each gate, its value, threshold and outcome. */
export function gateTable(gates: readonly GateResult[] | undefined) {
  if (!gates || gates.length === 0)
    return html`<p class="empty" data-testid="no-gates">No gates apply to this change.</p>`;
  return html`<table data-testid="gate-table">
<thead><tr><th>Gate</th><th>Metric</th><th class="num">Actual</th><th class="num">Threshold</th><th>Source</th><th>Result</th></tr></thead>
<tbody>${gates.map(
    (
      g,
    ) => html`<tr class="${g.passed ? 'gate-pass' : 'gate-fail'}"><td><code>${g.gate}</code></td><td>${g.metric}</td>
<td class="num">${typeof g.actual === 'number' ? num(g.actual) : String(g.actual ?? 'missing')}</td>
<td class="num">${typeof g.threshold === 'number' ? num(g.threshold) : String(g.threshold)}</td>
<td>${g.source}</td><td>${badge(g.passed ? 'pass' : 'fail')}${g.note ? html` <span class="sub">${g.note}</span>` : ''}</td></tr>`,
  )}</tbody></table>`;
}

/** A chart slot plus its data, drawn by /assets/charts.js (JSON with `<` escaped, never run). */
export function chart(spec: ChartSpec) {
  const json = JSON.stringify(spec)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026');
  return html`<div class="chart" data-testid="chart" data-metric="${spec.metric}"><h3>${spec.title}</h3>
<p class="note">${spec.note}</p><div id="${spec.target}"></div>
<script type="application/json" class="chart-data">${raw(json)}</script></div>`;
}

/** One plot: a metric over versions in version order, from one source (registered metrics or one evaluation set). */
export interface ChartSpec {
  target: string;
  title: string;
  note: string;
  metric: string;
  /** null for the registered metrics; an evaluation set id for evidence. */
  evalSet: string | null;
  labels: string[];
  values: (number | null)[];
  stages: string[];
  /** Index of the production version in labels, if it is on the plot. */
  production: number | null;
}

/** URL of a model page. */
export function modelUrl(useCase: string, modelName: string): string {
  return `/models/${encodeURIComponent(useCase)}/${encodeURIComponent(modelName)}`;
}

/** URL of a version page. */
export function versionUrl(useCase: string, modelName: string, version: string): string {
  return `${modelUrl(useCase, modelName)}/versions/${encodeURIComponent(version)}`;
}

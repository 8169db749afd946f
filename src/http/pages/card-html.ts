/**
 * A model card as HTML (the version page's "Model card" part, and `card show --format html`).
 * Every value is escaped by hono/html; the user's section text is shown as written
 * (preformatted), never interpreted as HTML.
 */
import { html } from 'hono/html';
import {
  CARD_SECTIONS,
  type CardSection,
  lineageRows,
  metricText,
  type RenderedCard,
  SECTION_TITLES,
} from '../../core/model-card.js';

const FROM_REGISTRY = html`<span class="sub">(from the registry)</span>`;

function rows(header: string[], body: string[][]) {
  return html`<table><thead><tr>${header.map((h) => html`<th>${h}</th>`)}</tr></thead><tbody>${body.map(
    (r) => html`<tr>${r.map((c) => html`<td>${c}</td>`)}</tr>`,
  )}</tbody></table>`;
}

/** The card's sections and the registry's facts, for embedding in a page. */
export function cardHtml(r: RenderedCard) {
  const { card, facts: f } = r;
  const text = (s: CardSection) => card?.content.sections[s]?.trim() ?? '';
  const registry: Partial<Record<CardSection, ReturnType<typeof html>>> = {
    training_data: html`<p>Lineage ${FROM_REGISTRY}</p>${
      lineageRows(f.lineage).length
        ? rows(['', ''], lineageRows(f.lineage))
        : html`<p class="empty">No lineage recorded.</p>`
    }`,
    evaluation_data: html`<p>Evaluation evidence ${FROM_REGISTRY}</p>${
      f.evidence.length
        ? rows(
            ['Evaluation set', 'Metrics', 'Evaluator', 'At'],
            f.evidence.map((e) => [e.evalSetId, metricText(e.metrics), e.evaluator, e.evaluatedAt]),
          )
        : html`<p class="empty">Not evaluated on a registered evaluation set.</p>`
    }`,
    ...(card?.content.cohorts.length
      ? {
          fairness: rows(
            ['Cohort', 'Metrics'],
            card.content.cohorts.map((c) => [c.cohort, metricText(c.metrics)]),
          ),
        }
      : {}),
  };
  return html`<div class="panel model-card" data-testid="model-card">
<p class="sub">${
    card
      ? `Card version ${card.cardVersion}, set ${card.setAt} by ${card.setBy}.`
      : 'No card set for this version (modelreg models card set).'
  }${r.missing.length ? ` Empty: ${r.missing.join(', ')}.` : ''}</p>
${CARD_SECTIONS.map((s) => {
  const t = text(s);
  const extra = registry[s];
  if (!t && !extra) return '';
  return html`<h3>${SECTION_TITLES[s]}</h3>${t ? html`<pre class="card-text">${t}</pre>` : ''}${extra ?? ''}`;
})}
<h3>Metrics ${FROM_REGISTRY}</h3>${
    Object.keys(f.metrics).length
      ? rows(
          ['Metric', 'Value'],
          Object.entries(f.metrics).map(([k, v]) => [k, String(v)]),
        )
      : html`<p class="empty">No metrics.</p>`
  }
<h3>Approvals ${FROM_REGISTRY}</h3>${
    f.approvals.length
      ? rows(
          ['Approval', 'Status', 'Requested by', 'Decided by', 'At'],
          f.approvals.map((a) => [
            a.approvalId,
            a.status,
            a.requestedBy,
            a.decidedBy ?? '',
            a.decidedAt ?? '',
          ]),
        )
      : html`<p class="empty">No approval requests.</p>`
  }
<h3>Stage history ${FROM_REGISTRY}</h3>${rows(
    ['At', 'By', 'Action', 'From', 'To'],
    f.stageHistory.map((h) => [h.at, h.actor, h.action, h.fromStage ?? '', h.toStage ?? '']),
  )}
${(card?.content.extra ?? []).map((e) => html`<h3>${e.title}</h3><pre class="card-text">${e.body}</pre>`)}
</div>`;
}

/**
 * The human views of variants, deployments and `models explain`, shared by the CLI and
 * the robotics tour so that both print the same thing.
 */
import type { Deployment } from '../core/deployment.js';
import type { Explanation } from '../core/explain.js';
import type { Variant } from '../core/variant.js';
import { num, printable, shortTime, table } from './format.js';

/** One variant as the tables show it. */
export type VariantRow = Explanation['variants'][number];

/** Variants as a table: target, format, precision, builder, sha256, size. */
export function variantsTable(items: readonly VariantRow[]): string {
  return table(
    ['Target', 'Format', 'Precision', 'Builder', 'sha256', 'Bytes', 'Added'],
    items.map((v) => [
      v.target,
      v.format ?? '-',
      v.precision ?? '-',
      v.builder ?? '-',
      `${v.sha256.slice(0, 16)}…`,
      String(v.sizeBytes),
      shortTime(v.addedAt),
    ]),
  );
}

/** A version's variants as stored. */
export function variantRecordsTable(items: readonly Variant[]): string {
  return variantsTable(
    items.map((v) => ({
      target: v.target,
      format: v.format,
      precision: v.precision,
      builder: v.builder,
      sha256: v.artifact.sha256,
      sizeBytes: v.artifact.sizeBytes,
      addedAt: v.addedAt,
    })),
  );
}

/** Deployments as a table, the running ones marked. */
export function deploymentsTable(items: readonly Deployment[]): string {
  return table(
    ['Id', 'Model', 'Version', 'Variant', 'Env', 'Fleet', 'Site', 'Customer', 'By', 'Since', 'Running'],
    items.map((d) => [
      d.id,
      `${d.useCase}/${d.modelName}`,
      d.version,
      d.variant ?? '-',
      d.env,
      d.fleet,
      d.site,
      d.customer,
      d.by,
      shortTime(d.recordedAt),
      d.status === 'active' ? 'yes' : `no (ended ${shortTime(d.endedAt)})`,
    ]),
  );
}

function value(v: unknown): string {
  return typeof v === 'number' ? num(v) : JSON.stringify(v);
}

/** The six answers of `models explain`, one section each. */
export function explainView(e: Explanation): string {
  const p = e.promotion;
  const lines: string[] = [`${e.useCase}/${e.modelName} ${e.version} (${e.stage})`, ''];
  lines.push('1. Data: which dataset version and curation ruleset produced it');
  lines.push(
    `   dataset ${e.data.datasetVersion ?? '-'}, curation ruleset ${e.data.curationRuleset ?? '-'}, config ${e.data.configHash ?? '-'}, feature set ${e.data.featureSet ? `${e.data.featureSet.name}@${e.data.featureSet.version}` : '-'}, code ${e.data.codeVersion ?? '-'}`,
  );
  if (e.data.parent)
    lines.push(
      `   ${e.data.parent.relation} of ${e.data.parent.useCase}/${e.data.parent.modelName}@${e.data.parent.version}`,
    );
  lines.push('', '2. Promotion: the run that justified it, the approver, the comparison confidence');
  lines.push(`   run ${p.runId ?? '-'}`);
  lines.push(
    p.event
      ? `   ${p.event.action} to ${p.event.toStage} by ${p.event.actor} at ${shortTime(p.event.at)} (audit seq ${p.event.seq})${p.event.gatesSkipped ? ', gates skipped' : ''}${p.replaced ? `, replacing ${p.replaced}` : ''}`
      : '   never promoted',
  );
  lines.push(
    `   approved by ${p.approval ? `${p.approval.decidedBy} at ${shortTime(p.approval.decidedAt)} (approval ${p.approval.approvalId})${p.event?.gatesSkipped ? ', for an earlier promotion' : ''}` : '-'}`,
  );
  lines.push(
    `   comparison confidence ${p.confidence === null ? '-' : `${(p.confidence * 100).toFixed(1)}%`}`,
  );
  lines.push('', '3. Evaluation: the evaluation set that approved it, and the thresholds with actual values');
  if (e.evaluation.evidence.length === 0) lines.push('   no evaluation evidence recorded');
  for (const ev of e.evaluation.evidence) {
    lines.push(
      `   ${ev.evalSetId} (sha256 ${ev.evalSetSha256.slice(0, 12)}…) by ${ev.evaluator}: ${Object.entries(
        ev.metrics,
      )
        .map(([k, v]) => `${k}=${num(v)}`)
        .join(' ')}`,
    );
  }
  if (e.evaluation.gates.length > 0) {
    lines.push(
      table(
        ['Gate', 'Actual', 'Threshold'],
        e.evaluation.gates.map((g) => [g.gate, value(g.actual), value(g.threshold)]),
      )
        .split('\n')
        .map((l) => `   ${l}`)
        .join('\n'),
    );
  } else lines.push('   no gates recorded with the promotion');
  lines.push('', '4. Variants: the artifacts built from it, per target');
  lines.push(
    e.variants.length === 0
      ? '   none'
      : variantsTable(e.variants)
          .split('\n')
          .map((l) => `   ${l}`)
          .join('\n'),
  );
  lines.push('', '5. Deployments: the fleets, sites and customers running it now');
  lines.push(
    e.deployments.running.length === 0
      ? '   none running'
      : e.deployments.running
          .map(
            (d) =>
              `   ${d.env} fleet ${d.fleet}, site ${d.site}, customer ${d.customer}${d.variant ? ` (variant ${d.variant})` : ''} since ${shortTime(d.recordedAt)} by ${d.by} [${d.id}]`,
          )
          .join('\n'),
  );
  if (e.deployments.ended.length > 0)
    lines.push(`   (${e.deployments.ended.length} ended deployment(s) not shown)`);
  lines.push('', '6. Events: regressions, rollbacks and maintenance after deployment');
  lines.push(
    e.events.length === 0
      ? '   none'
      : e.events
          .map(
            (x) =>
              `   ${shortTime(x.at)} ${x.kind.padEnd(12)} ${printable(x.details)} (by ${printable(x.actor)})`,
          )
          .join('\n'),
  );
  return lines.join('\n');
}

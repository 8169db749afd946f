/**
 * Human-readable texts of registry events (email bodies, subjects, Slack fallbacks). The
 * promotion text follows the reference promote-model function's notification.
 */
import type { RegistryEvent } from './ports.js';

const TITLES: Record<string, string> = {
  'model.register': 'Model Registered',
  'model.promote': 'Model Promoted',
  'model.demote': 'Model Demoted',
  'model.archive': 'Model Archived',
  'model.rollback': 'Model Rolled Back',
  'model.alias.set': 'Model Alias Moved',
  'model.alias.remove': 'Model Alias Removed',
  'model.policy.set': 'Model Policy Changed',
  'model.evaluate': 'Model Evaluated',
  'model.approval.request': 'Approval Requested',
  'model.approval.approve': 'Promotion Approved',
  'model.approval.reject': 'Promotion Rejected',
  'model.approval.expire': 'Approval Expired',
  // release lines, superseded and deprecated stages
  'model.supersede': 'Model Superseded',
  'model.deprecate': 'Model Deprecated',
};

/** The short title of an event type (`Model Promoted`). */
export function eventTitle(type: string): string {
  return TITLES[type] ?? type;
}

/** The subject prefix when none is configured. */
export const DEFAULT_SUBJECT_PREFIX = '[modelreg]';

/**
 * The subject line: `[modelreg] Model Promoted: FraudRiskModel`, with a configurable prefix
 * (the reference uses `[TradAI]`; an empty prefix leaves it out). SNS caps subjects at 100 characters.
 */
export function eventSubject(e: RegistryEvent, prefix: string = DEFAULT_SUBJECT_PREFIX): string {
  return `${prefix ? `${prefix} ` : ''}${eventTitle(e.type)}: ${e.modelName}`.slice(0, 100);
}

/**
 * The confidence as a percentage. The reference prints `0.0%` when no comparison gave one;
 * we say "not measured" instead, so a promotion nobody compared is not read as one with zero confidence.
 */
export function percent(x: unknown): string {
  return typeof x === 'number' ? `${(x * 100).toFixed(1)}%` : 'not measured (no comparison with production)';
}

/** The plain-text body an email subscriber reads (with approve/reject links for approval requests). */
export function eventText(
  e: RegistryEvent,
  environment: string,
  links?: { approve: string; reject: string } | null,
): string {
  const d = e.details;
  if (e.type === 'model.promote' && e.toStage === 'production') {
    return [
      'Model Promotion Completed',
      '',
      `Model: ${e.modelName}`,
      `New Production Version: ${e.version}`,
      `Previous Version: ${(d.supersededVersion as string | null) ?? (d.archivedVersion as string | null) ?? 'none'}`,
      `Comparison Confidence: ${percent(d.confidence)}`,
      `Environment: ${environment}`,
      '',
      `Use case: ${e.useCase}`,
      `Promoted by: ${e.actor} at ${e.at}`,
    ].join('\n');
  }
  const lines = [`${eventTitle(e.type)}`, '', `Model: ${e.modelName}`, `Use case: ${e.useCase}`];
  if (e.version) lines.push(`Version: ${e.version}`);
  if (e.fromStage || e.toStage) lines.push(`Stage: ${e.fromStage ?? '(new)'} → ${e.toStage ?? '-'}`);
  if (e.type === 'model.rollback')
    lines.push(`Archived Version: ${(d.archivedVersion as string | null) ?? 'none'}`);
  if (typeof d.reason === 'string') lines.push(`Reason: ${d.reason}`);
  if (typeof d.alias === 'string') lines.push(`Alias: @${d.alias}`);
  if (typeof d.approvalId === 'string') lines.push(`Approval: ${d.approvalId}`);
  if (typeof d.expiresAt === 'string') lines.push(`Decide before: ${d.expiresAt}`);
  if (links) lines.push('', `Approve: ${links.approve}`, `Reject: ${links.reject}`);
  lines.push(`Environment: ${environment}`, `By: ${e.actor} at ${e.at}`);
  return lines.join('\n');
}

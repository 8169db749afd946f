/**
 * Slack Block Kit messages for registry events: what happened to which model version,
 * with its key metrics against production, and for approval requests two link buttons
 * (approve / reject) carrying signed tokens. Pure: builds JSON, sends nothing.
 */
import { ValidationError } from '../../core/errors.js';
import { eventSubject, eventTitle } from '../../core/messages.js';
import type { RegistryEvent } from '../../core/ports.js';

/** Slack's documented limits that a message must stay under or the webhook answers 400. */
export const SLACK_LIMITS = {
  headerText: 150,
  sectionText: 3000,
  fieldText: 2000,
  buttonText: 75,
  buttonUrl: 3000,
  contextText: 3000,
} as const;

/** How a message is built: where it runs, what production measures, where the decision links go. */
export interface SlackMessageOptions {
  environment: string;
  /** Metrics of the current production version, for deltas; null or absent for no deltas. */
  productionMetrics?: Record<string, number> | null;
  /** Signed approve/reject URLs; only used for approval requests. */
  links?: { approve: string; reject: string } | null;
}

/** A webhook body: `text` is the fallback shown in notifications and by clients without blocks. */
export interface SlackMessage {
  text: string;
  blocks: unknown[];
}

/** The event type whose messages carry decision buttons. */
export const APPROVAL_REQUEST_EVENT = 'model.approval.request';

/** How many metrics a message lists before summarising the rest. */
const MAX_METRICS = 20;

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts text to a limit with an ellipsis, never inside an `&amp;`-style escape. */
export function truncate(text: string, limit: number): string {
  if (text.length <= limit) return text;
  return `${text.slice(0, limit - 1).replace(/&[a-z]*$/, '')}…`;
}

/** `+0.0120`, `-0.0030`, `±0.0000`: the sign always shown so a regression is visible at a glance. */
export function formatDelta(delta: number): string {
  const rounded = Number(delta.toFixed(4));
  const sign = rounded > 0 ? '+' : rounded < 0 ? '-' : '±';
  return `${sign}${Math.abs(rounded).toFixed(4)}`;
}

function numericMetrics(value: unknown): Array<[string, number]> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  return Object.entries(value as Record<string, unknown>)
    .filter((entry): entry is [string, number] => typeof entry[1] === 'number' && Number.isFinite(entry[1]))
    .sort(([a], [b]) => a.localeCompare(b));
}

/** One line per metric: `auc 0.9310 (+0.0120 vs production)`. */
export function metricLines(
  metrics: Record<string, unknown> | undefined,
  production: Record<string, number> | null | undefined,
): string[] {
  const entries = numericMetrics(metrics);
  const lines = entries.slice(0, MAX_METRICS).map(([name, value]) => {
    const base = production?.[name];
    const delta =
      typeof base === 'number' && Number.isFinite(base)
        ? ` (${formatDelta(value - base)} vs production)`
        : '';
    return `${name} ${value.toFixed(4)}${delta}`;
  });
  if (entries.length > MAX_METRICS) lines.push(`… and ${entries.length - MAX_METRICS} more`);
  return lines;
}

function field(label: string, value: string) {
  return { type: 'mrkdwn', text: truncate(`*${label}*\n${escapeMrkdwn(value)}`, SLACK_LIMITS.fieldText) };
}

function section(text: string) {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, SLACK_LIMITS.sectionText) } };
}

/**
 * The Slack message of one registry event. Every text is escaped and cut to Slack's
 * limits, so an odd model name or a long reason cannot make the webhook reject the
 * message. Decision buttons are plain link buttons (`url`), so they work from an incoming
 * webhook without a Slack app: the click opens the signed link, which decides.
 */
export function slackMessage(event: RegistryEvent, options: SlackMessageOptions): SlackMessage {
  const blocks: unknown[] = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: truncate(eventTitle(event.type), SLACK_LIMITS.headerText),
        emoji: true,
      },
    },
  ];

  const fields = [field('Model', `${event.useCase}/${event.modelName}`)];
  if (event.version) fields.push(field('Version', event.version));
  if (event.fromStage || event.toStage) {
    fields.push(field('Stage', `${event.fromStage ?? '(new)'} → ${event.toStage ?? '-'}`));
  }
  fields.push(field('By', event.actor), field('At', event.at), field('Environment', options.environment));
  blocks.push({ type: 'section', fields });

  const d = event.details;
  const notes: string[] = [];
  const previous = typeof d.supersededVersion === 'string' ? d.supersededVersion : d.archivedVersion;
  if (typeof previous === 'string') notes.push(`*Previous version:* ${escapeMrkdwn(previous)}`);
  if (typeof d.alias === 'string') notes.push(`*Alias:* @${escapeMrkdwn(d.alias)}`);
  if (typeof d.reason === 'string') notes.push(`*Reason:* ${escapeMrkdwn(d.reason)}`);
  if (typeof d.expiresAt === 'string') notes.push(`*Decide before:* ${escapeMrkdwn(d.expiresAt)}`);
  if (notes.length > 0) blocks.push(section(notes.join('\n')));

  const lines = metricLines(d.metrics as Record<string, unknown> | undefined, options.productionMetrics);
  if (lines.length > 0) {
    blocks.push(section(`*Metrics*\n${lines.map((l) => `• ${escapeMrkdwn(l)}`).join('\n')}`));
  }

  const links = options.links;
  if (event.type === APPROVAL_REQUEST_EVENT && links) {
    blocks.push({
      type: 'actions',
      block_id: 'approval_decision',
      elements: [
        button('Approve', 'primary', links.approve, 'approve'),
        button('Reject', 'danger', links.reject, 'reject'),
      ],
    });
  }

  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: truncate(
          `modelreg · ${escapeMrkdwn(event.type)} · event #${event.seq}`,
          SLACK_LIMITS.contextText,
        ),
      },
    ],
  });

  return { text: eventSubject(event), blocks };
}

function button(label: string, style: 'primary' | 'danger', url: string, actionId: string) {
  if (url.length > SLACK_LIMITS.buttonUrl) {
    // A cut URL would carry a broken token; better to fail the delivery loudly.
    throw new ValidationError(
      `the ${actionId} link is ${url.length} characters; Slack accepts at most ${SLACK_LIMITS.buttonUrl}. Use a shorter base URL.`,
      { length: url.length, limit: SLACK_LIMITS.buttonUrl },
    );
  }
  return {
    type: 'button',
    text: { type: 'plain_text', text: label, emoji: true },
    style,
    url,
    action_id: actionId,
  };
}

import { describe, expect, it } from 'vitest';
import { formatDelta, SLACK_LIMITS, slackMessage } from '../../src/adapters/slack/blocks.js';
import { ValidationError } from '../../src/core/errors.js';
import type { RegistryEvent } from '../../src/core/ports.js';

const PROMOTE: RegistryEvent = {
  type: 'model.promote',
  useCase: 'fraud',
  modelName: 'FraudRiskModel',
  seq: 7,
  at: '2025-06-01T10:00:00.000Z',
  actor: 'alice',
  version: '2.1.0',
  fromStage: 'staging',
  toStage: 'production',
  details: { archivedVersion: '2.0.0', metrics: { auc: 0.931, precision: 0.8, recall: 0.75, note: 'x' } },
};

const APPROVAL: RegistryEvent = {
  ...PROMOTE,
  type: 'model.approval.request',
  seq: 8,
  fromStage: null,
  toStage: null,
  details: { approvalId: 'apr-1', expiresAt: '2025-06-02T10:00:00.000Z', metrics: { auc: 0.931 } },
};

const LINKS = {
  approve: 'https://registry.example.com/approvals/apr-1/approve?token=aaa.bbb',
  reject: 'https://registry.example.com/approvals/apr-1/reject?token=ccc.ddd',
};

type Block = {
  type: string;
  text?: { text: string };
  fields?: Array<{ text: string }>;
  elements?: unknown[];
};

function blocksOf(event: RegistryEvent, options: Parameters<typeof slackMessage>[1]) {
  return slackMessage(event, options).blocks as Block[];
}

function metricsText(blocks: Block[]): string | undefined {
  return blocks.find((b) => b.type === 'section' && b.text?.text.startsWith('*Metrics*'))?.text?.text;
}

/** Every text in the message, to check Slack's limits. */
function texts(value: unknown, path = ''): Array<{ path: string; text: string }> {
  if (Array.isArray(value)) return value.flatMap((v, i) => texts(v, `${path}[${i}]`));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) =>
    k === 'text' && typeof v === 'string' ? [{ path, text: v }] : texts(v, `${path}.${k}`),
  );
}

describe('slackMessage', () => {
  it('heads the message with the event title and falls back to the subject line', () => {
    // Act
    const message = slackMessage(PROMOTE, { environment: 'prod' });

    // Assess
    expect(message.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'Model Promoted', emoji: true },
    });
    expect(message.text).toBe('[modelreg] Model Promoted: FraudRiskModel');
  });

  it('lists model, version, stage change, actor, time and environment as fields', () => {
    // Act
    const fields = blocksOf(PROMOTE, { environment: 'prod' })[1]?.fields?.map((f) => f.text);

    // Assess
    expect(fields).toEqual([
      '*Model*\nfraud/FraudRiskModel',
      '*Version*\n2.1.0',
      '*Stage*\nstaging → production',
      '*By*\nalice',
      '*At*\n2025-06-01T10:00:00.000Z',
      '*Environment*\nprod',
    ]);
  });

  it('omits version and stage for events that have none', () => {
    // Prepare
    const policy: RegistryEvent = {
      ...PROMOTE,
      type: 'model.policy.set',
      version: null,
      fromStage: null,
      toStage: null,
      details: {},
    };

    // Act
    const fields = blocksOf(policy, { environment: 'dev' })[1]?.fields?.map((f) => f.text) ?? [];

    // Assess
    expect(fields.some((f) => f.startsWith('*Version*') || f.startsWith('*Stage*'))).toBe(false);
    expect(fields[0]).toBe('*Model*\nfraud/FraudRiskModel');
  });

  it('shows the numeric metrics with signed deltas against production where production has them', () => {
    // Act
    const text = metricsText(
      blocksOf(PROMOTE, { environment: 'prod', productionMetrics: { auc: 0.919, precision: 0.81 } }),
    );

    // Assess
    expect(text).toBe(
      [
        '*Metrics*',
        '• auc 0.9310 (+0.0120 vs production)',
        '• precision 0.8000 (-0.0100 vs production)',
        '• recall 0.7500',
      ].join('\n'),
    );
  });

  it('shows metrics without deltas when there is no production version', () => {
    // Act
    const text = metricsText(blocksOf(PROMOTE, { environment: 'prod', productionMetrics: null }));

    // Assess
    expect(text).toContain('• auc 0.9310');
    expect(text).not.toContain('vs production');
  });

  it('has no metrics section when the event carries no metrics', () => {
    // Prepare
    const event: RegistryEvent = { ...PROMOTE, details: {} };

    // Act
    const blocks = blocksOf(event, { environment: 'prod', productionMetrics: { auc: 0.9 } });

    // Assess
    expect(metricsText(blocks)).toBeUndefined();
    expect(blocks.map((b) => b.type)).toEqual(['header', 'section', 'context']);
  });

  it('adds Approve and Reject link buttons to an approval request', () => {
    // Act
    const actions = blocksOf(APPROVAL, { environment: 'prod', links: LINKS }).find(
      (b) => b.type === 'actions',
    );

    // Assess
    expect(actions?.elements).toEqual([
      {
        type: 'button',
        text: { type: 'plain_text', text: 'Approve', emoji: true },
        style: 'primary',
        url: LINKS.approve,
        action_id: 'approve',
      },
      {
        type: 'button',
        text: { type: 'plain_text', text: 'Reject', emoji: true },
        style: 'danger',
        url: LINKS.reject,
        action_id: 'reject',
      },
    ]);
  });

  it('has no buttons on an approval request without links, nor on other events even with links', () => {
    // Act
    const withoutLinks = blocksOf(APPROVAL, { environment: 'prod', links: null });
    const otherEvent = blocksOf(PROMOTE, { environment: 'prod', links: LINKS });

    // Assess
    expect(withoutLinks.some((b) => b.type === 'actions')).toBe(false);
    expect(otherEvent.some((b) => b.type === 'actions')).toBe(false);
    expect(JSON.stringify(otherEvent)).not.toContain(LINKS.approve);
  });

  it('tells the approver the deadline of the request', () => {
    // Act
    const blocks = blocksOf(APPROVAL, { environment: 'prod', links: LINKS });

    // Assess
    expect(JSON.stringify(blocks)).toContain('*Decide before:* 2025-06-02T10:00:00.000Z');
  });

  it("escapes mrkdwn control characters in the registry's values", () => {
    // Prepare
    const event: RegistryEvent = { ...PROMOTE, actor: '<!channel> & co', details: { reason: 'a<b>c' } };

    // Act
    const json = JSON.stringify(blocksOf(event, { environment: 'prod' }));

    // Assess
    expect(json).toContain('&lt;!channel&gt; &amp; co');
    expect(json).toContain('*Reason:* a&lt;b&gt;c');
    expect(json).not.toContain('<!channel>');
  });

  it("keeps every text under Slack's limits however long the values are", () => {
    // Prepare
    const event: RegistryEvent = {
      ...PROMOTE,
      type: `model.${'x'.repeat(400)}`,
      modelName: 'M'.repeat(5000),
      details: {
        reason: '&'.repeat(5000),
        metrics: Object.fromEntries([...Array(200)].map((_, i) => [`m${'y'.repeat(200)}${i}`, i])),
      },
    };

    // Act
    const message = slackMessage(event, { environment: 'prod' });
    const all = texts(message.blocks);

    // Assess
    const header = message.blocks[0] as Block;
    expect(header.text?.text.length).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
    expect(all.length).toBeGreaterThan(5);
    for (const { path, text } of all) expect(text.length, path).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    for (const f of (message.blocks[1] as Block).fields ?? [])
      expect(f.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fieldText);
    expect(JSON.stringify(message.blocks)).not.toMatch(/&am…|&a…|&…/);
    expect(message.text.length).toBeLessThanOrEqual(100);
  });

  it('refuses a decision link too long for a Slack button rather than cutting its token', () => {
    // Prepare
    const links = { approve: `https://x.example/${'a'.repeat(3000)}`, reject: LINKS.reject };

    // Act / Assess
    expect(() => slackMessage(APPROVAL, { environment: 'prod', links })).toThrow(ValidationError);
  });
});

describe('formatDelta', () => {
  it.each([
    [0.012, '+0.0120'],
    [-0.01, '-0.0100'],
    [0, '±0.0000'],
    [-0.00001, '±0.0000'],
  ])('formats %d as %s', (delta, expected) => {
    // Act / Assess
    expect(formatDelta(delta)).toBe(expected);
  });
});

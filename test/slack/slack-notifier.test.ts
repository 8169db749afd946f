import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { slackMessage } from '../../src/adapters/slack/blocks.js';
import {
  backoffMs,
  postToSlack,
  retryAfterMs,
  SlackNotifier,
  SlackWebhookError,
} from '../../src/adapters/slack/slack-notifier.js';
import { DeliveryError, ValidationError } from '../../src/core/errors.js';
import type { RegistryEvent } from '../../src/core/ports.js';

/** One scripted answer of the fake webhook; `drop` closes the connection without answering. */
type Answer = { status: number; headers?: Record<string, string>; body?: string } | 'drop';

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

interface Webhook {
  url: string;
  received: Received[];
}

const servers: Server[] = [];

/**
 * A real HTTP server on 127.0.0.1 that records every request and answers the n-th one
 * with `script[n]` (the last answer repeats once the script runs out).
 */
async function webhook(script: Answer[]): Promise<Webhook> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: JSON.parse(raw),
      });
      const answer = script[Math.min(received.length - 1, script.length - 1)] ?? { status: 200 };
      if (answer === 'drop') {
        req.socket.destroy();
        return;
      }
      res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
      res.end(answer.body ?? (answer.status === 200 ? 'ok' : 'error'));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/services/T000/B000/SECRETPART`, received };
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

/** A sleep that records the waits instead of waiting. */
function recordingSleep() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

function event(seq: number, overrides: Partial<RegistryEvent> = {}): RegistryEvent {
  return {
    type: 'model.promote',
    useCase: 'fraud',
    modelName: 'FraudRiskModel',
    seq,
    at: '2025-06-01T10:00:00.000Z',
    actor: 'alice',
    version: '2.1.0',
    fromStage: 'staging',
    toStage: 'production',
    details: { metrics: { auc: 0.931 } },
    ...overrides,
  };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('SlackNotifier', () => {
  it('POSTs each event as a Block Kit JSON message to the webhook', async () => {
    // Prepare
    const hook = await webhook([{ status: 200 }]);
    const { waits, sleep } = recordingSleep();
    const notifier = new SlackNotifier({ webhookUrl: hook.url, environment: 'prod', sleep });
    const events = [event(1), event(2, { type: 'model.archive', toStage: 'archived' })];

    // Act
    await notifier.publish(events);

    // Assess
    expect(hook.received).toHaveLength(2);
    expect(hook.received[0]?.method).toBe('POST');
    expect(hook.received[0]?.url).toBe('/services/T000/B000/SECRETPART');
    expect(hook.received[0]?.headers['content-type']).toMatch(/^application\/json/);
    expect(hook.received[0]?.body).toEqual(
      slackMessage(events[0]!, { environment: 'prod', productionMetrics: null, links: null }),
    );
    expect((hook.received[1]!.body as { text: string }).text).toBe(
      '[modelreg] Model Archived: FraudRiskModel',
    );
    expect(waits).toEqual([]);
  });

  it('honours Retry-After on 429 and then delivers', async () => {
    // Prepare
    const hook = await webhook([
      { status: 429, headers: { 'retry-after': '1' }, body: 'rate_limited' },
      { status: 200 },
    ]);
    const { waits, sleep } = recordingSleep();
    const notifier = new SlackNotifier({ webhookUrl: hook.url, sleep });

    // Act
    await notifier.publish([event(1)]);

    // Assess
    expect(hook.received).toHaveLength(2);
    expect(hook.received[1]?.body).toEqual(hook.received[0]?.body);
    expect(waits).toEqual([1000]);
  });

  it('retries 5xx with growing jittered backoff and then delivers', async () => {
    // Prepare
    const hook = await webhook([{ status: 500 }, { status: 502 }, { status: 200 }]);
    const { waits, sleep } = recordingSleep();
    const notifier = new SlackNotifier({ webhookUrl: hook.url, sleep });

    // Act
    await notifier.publish([event(1)]);

    // Assess
    expect(hook.received).toHaveLength(3);
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBeGreaterThanOrEqual(250);
    expect(waits[0]).toBeLessThanOrEqual(500);
    expect(waits[1]).toBeGreaterThanOrEqual(500);
    expect(waits[1]).toBeLessThanOrEqual(1000);
  });

  it('retries a dropped connection', async () => {
    // Prepare
    const hook = await webhook(['drop', { status: 200 }]);
    const { waits, sleep } = recordingSleep();
    const notifier = new SlackNotifier({ webhookUrl: hook.url, sleep });

    // Act
    await notifier.publish([event(1)]);

    // Assess
    expect(hook.received).toHaveLength(2);
    expect(waits).toHaveLength(1);
  });

  it('does not retry a 400 and reports the event as failed', async () => {
    // Prepare
    const hook = await webhook([{ status: 400, body: 'invalid_blocks' }, { status: 200 }]);
    const { waits, sleep } = recordingSleep();
    const notifier = new SlackNotifier({ webhookUrl: hook.url, sleep });
    const e = event(1);

    // Act
    const error = await rejection(notifier.publish([e]));

    // Assess
    expect(hook.received).toHaveLength(1);
    expect(waits).toEqual([]);
    expect(error).toBeInstanceOf(DeliveryError);
    expect((error as DeliveryError).failed).toEqual([e]);
    expect(error.message).toContain('HTTP 400 "invalid_blocks"; not retried');
  });

  it('gives up after maxAttempts on a webhook that always answers 503, naming the failed events', async () => {
    // Prepare
    const hook = await webhook([{ status: 503 }]);
    const { waits, sleep } = recordingSleep();
    const notifier = new SlackNotifier({ webhookUrl: hook.url, maxAttempts: 3, sleep });
    const events = [event(1), event(2)];

    // Act
    const error = await rejection(notifier.publish(events));

    // Assess
    expect(error).toBeInstanceOf(DeliveryError);
    expect(error.name).toBe('DeliveryError');
    expect((error as DeliveryError).failed).toEqual(events);
    expect(hook.received).toHaveLength(6);
    expect(waits).toHaveLength(4);
    expect(error.message).toContain('2 of 2 events');
    expect(error.message).toContain('failed after 3 attempts (last: HTTP 503 "error")');
    expect(error.message).toContain('kept as undelivered, to be re-sent');
    expect(error.message).not.toContain('modelreg');
    expect(error.message).not.toContain('SECRETPART');
  });

  it('tries five times by default', async () => {
    // Prepare
    const hook = await webhook([{ status: 503 }]);
    const { waits, sleep } = recordingSleep();
    const notifier = new SlackNotifier({ webhookUrl: hook.url, sleep });

    // Act
    const error = await rejection(notifier.publish([event(1)]));

    // Assess
    expect(error).toBeInstanceOf(DeliveryError);
    expect(hook.received).toHaveLength(5);
    expect(waits).toHaveLength(4);
  });

  it('keeps delivering after one event fails and reports only the failed one', async () => {
    // Prepare
    const hook = await webhook([{ status: 200 }, { status: 404, body: 'no_service' }, { status: 200 }]);
    const { sleep } = recordingSleep();
    const notifier = new SlackNotifier({ webhookUrl: hook.url, sleep });
    const events = [event(1), event(2), event(3)];

    // Act
    const error = await rejection(notifier.publish(events));

    // Assess
    expect(hook.received).toHaveLength(3);
    expect((error as DeliveryError).failed).toEqual([events[1]]);
    expect(error.message).toContain('1 of 3 events');
  });

  it('adds decision links to approval requests and deltas against production metrics', async () => {
    // Prepare
    const hook = await webhook([{ status: 200 }]);
    const links = {
      approve: 'https://r.example/approvals/apr-1/approve?token=t1',
      reject: 'https://r.example/approvals/apr-1/reject?token=t2',
    };
    const notifier = new SlackNotifier({
      webhookUrl: hook.url,
      linksFor: (e) => (e.type === 'model.approval.request' ? links : null),
      productionMetricsFor: async () => ({ auc: 0.919 }),
    });

    // Act
    await notifier.publish([
      event(1, { type: 'model.approval.request', details: { approvalId: 'apr-1', metrics: { auc: 0.931 } } }),
    ]);

    // Assess
    const json = JSON.stringify(hook.received[0]?.body);
    expect(json).toContain('"url":"https://r.example/approvals/apr-1/approve?token=t1"');
    expect(json).toContain('"url":"https://r.example/approvals/apr-1/reject?token=t2"');
    expect(json).toContain('auc 0.9310 (+0.0120 vs production)');
  });

  it('still delivers, without deltas, when the production metrics lookup fails', async () => {
    // Prepare
    const hook = await webhook([{ status: 200 }]);
    const notifier = new SlackNotifier({
      webhookUrl: hook.url,
      productionMetricsFor: async () => {
        throw new Error('store down');
      },
    });

    // Act
    await notifier.publish([event(1)]);

    // Assess
    const json = JSON.stringify(hook.received[0]?.body);
    expect(json).toContain('auc 0.9310');
    expect(json).not.toContain('vs production');
  });

  it('refuses a bad maxAttempts or an empty webhook URL when built', () => {
    // Act / Assess
    expect(() => new SlackNotifier({ webhookUrl: 'http://x', maxAttempts: 0 })).toThrow(ValidationError);
    expect(() => new SlackNotifier({ webhookUrl: '' })).toThrow(/webhook URL is empty/);
  });
});

describe('postToSlack', () => {
  it('returns the attempts it took', async () => {
    // Prepare
    const hook = await webhook([{ status: 503, headers: { 'retry-after': '2' } }, { status: 200 }]);
    const { waits, sleep } = recordingSleep();

    // Act
    const result = await postToSlack(hook.url, { text: 'hi' }, { sleep });

    // Assess
    expect(result).toEqual({ attempts: 2, status: 200 });
    expect(hook.received.map((r) => r.body)).toEqual([{ text: 'hi' }, { text: 'hi' }]);
    expect(waits).toEqual([2000]);
  });

  it('throws a SlackWebhookError with the last status and attempt count', async () => {
    // Prepare
    const hook = await webhook([{ status: 429 }]);
    const { sleep } = recordingSleep();

    // Act
    const error = await rejection(
      postToSlack(hook.url, { text: 'hi' }, { sleep, maxAttempts: 2, random: () => 0 }),
    );

    // Assess
    expect(error).toBeInstanceOf(SlackWebhookError);
    expect((error as SlackWebhookError).details).toEqual({ status: 429, attempts: 2 });
  });

  it('keeps the webhook URL out of network error messages', async () => {
    // Prepare
    const url = 'not a url/SECRETPART';
    const { sleep } = recordingSleep();

    // Act
    const error = await rejection(postToSlack(url, {}, { sleep, maxAttempts: 1 }));

    // Assess
    expect(error).toBeInstanceOf(SlackWebhookError);
    expect(error.message).toContain('network error');
    expect(error.message).not.toContain('SECRETPART');
  });
});

describe('retry timing', () => {
  it('reads Retry-After as seconds or an HTTP date, capped at a minute', () => {
    // Prepare
    const now = Date.parse('2025-06-01T10:00:00Z');

    // Act / Assess
    expect(retryAfterMs('1')).toBe(1000);
    expect(retryAfterMs(' 0.5 ')).toBe(500);
    expect(retryAfterMs('Sun, 01 Jun 2025 10:00:03 GMT', now)).toBe(3000);
    expect(retryAfterMs('3600')).toBe(60_000);
    expect(retryAfterMs('soon')).toBeNull();
    expect(retryAfterMs(null)).toBeNull();
  });

  it('backs off exponentially with jitter and never beyond 30 s', () => {
    // Act / Assess
    expect(backoffMs(1, () => 0)).toBe(250);
    expect(backoffMs(1, () => 1)).toBe(500);
    expect(backoffMs(3, () => 0.5)).toBe(1500);
    expect(backoffMs(30, () => 1)).toBe(30_000);
    expect(backoffMs(30, () => 0)).toBe(15_000);
  });
});

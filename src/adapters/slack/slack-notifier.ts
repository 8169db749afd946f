/**
 * Registry events to a Slack channel through an incoming webhook. The webhook URL is a
 * credential: it never appears in errors or logs written here.
 */
import { DeliveryError, ModelregError, ValidationError } from '../../core/errors.js';
import type { Notifier, RegistryEvent } from '../../core/ports.js';
import { slackMessage } from './blocks.js';

/** Longest wait between two attempts when Slack gives no Retry-After. */
export const MAX_BACKOFF_MS = 30_000;
/** Longest Retry-After honoured, so one throttled message cannot hold a Lambda for minutes. */
export const MAX_RETRY_AFTER_MS = 60_000;
const BASE_BACKOFF_MS = 500;
const DEFAULT_TIMEOUT_MS = 10_000;

/** How a webhook post is retried; every I/O dependency is injectable for tests. */
export interface PostToSlackOptions {
  /** Attempts in all, the first included. @default 5 */
  maxAttempts?: number;
  fetch?: typeof fetch;
  /** Waits between attempts. @default setTimeout */
  sleep?: (ms: number) => Promise<void>;
  /** Source of jitter in [0, 1). @default Math.random */
  random?: () => number;
  /** Time limit of one attempt. @default 10000 */
  timeoutMs?: number;
}

/** What a successful post took. */
export interface PostToSlackResult {
  attempts: number;
  status: number;
}

/**
 * Slack did not take a message: a 4xx other than 429 (at once, since repeating cannot
 * help), or 429/5xx/network failures on every attempt. `details.status` is the last
 * HTTP status (null for network failures) and `details.attempts` the attempts made.
 */
export class SlackWebhookError extends ModelregError {
  override readonly name = 'SlackWebhookError';
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Retry-After as milliseconds (delta-seconds or an HTTP date), or null when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number = Date.now()): number | null {
  if (header === null) return null;
  const value = header.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Math.min(Number(value) * 1000, MAX_RETRY_AFTER_MS);
  const at = Date.parse(value);
  if (Number.isNaN(at)) return null;
  return Math.min(Math.max(0, at - now), MAX_RETRY_AFTER_MS);
}

/**
 * Exponential backoff with "equal jitter": half of 500 ms × 2^(attempt-1) fixed, half
 * random, capped at 30 s, so that throttled senders do not retry in lockstep.
 */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

function isRetryable(status: number): boolean {
  return status === 429 || status >= 500;
}

async function bodyText(response: Response): Promise<string> {
  try {
    return (await response.text()).slice(0, 200);
  } catch {
    return '';
  }
}

/**
 * POSTs one JSON body to a Slack webhook, retrying 429 and 5xx answers (and network
 * failures) with Retry-After or jittered backoff, never other 4xx. Shared by the
 * SlackNotifier and the notify-slack Lambda, so both retry the same way.
 */
export async function postToSlack(
  webhookUrl: string,
  body: unknown,
  options: PostToSlackOptions = {},
): Promise<PostToSlackResult> {
  const maxAttempts = options.maxAttempts ?? 5;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new ValidationError(`maxAttempts ${maxAttempts} is not a positive integer; use 1 or more.`, {
      maxAttempts,
    });
  }
  const doFetch = options.fetch ?? globalThis.fetch;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const payload = JSON.stringify(body);

  let last = 'no attempt made';
  let lastStatus: number | null = null;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    let wait: number;
    try {
      const response = await doFetch(webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: payload,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await bodyText(response);
      if (response.ok) return { attempts: attempt, status: response.status };
      lastStatus = response.status;
      last = `HTTP ${response.status}${text ? ` ${JSON.stringify(text)}` : ''}`;
      if (!isRetryable(response.status)) {
        throw new SlackWebhookError(
          `Slack webhook refused the message with ${last}; not retried. Check the webhook URL and the message payload.`,
          { status: response.status, attempts: attempt, response: text },
        );
      }
      wait = retryAfterMs(response.headers.get('retry-after')) ?? backoffMs(attempt, random);
    } catch (error) {
      if (error instanceof SlackWebhookError) throw error;
      lastStatus = null;
      // Parse errors quote the URL: keep the secret out of the message.
      last = `network error: ${((error as Error)?.message ?? String(error)).replaceAll(webhookUrl, '<webhook url>')}`;
      wait = backoffMs(attempt, random);
    }
    if (attempt < maxAttempts) await sleep(wait);
  }
  throw new SlackWebhookError(
    `Slack webhook failed after ${maxAttempts} attempts (last: ${last}). Slack may be throttling or down; send again later.`,
    { status: lastStatus, attempts: maxAttempts },
  );
}

/** Options of the Slack notifier. */
export interface SlackNotifierOptions {
  /** Incoming webhook URL (a secret). */
  webhookUrl: string;
  /** Shown in messages. @default 'dev' */
  environment?: string;
  /** Attempts per event. @default 5 */
  maxAttempts?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** Signed approve/reject URLs of an approval request event (null: no buttons). */
  linksFor?: (event: RegistryEvent) => { approve: string; reject: string } | null;
  /** Metrics of the production version the event's version is compared with (null: no deltas). */
  productionMetricsFor?: (event: RegistryEvent) => Promise<Record<string, number> | null>;
}

/**
 * Posts each registry event to Slack as a Block Kit message, one at a time and in order
 * (Slack throttles webhooks to about one message a second). Events that still fail after
 * the retries are thrown together in a DeliveryError, so the registry keeps exactly those
 * as undelivered and `modelreg notifications resend` can send them again.
 */
export class SlackNotifier implements Notifier {
  constructor(private readonly options: SlackNotifierOptions) {
    if (!options.webhookUrl)
      throw new ValidationError('the Slack webhook URL is empty; set it to the incoming webhook URL.');
    const n = options.maxAttempts;
    if (n !== undefined && (!Number.isInteger(n) || n < 1)) {
      throw new ValidationError(`maxAttempts ${n} is not a positive integer; use 1 or more.`, {
        maxAttempts: n,
      });
    }
  }

  /** The webhook body of one event (exposed for tests and previews). */
  async message(event: RegistryEvent) {
    let productionMetrics: Record<string, number> | null = null;
    try {
      productionMetrics = (await this.options.productionMetricsFor?.(event)) ?? null;
    } catch {
      // Deltas are a nicety: a failed lookup must not hold back the notification.
    }
    return slackMessage(event, {
      environment: this.options.environment ?? 'dev',
      productionMetrics,
      links: this.options.linksFor?.(event) ?? null,
    });
  }

  async publish(events: readonly RegistryEvent[]): Promise<void> {
    const failed: RegistryEvent[] = [];
    const reasons: string[] = [];
    for (const event of events) {
      try {
        await postToSlack(this.options.webhookUrl, await this.message(event), {
          ...(this.options.maxAttempts !== undefined ? { maxAttempts: this.options.maxAttempts } : {}),
          ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
          ...(this.options.sleep ? { sleep: this.options.sleep } : {}),
        });
      } catch (error) {
        failed.push(event);
        reasons.push(`${event.type} #${event.seq}: ${(error as Error)?.message ?? String(error)}`);
      }
    }
    if (failed.length > 0) {
      throw new DeliveryError(
        `Slack delivery failed for ${failed.length} of ${events.length} events (${reasons[0]}${
          reasons.length > 1 ? ` and ${reasons.length - 1} more` : ''
        }); they are kept as undelivered, to be re-sent.`,
        failed,
      );
    }
  }
}

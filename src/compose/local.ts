/**
 * The composition root of the embedded backend: SQLite + the filesystem + the local outbox
 * (and Slack, when a webhook is set) built into a `Registry`. Only the CLI, the TypeScript
 * API and tests reach it; the Lambda bundles never do.
 */
import { join, resolve } from 'node:path';
import { CompositeNotifier } from '../adapters/composite-notifier.js';
import { FsArtifactStore } from '../adapters/local/fs-artifact-store.js';
import { OutboxNotifier } from '../adapters/local/outbox-notifier.js';
import { SqliteRegistryStore } from '../adapters/local/sqlite-store.js';
import { SlackNotifier } from '../adapters/slack/slack-notifier.js';
import { Registry, type RegistryPorts } from '../app/registry.js';
import type { Notifier, RegistryEvent } from '../core/ports.js';

/** Options of the embedded backend. */
export interface LocalBackendOptions {
  /** The store directory (holds registry.db, artifacts and notifications.jsonl). */
  store: string;
  /** Called for each event after it is written to the outbox. */
  onEvent?: (event: RegistryEvent) => void;
  /** Also post every event to this Slack webhook (default: MODELREG_SLACK_WEBHOOK_URL). */
  slackWebhookUrl?: string;
}

/** Builds a registry on SQLite + the filesystem + the local outbox (and Slack, when a webhook is set). */
export function openLocalRegistry(
  options: LocalBackendOptions,
  extra: Omit<RegistryPorts, 'store' | 'artifacts' | 'notifier'> = {},
): Registry {
  const root = resolve(options.store);
  const outbox = new OutboxNotifier(join(root, 'notifications.jsonl'), options.onEvent);
  const webhook = options.slackWebhookUrl ?? process.env.MODELREG_SLACK_WEBHOOK_URL;
  const notifier: Notifier = webhook
    ? new CompositeNotifier([
        outbox,
        new SlackNotifier({ webhookUrl: webhook, environment: process.env.MODELREG_ENVIRONMENT ?? 'local' }),
      ])
    : outbox;
  return new Registry({
    ...extra,
    store: new SqliteRegistryStore(join(root, 'registry.db')),
    artifacts: new FsArtifactStore(root),
    notifier,
  });
}

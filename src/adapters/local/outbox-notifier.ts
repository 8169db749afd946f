import { appendFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Notifier, RegistryEvent } from '../../core/ports.js';

/**
 * The embedded notifier: appends each event as one JSON line to
 * `{store}/notifications.jsonl` (an outbox other tools can tail), and hands it to an
 * optional listener (the CLI prints a line).
 */
export class OutboxNotifier implements Notifier {
  /** The outbox's directory, made on the first publish (not on every one). */
  private ready: Promise<unknown> | undefined;

  constructor(
    private readonly file: string,
    private readonly listener?: (event: RegistryEvent) => void,
  ) {}

  async publish(events: readonly RegistryEvent[]): Promise<void> {
    if (events.length === 0) return;
    this.ready ??= mkdir(dirname(this.file), { recursive: true }).catch((e: unknown) => {
      this.ready = undefined;
      throw e;
    });
    await this.ready;
    // one small synchronous append, like the SQLite commit before it: cheaper than a trip
    // through the thread pool, and the line is on disk before the call returns
    appendFileSync(this.file, events.map((e) => `${JSON.stringify(e)}\n`).join(''));
    if (this.listener) for (const e of events) this.listener(e);
  }
}

import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Notifier, RegistryEvent } from '../../core/ports.js';

/**
 * The embedded notifier: appends each event as one JSON line to
 * `{store}/notifications.jsonl` (an outbox other tools can tail), and hands it to an
 * optional listener (the CLI prints a line).
 */
export class OutboxNotifier implements Notifier {
  constructor(
    private readonly file: string,
    private readonly listener?: (event: RegistryEvent) => void,
  ) {}

  async publish(events: readonly RegistryEvent[]): Promise<void> {
    if (events.length === 0) return;
    await mkdir(dirname(this.file), { recursive: true });
    await appendFile(this.file, events.map((e) => `${JSON.stringify(e)}\n`).join(''));
    if (this.listener) for (const e of events) this.listener(e);
  }
}

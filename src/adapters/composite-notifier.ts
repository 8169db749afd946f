import { DeliveryError } from '../core/errors.js';
import type { Notifier, RegistryEvent } from '../core/ports.js';

/**
 * Tells several channels (the local outbox and Slack, say). Every channel gets every
 * event; the events some channel failed to take are reported together, so the registry
 * keeps them as undelivered (a re-send goes to every channel again; `seq` identifies
 * duplicates).
 */
export class CompositeNotifier implements Notifier {
  constructor(private readonly channels: readonly Notifier[]) {}

  async publish(events: readonly RegistryEvent[]): Promise<void> {
    const failed = new Set<RegistryEvent>();
    const messages: string[] = [];
    for (const channel of this.channels) {
      try {
        await channel.publish(events);
      } catch (e) {
        messages.push((e as Error).message);
        const which = e instanceof DeliveryError ? (e.failed as RegistryEvent[]) : events;
        for (const ev of which) failed.add(ev);
      }
    }
    if (failed.size > 0) {
      throw new DeliveryError(
        messages.join('; '),
        events.filter((e) => failed.has(e)),
      );
    }
  }
}

import { join, resolve } from 'node:path';
import { Registry, type RegistryPorts } from '../../app/registry.js';
import type { RegistryEvent } from '../../core/ports.js';
import { FsArtifactStore } from './fs-artifact-store.js';
import { OutboxNotifier } from './outbox-notifier.js';
import { SqliteRegistryStore } from './sqlite-store.js';

/** Options of the embedded backend. */
export interface LocalBackendOptions {
  /** The store directory (holds registry.db, artifacts and notifications.jsonl). */
  store: string;
  /** Called for each event after it is written to the outbox. */
  onEvent?: (event: RegistryEvent) => void;
}

/** Builds a registry on SQLite + the filesystem + the local outbox. */
export function openLocalRegistry(
  options: LocalBackendOptions,
  extra: Omit<RegistryPorts, 'store' | 'artifacts' | 'notifier'> = {},
): Registry {
  const root = resolve(options.store);
  return new Registry({
    ...extra,
    store: new SqliteRegistryStore(join(root, 'registry.db')),
    artifacts: new FsArtifactStore(root),
    notifier: new OutboxNotifier(join(root, 'notifications.jsonl'), options.onEvent),
  });
}

/**
 * The embedded backend (SQLite + filesystem + JSONL outbox) in a fresh temp directory,
 * shaped as the contract suite's ContractBackend so the same tests run over it.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsArtifactStore } from '../../src/adapters/local/fs-artifact-store.js';
import { OutboxNotifier } from '../../src/adapters/local/outbox-notifier.js';
import { SqliteRegistryStore } from '../../src/adapters/local/sqlite-store.js';
import { Registry } from '../../src/app/registry.js';
import type { RegistryEvent, RegistryStore } from '../../src/core/ports.js';
import type { ContractBackend, RegistryOptions } from '../contract/registry-contract.js';

/** A local backend plus what local-only tests need to look behind the API. */
export interface LocalBackend extends ContractBackend {
  /** The store directory: registry.db, artifacts, notifications.jsonl. */
  dir: string;
  /** Every SQLite store opened so far, in order (one per `registry()` call). */
  stores: SqliteRegistryStore[];
  /** A registry whose store is `wrap(new SqliteRegistryStore(...))`, e.g. to inject failures. */
  registryWith: (
    wrap: (store: SqliteRegistryStore) => RegistryStore,
    options?: RegistryOptions & { maxAttempts?: number },
  ) => Registry;
}

/** Reads the outbox: one JSON event per line, in the order they were appended. */
export async function readOutbox(file: string): Promise<RegistryEvent[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return [];
    throw e;
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as RegistryEvent);
}

/** Opens a fresh embedded backend in its own temp directory. */
export async function makeLocalBackend(): Promise<LocalBackend> {
  const dir = await mkdtemp(join(tmpdir(), 'modelreg-local-'));
  const stores: SqliteRegistryStore[] = [];
  const outbox = join(dir, 'notifications.jsonl');

  const registryWith = (
    wrap: (store: SqliteRegistryStore) => RegistryStore,
    options: RegistryOptions & { maxAttempts?: number } = {},
  ): Registry => {
    const store = new SqliteRegistryStore(join(dir, 'registry.db'));
    stores.push(store);
    return new Registry({
      store: wrap(store),
      artifacts: new FsArtifactStore(dir),
      notifier: new OutboxNotifier(outbox),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
      actor: options.actor ?? 'contract-tester',
    });
  };

  return {
    dir,
    stores,
    registryWith,
    registry: (options = {}) => registryWith((store) => store, options),
    events: () => readOutbox(outbox),
    overwriteArtifact: async (uri, content) => {
      await writeFile(join(dir, uri.replace(/^store:/, '')), content);
    },
    cleanup: async () => {
      for (const store of stores) await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

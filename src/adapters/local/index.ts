/** The embedded backend's adapters (the registry is built from them in src/compose/local.ts). */
export { FsArtifactStore } from './fs-artifact-store.js';
export { OutboxNotifier } from './outbox-notifier.js';
export { SqliteRegistryStore } from './sqlite-store.js';

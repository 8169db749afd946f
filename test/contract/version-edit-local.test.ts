/** Version edits in the SQLite store: the checks of version-edit-store.ts. */
import { makeLocalBackend } from '../support/local-backend.js';
import { describeEditStore } from './version-edit-store.js';

describeEditStore('SQLite', async () => {
  const backend = await makeLocalBackend();
  const registry = backend.registry({ actor: 'edit-tester' });
  return { registry, store: backend.stores.at(-1)!, cleanup: backend.cleanup };
});

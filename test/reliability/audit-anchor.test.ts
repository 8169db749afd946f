/** The audit chain under attack on the embedded backend (raw SQL on registry.db). */
import type { AuditEvent, AuditTip } from '../../src/core/audit.js';
import type { ModelRef } from '../../src/core/model.js';
import { makeLocalBackend } from '../support/local-backend.js';
import { auditReliabilitySuite, type TamperableBackend } from './audit-suite.js';

auditReliabilitySuite('local (SQLite)', async (): Promise<TamperableBackend> => {
  const backend = await makeLocalBackend();
  const db = () => {
    const store = backend.stores[0];
    if (!store) throw new Error('test setup: open a registry before tampering');
    return store.database;
  };
  return {
    ...backend,
    store: () => backend.stores[0]!,
    tamper: {
      async putEvent(ref: ModelRef, event: AuditEvent) {
        db()
          .prepare('INSERT OR REPLACE INTO audit (use_case, model_name, seq, doc) VALUES (?, ?, ?, ?)')
          .run(ref.useCase, ref.modelName, event.seq, JSON.stringify(event));
      },
      async removeEvent(ref: ModelRef, seq: number) {
        db()
          .prepare('DELETE FROM audit WHERE use_case = ? AND model_name = ? AND seq = ?')
          .run(ref.useCase, ref.modelName, seq);
      },
      async setTip(ref: ModelRef, tip: AuditTip) {
        db()
          .prepare(
            `UPDATE heads SET doc = json_set(doc, '$.auditTip', json(?)) WHERE use_case = ? AND model_name = ?`,
          )
          .run(JSON.stringify(tip), ref.useCase, ref.modelName);
      },
    },
  };
});

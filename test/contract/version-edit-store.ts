/**
 * Store-level checks of a version edit, run on both stores: an edit is conditioned on the
 * version's stage like a stage change, and a failed condition writes nothing of the change.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Registry } from '../../src/app/registry.js';
import { ConcurrentModificationError } from '../../src/core/errors.js';
import type { RegistryStore } from '../../src/core/ports.js';
import { decideEdit } from '../../src/core/version-edit.js';
import { rejection } from './registry-contract.js';

/** A registry and the store under it, on one fresh backend. */
export interface EditStoreBackend {
  registry: Registry;
  store: RegistryStore;
  cleanup: () => Promise<void>;
}

/** Runs the edit store checks on one backend. */
export function describeEditStore(name: string, make: () => Promise<EditStoreBackend>): void {
  describe(`version edits in the store: ${name}`, () => {
    let b: EditStoreBackend;
    let work: string;
    const ref = { useCase: 'crm', modelName: 'churn' };

    beforeEach(async () => {
      b = await make();
      work = await mkdtemp(join(tmpdir(), 'modelreg-edit-store-'));
    });
    afterEach(async () => {
      await b.cleanup();
      await rm(work, { recursive: true, force: true });
    });

    it('refuses an edit of a version that left its stage, and writes nothing of the change', async () => {
      // Prepare
      const file = join(work, 'm.bin');
      await writeFile(file, 'weights');
      const v = await b.registry.register({ ...ref, artifactPath: file, tags: { team: 'risk' } });
      const { versions: before } = await b.store.getHeadAndVersions(ref, [v.version]);
      const stale = before.get(v.version)!;
      await b.registry.promote({ ...ref, version: v.version, to: 'staging' });
      const { head } = await b.store.getHeadAndVersions(ref, []);
      const who = { actor: 'ana', now: new Date().toISOString() };
      const { change } = decideEdit(
        ref,
        head!,
        stale,
        { description: 'stale', tags: {}, untag: ['team'] },
        who,
      );

      // Act
      const error = await rejection(b.store.commit(change!), ConcurrentModificationError);

      // Assess
      expect(error.message).toContain('is no longer development');
      const after = await b.store.getHeadAndVersions(ref, [v.version]);
      expect(after.head!.revision).toBe(head!.revision);
      expect(after.versions.get(v.version)).toMatchObject({ stage: 'staging', tags: { team: 'risk' } });
      expect(after.versions.get(v.version)!.description).toBeUndefined();
      const audit = await b.store.listAudit(ref, {});
      expect(audit.items.map((e) => e.action)).not.toContain('edit');
    });

    it('applies an edit whose stage still holds, and the version reads edited through every query', async () => {
      // Prepare
      const file = join(work, 'm.bin');
      await writeFile(file, 'weights');
      const v = await b.registry.register({
        ...ref,
        artifactPath: file,
        tags: { team: 'risk' },
        lineage: { runId: 'run-9' },
      });

      // Act
      await b.registry.edit({ ...ref, version: v.version, description: 'now', tags: { team: 'growth' } });

      // Assess
      const byKey = (await b.store.getHeadAndVersions(ref, [v.version])).versions.get(v.version);
      const byList = (await b.store.listVersions(ref, {})).items[0];
      const byStage = (await b.store.listVersionsInStage('development', { useCase: 'crm' })).items[0];
      const byRun = (await b.store.findByRunId('run-9', {})).items[0];
      for (const read of [byKey, byList, byStage, byRun]) {
        expect(read).toMatchObject({ description: 'now', tags: { team: 'growth' }, artifact: v.artifact });
      }
    });
  });
}

/**
 * `lineage reindex` on the embedded store: versions whose index entries are missing (as for
 * versions registered before the index existed) are found by the walk again after it.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsArtifactStore } from '../../src/adapters/local/fs-artifact-store.js';
import { SqliteRegistryStore } from '../../src/adapters/local/sqlite-store.js';
import { Registry } from '../../src/app/registry.js';

describe('lineage reindex', () => {
  let dir: string;
  let store: SqliteRegistryStore;
  let registry: Registry;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'modelreg-reindex-'));
    store = new SqliteRegistryStore(join(dir, 'registry.db'));
    registry = new Registry({
      store,
      artifacts: new FsArtifactStore(join(dir, 'artifacts')),
      notifier: { publish: async () => {} },
      actor: 'tester',
    });
    for (const [model, datasetVersion] of [
      ['a', 'ds-1'],
      ['b', 'ds-1'],
      ['c', null],
    ] as const) {
      const path = join(dir, `${model}.bin`);
      await writeFile(path, `weights of ${model}`);
      await registry.register({
        useCase: 'uc',
        modelName: model,
        artifactPath: path,
        lineage: { datasetVersion, featureSet: model === 'a' ? { name: 'fs', version: '1' } : null },
      });
    }
  });

  afterEach(async () => {
    await registry.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the missing entries, after which the walk finds the versions again', async () => {
    // Prepare: the index as a registry from before it existed would have it (empty)
    store.database.prepare("DELETE FROM records WHERE kind = 'lineage'").run();
    expect((await registry.lineageWalk({ datasetVersion: 'ds-1' })).versions).toEqual([]);
    // Act
    const dry = await registry.reindexLineage({ dryRun: true });
    const afterDry = await registry.lineageWalk({ datasetVersion: 'ds-1' });
    const real = await registry.reindexLineage();
    const again = await registry.reindexLineage();
    // Assess
    expect(dry).toEqual({ versions: 3, written: 3, present: 0, dryRun: true });
    expect(afterDry.versions).toEqual([]);
    expect(real).toEqual({ versions: 3, written: 3, present: 0, dryRun: false });
    expect(again).toEqual({ versions: 3, written: 0, present: 3, dryRun: false });
    const walk = await registry.lineageWalk({ datasetVersion: 'ds-1' });
    expect(walk.versions.map((v) => v.modelName).sort()).toEqual(['a', 'b']);
    expect((await registry.lineageWalk({ featureSet: { name: 'fs', version: '1' } })).versions).toHaveLength(
      1,
    );
  });

  it('refuses an input it does not know', async () => {
    await expect(registry.reindexLineage({ dryrun: true } as never)).rejects.toThrow(/dryrun/);
  });
});

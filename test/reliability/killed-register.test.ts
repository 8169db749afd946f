/**
 * A registration killed between its upload and its commit, on the embedded backend:
 * nothing half-registered is visible, the chain is intact, no notification claims a
 * version that does not exist, and the next registration takes the version over.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SqliteRegistryStore } from '../../src/adapters/local/sqlite-store.js';
import { openRegistry } from '../../src/index.js';
import { requireBuiltCli, runCli } from '../cli/run-cli.js';
import { readOutbox } from '../support/local-backend.js';
import { killBeforeCommit } from './kill.js';

describe('a register killed between upload and commit (local)', () => {
  let dir: string;
  let store: string;
  const ref = { useCase: 'fraud', modelName: 'risk' };
  const args = (file: string) => [
    'models',
    'register',
    '--use-case',
    ref.useCase,
    '--model',
    ref.modelName,
    '--artifact',
    file,
    '--store',
    store,
  ];

  beforeAll(requireBuiltCli);
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'modelreg-kill-'));
    store = join(dir, 'store');
    await writeFile(join(dir, 'a.bin'), 'weights a');
    await writeFile(join(dir, 'b.bin'), 'weights b');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('leaves no version, no audit event and no notification; 1.0.0 is refused within the minute and taken over after it', async () => {
    const killed = await killBeforeCommit(args('a.bin'), { cwd: dir, env: {} });
    expect(killed.signal).toBe('SIGKILL');
    // the upload happened: the artifact sits under the version it was about to commit
    expect(existsSync(join(store, ref.useCase, ref.modelName, 'versions', '1.0.0'))).toBe(true);

    const raw = new SqliteRegistryStore(join(store, 'registry.db'));
    expect(await raw.getHead(ref)).toBeNull();
    expect((await raw.listAudit(ref, {})).items).toEqual([]);
    await raw.close();
    expect(await readOutbox(join(store, 'notifications.jsonl'))).toEqual([]);

    // within the minute the upload may still be in progress: a registration is refused, typed, and writes nothing
    const early = await runCli([...args('b.bin'), '--json'], { cwd: dir });
    expect(early.code, early.stderr).toBe(5);
    expect(JSON.parse(early.stdout).error.name).toBe('ConcurrentModificationError');
    // a minute later (the age after which an untouched upload counts as abandoned, not in progress)
    const past = new Date(Date.now() - 120_000);
    await utimes(join(store, ref.useCase, ref.modelName, 'versions', '1.0.0'), past, past);
    const again = await runCli([...args('b.bin'), '--json'], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    const registry = await openRegistry({ store });
    try {
      const versions = (await registry.listVersions({ ...ref, limit: 10 })).items;
      expect(versions.map((v) => [v.version, v.stage])).toEqual([['1.0.0', 'development']]);
      // the version holds b's bytes, not the killed run's: the abandoned upload was set aside
      const got = await registry.getArtifact({ ...ref, version: '1.0.0', output: join(dir, 'out') });
      expect(got.verified).toBe(true);
      expect(versions[0]!.artifact.sha256).toBe(got.sha256);
      expect(await registry.verifyAudit(ref)).toEqual({ valid: true, checked: 1 });
    } finally {
      await registry.close();
    }
    const told = await readOutbox(join(store, 'notifications.jsonl'));
    expect(told.map((e) => [e.type, e.version])).toEqual([['model.register', '1.0.0']]);
    expect(await readdir(join(store, ref.useCase, ref.modelName, 'versions'))).toEqual(['1.0.0']);
  });
});

/**
 * What only the embedded backend has: its layout on disk, its SQLite rows, its cleanup
 * of artifacts when a commit fails. The behaviour every backend shares lives in
 * registry-contract.ts.
 */
import { createHash, randomUUID } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rename, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsArtifactStore } from '../../src/adapters/local/fs-artifact-store.js';
import { SqliteRegistryStore } from '../../src/adapters/local/sqlite-store.js';
import type { Registry } from '../../src/app/registry.js';
import {
  ArtifactIntegrityError,
  ConcurrentModificationError,
  ModelNotFoundError,
  NotFoundError,
  ValidationError,
  VersionNotFoundError,
} from '../../src/core/errors.js';
import type { ChangeSet, RegistryStore } from '../../src/core/ports.js';
import { openRegistry } from '../../src/index.js';
import {
  listFilesUnder,
  readTree,
  sha256,
  storedPath,
  writeFileArtifact,
  writeTree,
} from '../support/artifacts.js';
import { type LocalBackend, makeLocalBackend } from '../support/local-backend.js';
import { rejection } from './registry-contract.js';

/** A store that runs `before` ahead of every commit (to fail it, or to race it), then commits. */
function interceptCommits(
  store: SqliteRegistryStore,
  before: (change: ChangeSet, call: number) => Promise<void> | void,
): RegistryStore {
  let call = 0;
  return {
    getHead: (ref) => store.getHead(ref),
    getHeadAndVersions: (ref, versions) => store.getHeadAndVersions(ref, versions),
    listVersions: (ref, options) => store.listVersions(ref, options),
    listVersionsInStage: (stage, options) => store.listVersionsInStage(stage, options),
    listModels: (useCase, options) => store.listModels(useCase, options),
    findByRunId: (runId, options) => store.findByRunId(runId, options),
    listAudit: (ref, options) => store.listAudit(ref, options),
    commit: async (change) => {
      call += 1;
      await before(change, call);
      await store.commit(change);
    },
    putRecord: (write) => store.putRecord(write),
    getRecord: (kind, id) => store.getRecord(kind, id),
    listRecords: (kind, filter, options) => store.listRecords(kind, filter, options),
    saveUndelivered: (items) => store.saveUndelivered(items),
    listUndelivered: (options) => store.listUndelivered(options),
    deleteUndelivered: (ids) => store.deleteUndelivered(ids),
    listUseCases: (options) => store.listUseCases(options),
    saveOrphan: (orphan) => store.saveOrphan(orphan),
    listOrphans: (options) => store.listOrphans(options),
    deleteOrphan: (orphan) => store.deleteOrphan(orphan),
    close: () => store.close(),
  };
}

describe('local backend only', () => {
  let backend: LocalBackend;
  let work: string;
  let reg: Registry;
  let ref: { useCase: string; modelName: string };

  beforeEach(async () => {
    backend = await makeLocalBackend();
    work = await mkdtemp(join(tmpdir(), 'modelreg-local-work-'));
    reg = backend.registry();
    ref = { useCase: `uc-${randomUUID().slice(0, 8)}`, modelName: 'churn' };
  });

  afterEach(async () => {
    await backend.cleanup();
    await rm(work, { recursive: true, force: true });
  });

  function versionDir(version: string, model = ref): string {
    return join(backend.dir, model.useCase, model.modelName, 'versions', version);
  }

  async function registerFile(content: string, extra: { version?: string } = {}, registry = reg) {
    const path = await writeFileArtifact(join(work, randomUUID(), 'model.pkl'), content);
    return registry.register({ ...ref, artifactPath: path, ...extra });
  }

  describe('layout on disk', () => {
    it('keeps a file artifact under {store}/{useCase}/{model}/versions/{version}/model/ with sidecars', async () => {
      // Prepare
      const path = await writeFileArtifact(join(work, 'model.pkl'), 'pickled weights');
      const metadata = { framework: 'sklearn', params: { C: 1 } };
      const metrics = { auc: 0.91, f1: 0.7 };

      // Act
      const v = await reg.register({ ...ref, artifactPath: path, metadata, metrics });

      // Assess
      const dir = versionDir('1.0.0');
      expect(await listFilesUnder(dir)).toEqual(['metadata.json', 'metrics.json', 'model/model.pkl']);
      expect(await readFile(join(dir, 'model', 'model.pkl'), 'utf8')).toBe('pickled weights');
      expect(JSON.parse(await readFile(join(dir, 'metadata.json'), 'utf8'))).toEqual(metadata);
      expect(JSON.parse(await readFile(join(dir, 'metrics.json'), 'utf8'))).toEqual(metrics);
      expect(v.artifact.uri).toBe(`store:${ref.useCase}/churn/versions/1.0.0/model/model.pkl`);
    });

    it('keeps a directory artifact as the contents of model/', async () => {
      // Prepare
      const files = { 'weights.bin': 'w', 'config/params.json': '{}' };
      const source = await writeTree(join(work, 'bundle'), files);

      // Act
      const v = await reg.register({ ...ref, artifactPath: source });

      // Assess
      const model = join(versionDir('1.0.0'), 'model');
      expect(await readTree(model)).toEqual(files);
      expect(v.artifact.uri.endsWith('/model/')).toBe(true);
    });

    it('leaves no staged copies behind after registrations', async () => {
      // Act
      await registerFile('a');
      await registerFile('b');

      // Assess
      expect(await listFilesUnder(join(backend.dir, '.staging'))).toEqual([]);
    });

    it('appends every event to notifications.jsonl, one JSON object per line', async () => {
      // Prepare
      await registerFile('a');
      await reg.promote({ ...ref, version: '1.0.0' });

      // Act
      const lines = (await readFile(join(backend.dir, 'notifications.jsonl'), 'utf8')).trimEnd().split('\n');

      // Assess
      expect(lines.map((l) => (JSON.parse(l) as { type: string }).type)).toEqual([
        'model.register',
        'model.promote',
      ]);
    });
  });

  describe('leftovers of crashed registrations', () => {
    /** Writes `files` under `{store}/{folder}/{name}` and ages the whole tree by `ageMs`. */
    async function leftover(folder: string, name: string, files: Record<string, string>, ageMs: number) {
      const dir = await writeTree(join(backend.dir, folder, name), files);
      const when = new Date(Date.now() - ageMs);
      const dirs = Object.keys(files).flatMap((f) =>
        f
          .split('/')
          .slice(0, -1)
          .map((_, i, parts) => parts.slice(0, i + 1).join('/')),
      );
      for (const rel of [...Object.keys(files), ...dirs, '.']) await utimes(join(dir, rel), when, when);
      return dir;
    }
    const HOUR = 3_600_000;

    it('removes .staging/<uuid> and .orphans/ entries older than the safe age, reporting the bytes freed', async () => {
      // Prepare: what a killed register leaves, and a set-aside version folder
      const uuid = randomUUID();
      await leftover('.staging', uuid, { 'model.pkl': 'x'.repeat(1000) }, 2 * HOUR);
      await leftover('.orphans', 'churn-1.0.0-abcd1234', { 'model/model.pkl': 'y'.repeat(500) }, 2 * HOUR);
      const fresh = await leftover('.staging', randomUUID(), { 'model.pkl': 'copying' }, 0);

      // Act
      const dry = await reg.sweepArtifacts({ dryRun: true });
      const swept = await reg.sweepArtifacts();

      // Assess
      const expected = [
        { path: `.staging/${uuid}`, bytes: 1000 },
        { path: '.orphans/churn-1.0.0-abcd1234', bytes: 500 },
      ];
      expect(dry).toMatchObject({ leftovers: expected, freedBytes: 1500, dryRun: true });
      expect(swept).toMatchObject({ leftovers: expected, freedBytes: 1500, dryRun: false });
      expect(await listFilesUnder(join(backend.dir, '.staging'))).toEqual([
        `${fresh.split(/[\\/]/).at(-1)}/model.pkl`,
      ]);
      expect(await listFilesUnder(join(backend.dir, '.orphans'))).toEqual([]);
    });

    it('keeps a staged copy a registration is still writing into (a fresh file in an old folder)', async () => {
      // Prepare
      const dir = await leftover('.staging', randomUUID(), { 'old.bin': 'a' }, 2 * HOUR);
      await writeFile(join(dir, 'new.bin'), 'still copying');

      // Act
      const swept = await reg.sweepArtifacts();

      // Assess
      expect(swept.leftovers).toEqual([]);
      expect((await listFilesUnder(dir)).sort()).toEqual(['new.bin', 'old.bin']);
    });

    it('refuses a safe age under one minute', async () => {
      const error = await rejection(reg.sweepArtifacts({ olderThanMs: 1000 }), ValidationError);
      expect(error.message).toContain('at least one minute');
    });
  });

  describe('a store copied or moved', () => {
    async function openAt(store: string) {
      return openRegistry({ backend: 'local', store, actor: 'mover', warn: () => {} });
    }

    it('finds and verifies its own artifacts, never the original store’s', async () => {
      // Prepare: a file and a directory artifact in store A
      const a = join(work, 'store-a');
      const first = await openAt(a);
      const file = await first.register({
        ...ref,
        artifactPath: await writeFileArtifact(join(work, 'in', 'model.pkl'), 'the bytes'),
      });
      const tree = await first.register({
        ...ref,
        artifactPath: await writeTree(join(work, 'bundle'), { 'w.bin': 'w', 'cfg/p.json': '{}' }),
      });
      await first.close();

      // Act: copy A to B and alter A's file; then move B to C
      const b = join(work, 'store-b');
      await cp(a, b, { recursive: true });
      await writeFile(storedPath(a, file.artifact.uri), 'tampered');
      const copied = await openAt(b);
      const fromCopy = await copied.getArtifact({
        ...ref,
        version: file.version,
        output: join(work, 'out-b'),
      });
      await copied.close();
      const original = await openAt(a);
      const fromOriginal = original.getArtifact({
        ...ref,
        version: file.version,
        output: join(work, 'out-a'),
      });
      await rejection(fromOriginal, ArtifactIntegrityError);
      await original.close();
      const c = join(work, 'moved', 'store-c');
      await mkdir(join(work, 'moved'));
      await rename(b, c);
      const moved = await openAt(c);
      const fileAfterMove = await moved.getArtifact({
        ...ref,
        version: file.version,
        output: join(work, 'out-c1'),
      });
      const treeAfterMove = await moved.getArtifact({
        ...ref,
        version: tree.version,
        output: join(work, 'out-c2'),
      });
      await moved.close();

      // Assess
      expect(file.artifact.uri.startsWith('store:')).toBe(true);
      expect(fromCopy.sha256).toBe(file.artifact.sha256);
      expect(await readFile(join(work, 'out-b', 'model.pkl'), 'utf8')).toBe('the bytes');
      expect(fileAfterMove.sha256).toBe(file.artifact.sha256);
      expect(treeAfterMove.sha256).toBe(tree.artifact.sha256);
      expect(await readTree(join(work, 'out-c2'))).toEqual({ 'w.bin': 'w', 'cfg/p.json': '{}' });
    });

    it('still reads an artifact recorded with an absolute file:// URI (before locations were relative)', async () => {
      // Prepare
      const path = await writeFileArtifact(join(work, 'legacy', 'model.pkl'), 'legacy bytes');
      const store = new FsArtifactStore(backend.dir);

      // Act
      const got = await store.fetch(
        { uri: pathToFileURL(path).href, sha256: sha256('legacy bytes'), sizeBytes: 12 },
        join(work, 'legacy-out'),
      );

      // Assess
      expect(got.sha256).toBe(sha256('legacy bytes'));
    });

    it('refuses a store: location that climbs out of the store', async () => {
      const store = new FsArtifactStore(backend.dir);
      await rejection(
        store.fetch({ uri: 'store:../../etc/passwd', sha256: 'a'.repeat(64), sizeBytes: 1 }, join(work, 'x')),
        ValidationError,
      );
    });
  });

  describe('directory digest', () => {
    it('is the sha256 of the sorted manifest of path<TAB>sha256<LF> lines', async () => {
      // Prepare: names whose byte order differs from a depth-first walk ('-' < '.' < '/').
      const files = {
        'a/b.txt': 'nested',
        'a-b.txt': 'dash',
        'a.txt': 'dot',
        'Z.txt': 'upper',
        'deep/er/still.bin': 'deep',
      };
      const source = await writeTree(join(work, 'tree'), files);
      const manifest = Object.keys(files)
        .sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)))
        .map((p) => `${p}\t${sha256(files[p as keyof typeof files])}\n`)
        .join('');

      // Act
      const v = await reg.register({ ...ref, artifactPath: source });

      // Assess
      expect(manifest.split('\n')[0]).toMatch(/^Z\.txt\t/);
      expect(v.artifact.sha256).toBe(createHash('sha256').update(manifest).digest('hex'));
    });

    it('changes when a file is renamed, even with the same bytes', async () => {
      // Prepare
      const a = await writeTree(join(work, 'a'), { 'x.bin': 'same' });
      const b = await writeTree(join(work, 'b'), { 'y.bin': 'same' });

      // Act
      const va = await reg.register({ ...ref, artifactPath: a });
      const vb = await reg.register({ ...ref, artifactPath: b });

      // Assess
      expect(va.artifact.sha256).not.toBe(vb.artifact.sha256);
    });

    it('refuses a directory that contains a symlink with ValidationError', async () => {
      // Prepare
      const source = await writeTree(join(work, 'linked'), { 'real.bin': 'r' });
      await symlink(join(source, 'real.bin'), join(source, 'link.bin'));

      // Act / Assess
      await rejection(reg.register({ ...ref, artifactPath: source }), ValidationError);
      expect(await listFilesUnder(join(backend.dir, '.staging'))).toEqual([]);
    });
  });

  describe('what is never registered', () => {
    it('refuses a top-level symlink as an inner one is refused, saying it is a symlink and to what', async () => {
      // Prepare
      const real = await writeFileArtifact(join(work, 'real', 'model.pkl'), 'r');
      const link = join(work, 'latest.pkl');
      await symlink(real, link);
      const dir = await writeTree(join(work, 'with-link'), { 'a.bin': 'a' });
      await symlink(real, join(dir, 'inner.pkl'));

      // Act
      const top = await rejection(reg.register({ ...ref, artifactPath: link }), ValidationError);
      const inner = await rejection(reg.register({ ...ref, artifactPath: dir }), ValidationError);

      // Assess
      expect(top.message).toContain(`${link} is a symlink (to ${real})`);
      expect(inner.message).toContain(`${join(dir, 'inner.pkl')}, which is a symlink`);
      expect(await listFilesUnder(join(backend.dir, '.staging'))).toEqual([]);
      await rejection(reg.info({ ...ref, version: '1.0.0' }), ModelNotFoundError);
    });

    it('refuses the store itself, and a folder that contains it, copying nothing', async () => {
      // Prepare: a store inside a project folder, with one version in it
      const project = join(work, 'project');
      const store = join(project, '.modelreg');
      const registry = await openRegistry({ backend: 'local', store, warn: () => {} });
      await registry.register({ ...ref, artifactPath: await writeFileArtifact(join(project, 'm.pkl'), 'm') });

      try {
        // Act
        const itself = await rejection(registry.register({ ...ref, artifactPath: store }), ValidationError);
        const parent = await rejection(registry.register({ ...ref, artifactPath: project }), ValidationError);
        const asEvalSet = await rejection(
          registry.registerEvalSet({ useCase: ref.useCase, name: 'holdout', file: join(store, '..') }),
          ValidationError,
        );

        // Assess
        expect(itself.message).toContain('is the registry store');
        expect(parent.message).toContain('contains the registry store');
        expect(asEvalSet.message).toContain('contains the registry store');
        expect((await registry.listVersions({ ...ref })).items.map((v) => v.version)).toEqual(['1.0.0']);
        expect(await listFilesUnder(join(store, '.staging'))).toEqual([]);
      } finally {
        await registry.close();
      }
    });
  });

  describe('failed commits', () => {
    it('leaves no files behind when the commit of a first registration fails', async () => {
      // Prepare
      const failing = backend.registryWith((store) =>
        interceptCommits(store, () => {
          throw new Error('disk full');
        }),
      );

      // Act
      const outcome = await registerFile('doomed', {}, failing).then(
        () => null,
        (e: unknown) => e,
      );

      // Assess
      expect((outcome as Error).message).toBe('disk full');
      expect(await listFilesUnder(join(backend.dir, ref.useCase))).toEqual([]);
      expect(await listFilesUnder(join(backend.dir, '.staging'))).toEqual([]);
      await rejection(reg.info({ ...ref, version: '1.0.0' }), ModelNotFoundError);
      expect(await backend.events()).toEqual([]);
    });

    it('leaves the existing versions untouched when a later registration fails to commit', async () => {
      // Prepare
      await registerFile('kept');
      const failing = backend.registryWith((store) =>
        interceptCommits(store, () => {
          throw new Error('disk full');
        }),
      );

      // Act
      await expect(registerFile('doomed', {}, failing)).rejects.toThrow('disk full');

      // Assess
      expect(await listFilesUnder(join(backend.dir, ref.useCase, ref.modelName))).toEqual([
        'versions/1.0.0/metadata.json',
        'versions/1.0.0/metrics.json',
        'versions/1.0.0/model/model.pkl',
      ]);
      await rejection(reg.info({ ...ref, version: '1.0.1' }), VersionNotFoundError);
      expect((await reg.auditTrail(ref)).items).toHaveLength(1);
    });

    it('moves the artifact to the next version when a concurrent writer wins the commit', async () => {
      // Prepare: just before our commit of 1.0.1, another client registers 2.0.0.
      await registerFile('first');
      const other = backend.registry({ actor: 'other' });
      const racing = backend.registryWith((store) =>
        interceptCommits(store, async (_change, call) => {
          if (call === 1) await registerFile('theirs', { version: '2.0.0' }, other);
        }),
      );

      // Act
      const mine = await registerFile('mine', {}, racing);

      // Assess
      expect(mine.version).toBe('2.0.1');
      expect((await reg.listVersions(ref)).items.map((v) => v.version)).toEqual(['2.0.1', '2.0.0', '1.0.0']);
      expect(await listFilesUnder(versionDir('1.0.1'))).toEqual([]);
      expect(await readFile(join(versionDir('2.0.1'), 'model', 'model.pkl'), 'utf8')).toBe('mine');
      expect(await readFile(join(versionDir('2.0.0'), 'model', 'model.pkl'), 'utf8')).toBe('theirs');
      expect(mine.artifact.sha256).toBe(sha256('mine'));
      expect(await listFilesUnder(join(backend.dir, '.staging'))).toEqual([]);
      expect(await reg.verifyAudit(ref)).toEqual({ valid: true, checked: 3 });
    });

    it('retries a promotion that lost its commit race and decides again on fresh state', async () => {
      // Prepare: two staging versions; just before promoting 1.0.0, another client promotes 1.0.1.
      await registerFile('a');
      await registerFile('b');
      await reg.promote({ ...ref, version: '1.0.0' });
      await reg.promote({ ...ref, version: '1.0.1' });
      const other = backend.registry();
      const racing = backend.registryWith((store) =>
        interceptCommits(store, async (_change, call) => {
          if (call === 1) await other.promote({ ...ref, version: '1.0.1' });
        }),
      );

      // Act
      const result = await racing.promote({ ...ref, version: '1.0.0' });

      // Assess
      expect(result).toMatchObject({ promoted: true, stage: 'production', supersededVersion: '1.0.1' });
      expect((await reg.listVersions({ ...ref, stage: 'production' })).items.map((v) => v.version)).toEqual([
        '1.0.0',
      ]);
      expect(await reg.verifyAudit(ref)).toMatchObject({ valid: true });
    });

    it('sets aside a version directory abandoned by a crashed registration and uses the version', async () => {
      // Prepare: a crash between publish and commit left versions/1.0.1/ behind, two minutes ago.
      await registerFile('first');
      await writeTree(versionDir('1.0.1'), { 'metrics.json': '{}', 'model/model.pkl': 'half-written' });
      const past = new Date(Date.now() - 120_000);
      await utimes(versionDir('1.0.1'), past, past);

      // Act
      const v = await registerFile('second');

      // Assess
      expect(v.version).toBe('1.0.1');
      expect(await readFile(join(versionDir('1.0.1'), 'model', 'model.pkl'), 'utf8')).toBe('second');
      expect(await listFilesUnder(join(backend.dir, '.orphans'))).toEqual([
        expect.stringMatching(/^churn-1\.0\.1-[0-9a-f]{8}\/metrics\.json$/),
        expect.stringMatching(/^churn-1\.0\.1-[0-9a-f]{8}\/model\/model\.pkl$/),
      ]);
    });

    it('fails with ConcurrentModificationError while a fresh version directory may still be in use', async () => {
      // Prepare: versions/1.0.1/ was just created by a registration that has not committed yet.
      await registerFile('first');
      await writeTree(versionDir('1.0.1'), { 'model/model.pkl': 'in flight' });
      const impatient = backend.registryWith((store) => store, { maxAttempts: 2 });

      // Act
      await rejection(registerFile('second', {}, impatient), ConcurrentModificationError);

      // Assess
      expect(await readFile(join(versionDir('1.0.1'), 'model', 'model.pkl'), 'utf8')).toBe('in flight');
      expect((await reg.listVersions(ref)).items.map((v) => v.version)).toEqual(['1.0.0']);
    });

    it('surfaces ConcurrentModificationError only after the retries run out', async () => {
      // Prepare
      await registerFile('a');
      let commits = 0;
      const hopeless = backend.registryWith(
        (store) =>
          interceptCommits(store, () => {
            commits += 1;
            throw new ConcurrentModificationError('always loses');
          }),
        { maxAttempts: 3 },
      );

      // Act
      const error = await rejection(
        hopeless.promote({ ...ref, version: '1.0.0' }),
        ConcurrentModificationError,
      );

      // Assess
      expect(error.message).toMatch(/gave up after 3 attempts/);
      expect(commits).toBe(3);
      expect(await reg.info({ ...ref, version: '1.0.0' })).toMatchObject({ stage: 'development' });
    });
  });

  describe('artifact integrity', () => {
    it('catches a file altered on disk after registration and removes the partial copy', async () => {
      // Prepare
      const v = await registerFile('original');
      await writeFile(join(versionDir('1.0.0'), 'model', 'model.pkl'), 'tampered');
      const output = join(work, 'out');

      // Act
      const error = await rejection(
        reg.getArtifact({ ...ref, version: '1.0.0', output }),
        ArtifactIntegrityError,
      );

      // Assess
      expect(error.details).toMatchObject({ expected: v.artifact.sha256, actual: sha256('tampered') });
      expect(await listFilesUnder(output)).toEqual([]);
    });

    it('catches a file added to a directory artifact and removes the partial copy', async () => {
      // Prepare
      await reg.register({ ...ref, artifactPath: await writeTree(join(work, 'd'), { 'w.bin': 'w' }) });
      await writeFile(join(versionDir('1.0.0'), 'model', 'extra.bin'), 'smuggled');
      const output = join(work, 'out-dir');

      // Act
      await rejection(reg.getArtifact({ ...ref, version: '1.0.0', output }), ArtifactIntegrityError);

      // Assess
      expect(await listFilesUnder(output)).toEqual([]);
    });

    it('reports an artifact deleted from the store with NotFoundError', async () => {
      // Prepare
      await registerFile('gone soon');
      await rm(join(versionDir('1.0.0'), 'model'), { recursive: true });

      // Act / Assess
      await rejection(reg.getArtifact({ ...ref, version: '1.0.0', output: join(work, 'o') }), NotFoundError);
    });

    it('refuses to overwrite an existing output file or fill a non-empty output directory', async () => {
      // Prepare
      await registerFile('bytes');
      await reg.register({ ...ref, artifactPath: await writeTree(join(work, 'd'), { 'w.bin': 'w' }) });
      const output = join(work, 'taken');
      await writeTree(output, { 'model.pkl': 'mine, do not touch' });

      // Act / Assess
      await rejection(reg.getArtifact({ ...ref, version: '1.0.0', output }), ValidationError);
      await rejection(reg.getArtifact({ ...ref, version: '1.0.1', output }), ValidationError);
      expect(await readFile(join(output, 'model.pkl'), 'utf8')).toBe('mine, do not touch');
    });
  });

  describe('several connections on one store', () => {
    it('keeps two Registry instances (two SQLite connections) consistent', async () => {
      // Prepare
      const other = backend.registry({ actor: 'other' });

      // Act
      await registerFile('a', {}, reg);
      await registerFile('b', {}, other);
      await other.promote({ ...ref, version: '1.0.0' });
      await reg.promote({ ...ref, version: '1.0.0' });
      await other.setAlias({ ...ref, version: '1.0.1', name: 'next' });
      await reg.promote({ ...ref, alias: 'next' });

      // Assess
      expect(backend.stores).toHaveLength(2);
      expect(backend.stores[0]).not.toBe(backend.stores[1]);
      for (const r of [reg, other]) {
        expect(await r.info({ ...ref, stage: 'production' })).toMatchObject({ version: '1.0.0' });
        expect(await r.info({ ...ref, alias: 'next' })).toMatchObject({ version: '1.0.1', stage: 'staging' });
        expect(await r.verifyAudit(ref)).toEqual({ valid: true, checked: 6 });
      }
    });

    it('keeps everything after the store is closed and opened again', async () => {
      // Prepare
      await registerFile('a');
      await reg.promote({ ...ref, version: '1.0.0' });
      await reg.close();

      // Act
      const reopened = backend.registry();

      // Assess
      expect(await reopened.info({ ...ref, version: '1.0.0' })).toMatchObject({ stage: 'staging' });
      expect(await reopened.verifyAudit(ref)).toEqual({ valid: true, checked: 2 });
    });

    it('refuses a database written by a newer schema with ValidationError', async () => {
      // Prepare
      backend.stores[0]!.database.pragma('user_version = 99');

      // Act / Assess
      expect(() => new SqliteRegistryStore(join(backend.dir, 'registry.db'))).toThrow(ValidationError);
    });
  });

  describe('a listing that lags (as a DynamoDB index can)', () => {
    it('a monitor rollback still sees a regression recorded on its target a moment earlier', async () => {
      // Prepare: listings of events answer nothing, as an index that has not caught up yet
      const lagging = backend.registryWith((store) => {
        const port: RegistryStore = interceptCommits(store, () => undefined);
        return {
          ...port,
          listRecords: (kind, filter, options) =>
            kind === 'event'
              ? Promise.resolve({ items: [], nextCursor: null })
              : store.listRecords(kind, filter, options),
        };
      });
      for (const content of ['a', 'b']) await registerFile(content, {}, lagging);
      for (const version of ['1.0.0', '1.0.1']) {
        await lagging.promote({ ...ref, version, to: 'staging' });
        await lagging.promote({ ...ref, version, to: 'production' });
      }
      await lagging.setPolicy({
        ...ref,
        policy: { monitoring: [{ metric: 'auc', min: 0.85, sustainedFor: '1h', action: 'rollback' }] },
      });
      await lagging.recordEvent({ ...ref, version: '1.0.0', kind: 'regression', details: 'drops grasps' });

      // Act: a breach of 1.0.1, whose previous production version is 1.0.0
      const report = await lagging.reportMetrics({
        ...ref,
        version: '1.0.1',
        metrics: { auc: 0.1 },
        at: '2026-01-01T00:00:00Z',
      });

      // Assess: skipped, not rolled back to the regressed version
      expect(report.rules[0]).toMatchObject({ state: 'sustained', outcome: 'acted' });
      expect(report.rules[0]!.actedOn).toEqual({
        skipped: expect.stringContaining('1.0.0 has a recorded regression'),
      });
      expect((await reg.info({ ...ref, stage: 'production' })).version).toBe('1.0.1');
    });
  });

  describe('audit tampering', () => {
    async function prepare(): Promise<SqliteRegistryStore> {
      await registerFile('a');
      await registerFile('b');
      await reg.promote({ ...ref, version: '1.0.0' });
      await reg.promote({ ...ref, version: '1.0.0' });
      expect(await reg.verifyAudit(ref)).toEqual({ valid: true, checked: 4 });
      return backend.stores[0]!;
    }

    it('catches an altered audit row with firstBadSeq', async () => {
      // Prepare
      const store = await prepare();

      // Act
      store.database
        .prepare(
          `UPDATE audit SET doc = json_set(doc, '$.actor', 'mallory') WHERE use_case = ? AND model_name = ? AND seq = 2`,
        )
        .run(ref.useCase, ref.modelName);

      // Assess
      const result = await reg.verifyAudit(ref);
      expect(result).toMatchObject({ valid: false, firstBadSeq: 2, checked: 1 });
      expect(result.reason).toMatch(/altered/);
    });

    it('catches a deleted audit row in the middle', async () => {
      // Prepare
      const store = await prepare();

      // Act
      store.database
        .prepare('DELETE FROM audit WHERE use_case = ? AND model_name = ? AND seq = 3')
        .run(ref.useCase, ref.modelName);

      // Assess
      expect(await reg.verifyAudit(ref)).toMatchObject({ valid: false, firstBadSeq: 3 });
    });

    it('catches audit rows cut off at the end', async () => {
      // Prepare
      const store = await prepare();

      // Act
      store.database
        .prepare('DELETE FROM audit WHERE use_case = ? AND model_name = ? AND seq = 4')
        .run(ref.useCase, ref.modelName);

      // Assess
      expect(await reg.verifyAudit(ref)).toMatchObject({ valid: false, firstBadSeq: 4, checked: 3 });
    });

    it('catches an event moved from another model', async () => {
      // Prepare
      const store = await prepare();
      const other = { ...ref, modelName: 'other' };
      await reg.register({ ...other, artifactPath: await writeFileArtifact(join(work, 'o.bin'), 'o') });

      // Act: replace our seq 1 with the other model's (valid-looking) seq 1.
      store.database
        .prepare(
          `UPDATE audit SET doc = (SELECT doc FROM audit WHERE use_case = ? AND model_name = ? AND seq = 1)
           WHERE use_case = ? AND model_name = ? AND seq = 1`,
        )
        .run(other.useCase, other.modelName, ref.useCase, ref.modelName);

      // Assess
      expect(await reg.verifyAudit(ref)).toMatchObject({ valid: false, firstBadSeq: 1 });
      expect(await reg.verifyAudit(other)).toEqual({ valid: true, checked: 1 });
    });
  });
});

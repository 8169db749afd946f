/**
 * A registration killed between its S3 upload and its DynamoDB commit: nothing
 * half-registered, no notification, the chain intact; a registration within the minute
 * is refused (the upload may still be in progress), and one after it takes the version over.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Registry } from '../../../src/app/registry.js';
import { requireBuiltCli, runCli } from '../../cli/run-cli.js';
import { killBeforeCommit } from '../../reliability/kill.js';
import { type AwsBackend, makeAwsBackend } from '../../support/aws-backend.js';
import { keysUnder } from '../../support/aws-faults.js';

describe('a register killed between upload and commit (AWS)', () => {
  let backend: AwsBackend;
  let reg: Registry;
  let dir: string;
  let env: Record<string, string | undefined>;
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
    '--json',
  ];

  beforeAll(requireBuiltCli);
  beforeEach(async () => {
    backend = await makeAwsBackend();
    reg = backend.registry();
    dir = await mkdtemp(join(tmpdir(), 'modelreg-aws-kill-'));
    await writeFile(join(dir, 'a.bin'), 'weights a');
    await writeFile(join(dir, 'b.bin'), 'weights b');
    env = {
      MODELREG_BACKEND: 'aws',
      MODELREG_TABLE: backend.config.table,
      MODELREG_BUCKET: backend.config.bucket,
      MODELREG_TOPIC_ARN: backend.config.topicArn,
      MODELREG_ENVIRONMENT: 'test',
    };
  });
  afterEach(async () => {
    await reg.close();
    await backend.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  it('leaves no version, event or notification; the version is refused within the minute and taken over after it', async () => {
    const killed = await killBeforeCommit(args('a.bin'), { cwd: dir, env });
    expect(killed.signal).toBe('SIGKILL');
    const uploaded = await keysUnder(backend.clients.s3, backend.config.bucket, `${ref.useCase}/`);
    expect(uploaded.length).toBeGreaterThan(0);
    await expect(reg.listVersions({ ...ref, limit: 10 })).rejects.toMatchObject({
      name: 'ModelNotFoundError',
    });
    expect(await backend.events()).toEqual([]);

    // within the minute the upload may still be in progress: refused, typed, nothing written
    const early = await runCli(args('b.bin'), { cwd: dir, env });
    expect(early.code, early.stderr).toBe(5);
    expect(JSON.parse(early.stdout).error.name).toBe('ConcurrentModificationError');
    await expect(reg.listVersions({ ...ref, limit: 10 })).rejects.toMatchObject({
      name: 'ModelNotFoundError',
    });

    // a minute later the abandoned objects are cleared and the version is taken over
    const later = Date.now() + 120_000;
    const clock = vi.spyOn(Date, 'now').mockImplementation(() => later);
    try {
      await reg.register({ ...ref, artifactPath: join(dir, 'b.bin') });
    } finally {
      clock.mockRestore();
    }
    const versions = (await reg.listVersions({ ...ref, limit: 10 })).items;
    expect(versions).toHaveLength(1);
    const got = await reg.getArtifact({ ...ref, version: versions[0]!.version, output: join(dir, 'out') });
    expect(got.sha256).toBe(versions[0]!.artifact.sha256);
    expect(await reg.verifyAudit(ref)).toEqual({ valid: true, checked: 1 });
    expect((await backend.events()).map((e) => [e.type, e.version])).toEqual([
      ['model.register', versions[0]!.version],
    ]);
  });
});

/**
 * Where the CLI keeps its store: `--store` beats `MODELREG_STORE`, which beats the default
 * `.modelreg` in the working directory.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storedPath } from '../support/artifacts.js';
import {
  expectExit,
  type Json,
  makeTempDir,
  okJson,
  parseJson,
  removeTempDir,
  requireBuiltCli,
  runCli,
} from './run-cli.js';

const MODEL = ['--use-case', 'uc', '--model', 'M'];

describe.concurrent('choosing the store (each test in its own directory)', () => {
  const dirs: string[] = [];
  /** A fresh working directory holding model.bin, and runners for it. */
  async function workdir() {
    const dir = await makeTempDir('store');
    dirs.push(dir);
    await writeFile(join(dir, 'model.bin'), 'bytes\n');
    const run = (env: Record<string, string | undefined>, ...args: string[]) =>
      runCli(args, { cwd: dir, env });
    const register = async (env: Record<string, string | undefined>, ...extra: string[]): Promise<Json> =>
      okJson(await run(env, 'models', 'register', ...MODEL, '--artifact', 'model.bin', '--json', ...extra));
    return { dir, run, register };
  }

  beforeAll(() => requireBuiltCli());
  afterAll(async () => {
    await Promise.all(dirs.map(removeTempDir));
  });

  it('defaults to .modelreg in the working directory', async () => {
    // Prepare
    const { dir, run, register } = await workdir();

    // Act
    const v = await register({});
    const list = okJson(await run({}, 'models', 'list', ...MODEL, '--json'));

    // Assess
    expect(existsSync(join(dir, '.modelreg', 'registry.db'))).toBe(true);
    expect(v.artifact.uri).toBe('store:uc/M/versions/1.0.0/model/model.bin');
    expect(existsSync(storedPath(join(dir, '.modelreg'), v.artifact.uri))).toBe(true);
    expect(list.items.map((i: Json) => i.version)).toEqual(['1.0.0']);
    expect((await readdir(dir)).sort()).toEqual(['.modelreg', 'model.bin']);
  });

  it('uses MODELREG_STORE (relative to the working directory) when there is no --store', async () => {
    // Prepare
    const { dir, run, register } = await workdir();

    // Act
    const v = await register({ MODELREG_STORE: 'from-env' });
    const list = okJson(await run({ MODELREG_STORE: 'from-env' }, 'models', 'list', ...MODEL, '--json'));

    // Assess
    expect(existsSync(storedPath(join(dir, 'from-env'), v.artifact.uri))).toBe(true);
    expect(existsSync(join(dir, 'from-env', 'registry.db'))).toBe(true);
    expect(list.items).toHaveLength(1);
    expect((await readdir(dir)).sort()).toEqual(['from-env', 'model.bin']);
  });

  it('--store beats MODELREG_STORE', async () => {
    // Prepare
    const { dir, run, register } = await workdir();

    // Act
    const v = await register({ MODELREG_STORE: 'from-env' }, '--store', 'from-flag');
    const inEnvStore = await run({ MODELREG_STORE: 'from-env' }, 'models', 'list', ...MODEL, '--json');

    // Assess
    expect(existsSync(storedPath(join(dir, 'from-flag'), v.artifact.uri))).toBe(true);
    // the env store was never written to, so a read finds no registry there (and creates none)
    expectExit(inEnvStore, 8);
    expect(parseJson(inEnvStore).error.name).toBe('StoreNotFoundError');
    expect(existsSync(join(dir, 'from-env'))).toBe(false);
    expect(existsSync(join(dir, '.modelreg'))).toBe(false);
  });

  it('an absolute store works from any working directory', async () => {
    // Prepare
    const { dir, register } = await workdir();
    const elsewhere = join(dir, 'elsewhere');
    await mkdir(elsewhere);
    const store = join(dir, 'abs-store');
    await register({}, '--store', store);

    // Act
    const viaFlag = await runCli(
      ['models', 'info', ...MODEL, '--version', '1.0.0', '--json', '--store', store],
      {
        cwd: elsewhere,
      },
    );
    const viaEnv = await runCli(['models', 'info', ...MODEL, '--version', '1.0.0', '--json'], {
      cwd: elsewhere,
      env: { MODELREG_STORE: store },
    });

    // Assess
    expect(okJson(viaFlag).version).toBe('1.0.0');
    expect(okJson(viaEnv).version).toBe('1.0.0');
    expect(await readdir(elsewhere)).toEqual([]);
  });

  it('an empty MODELREG_STORE (or MODELREG_BACKEND) counts as unset: .modelreg, not the working directory', async () => {
    // Prepare
    const { dir, register } = await workdir();

    // Act
    const v = await register({ MODELREG_STORE: '', MODELREG_BACKEND: '' });

    // Assess
    expect(existsSync(storedPath(join(dir, '.modelreg'), v.artifact.uri))).toBe(true);
    expect((await readdir(dir)).sort()).toEqual(['.modelreg', 'model.bin']);
  });
});

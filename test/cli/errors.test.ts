/**
 * Exit codes and error output of the built CLI (2 usage/validation, 3 gate failed,
 * 4 not found, 5 conflict, 6 integrity), and that bad input changes nothing.
 */
import { chmod, mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storedPath } from '../support/artifacts.js';
import {
  type CliResult,
  cliAt,
  expectExit,
  type Json,
  makeTempDir,
  okJson,
  parseJson,
  removeTempDir,
  requireBuiltCli,
  storeTree,
} from './run-cli.js';

const UC = ['--use-case', 'fraud_detection'];
const MODEL = [...UC, '--model', 'FraudRiskModel'];
const isRoot = process.getuid?.() === 0;

/** Asserts the human error (stderr, names `bad`) and the JSON error ({error: {name, message}}). */
function expectError(human: CliResult, json: CliResult, code: number, name: string, bad: string): Json {
  expectExit(human, code);
  expect(human.stdout).toBe('');
  expect(human.stderr).toMatch(/^error: /);
  expect(human.stderr).toContain(bad);
  expectExit(json, code);
  const doc = parseJson(json);
  expect(Object.keys(doc)).toEqual(['error']);
  expect(Object.keys(doc.error).filter((k) => k !== 'details')).toEqual(['name', 'message']);
  expect(doc.error.name).toBe(name);
  expect(doc.error.message).toContain(bad);
  return doc.error;
}

describe.concurrent('exit codes and error output (read-only, so run concurrently)', () => {
  let dir: string;
  let mr: (...args: string[]) => Promise<CliResult>;
  /** The same command in human mode and with --json. */
  const both = (...args: string[]) => Promise.all([mr(...args), mr(...args, '--json')]);

  beforeAll(async () => {
    requireBuiltCli();
    dir = await makeTempDir('errors');
    mr = cliAt(dir, join(dir, 'store'));
    await writeFile(join(dir, 'model.bin'), 'weights\n');
    for (const metrics of ['auc=0.9,f1=0.8', 'auc=0.92,f1=0.81']) {
      expectExit(
        await mr('models', 'register', ...MODEL, '--artifact', 'model.bin', '--metrics', metrics),
        0,
      );
    }
  });
  afterAll(() => removeTempDir(dir));

  describe('usage and validation errors exit 2 and name the bad value', () => {
    const cases: { what: string; args: string[]; name: string; bad: string }[] = [
      {
        what: 'a missing --use-case',
        args: ['models', 'list', '--model', 'FraudRiskModel'],
        name: 'UsageError',
        bad: "required option '--use-case <name>' not specified",
      },
      {
        what: 'a model name with a path in it',
        args: ['models', 'info', ...UC, '--model', '../etc', '--version', '1.0.0'],
        name: 'ValidationError',
        bad: 'model name "../etc" is not allowed',
      },
      {
        what: 'a version with a "v" prefix',
        args: ['models', 'info', ...MODEL, '--version', 'v1'],
        name: 'ValidationError',
        bad: 'version "v1" is not strict semantic versioning',
      },
      {
        what: 'a metric that is not a number',
        args: ['models', 'register', ...MODEL, '--artifact', 'model.bin', '--metrics', 'auc=high'],
        name: 'ValidationError',
        bad: 'metric "auc=high" is not name=number',
      },
      {
        what: 'a metric given twice across repeated --metrics',
        args: [
          'models',
          'register',
          ...MODEL,
          '--artifact',
          'model.bin',
          '--metrics',
          'auc=0.9',
          '--metrics',
          'auc=0.8',
        ],
        name: 'ValidationError',
        bad: 'metric auc is given twice',
      },
      {
        what: 'an unknown gate',
        args: ['models', 'promote', ...MODEL, '--version', '1.0.0', '--gate', 'minimum_auc=1'],
        name: 'ValidationError',
        bad: '"minimum_auc" is not a gate',
      },
      {
        what: 'an unknown option',
        args: ['models', 'list', ...MODEL, '--bogus'],
        name: 'UsageError',
        bad: "unknown option '--bogus'",
      },
      {
        what: 'a stage that does not exist',
        args: ['models', 'list', ...MODEL, '--stage', 'prod'],
        name: 'UsageError',
        bad: "argument 'prod' is invalid",
      },
      {
        what: 'a page size of 0',
        args: ['models', 'list', ...MODEL, '--limit', '0'],
        name: 'ValidationError',
        bad: 'limit must be a positive whole number, not "0"',
      },
    ];

    it.each(cases)('$what', async ({ args, name, bad }) => {
      // Act
      const [human, json] = await both(...args);

      // Assess
      expectError(human, json, 2, name, bad);
    });
  });

  it('a failed gate exits 3: promoted false, every gate with actual and threshold, GateFailedError', async () => {
    // Act
    const [human, json] = await both(
      'models',
      'promote',
      ...MODEL,
      '--version',
      '1.0.0',
      '--gate',
      'min_auc=0.99',
      '--gate',
      'max_f1=0.9',
    );
    const [info, trail] = await Promise.all([
      mr('models', 'info', ...MODEL, '--version', '1.0.0', '--json'),
      mr('audit', 'show', ...MODEL, '--json'),
    ]);
    const [after, audit] = [okJson(info), okJson(trail)];

    // Assess
    expectExit(human, 3);
    expect(human.stdout.split('\n').slice(0, 5)).toEqual([
      'Refused: fraud_detection/FraudRiskModel 1.0.0 stays in development.',
      'Gate     Actual  Threshold  Result  Note',
      '-------  ------  ---------  ------  ----',
      'min_auc  0.9000  0.9900     FAIL',
      'max_f1   0.8000  0.9000     pass',
    ]);
    expectExit(json, 3);
    const r = parseJson(json);
    expect(r).toMatchObject({
      promoted: false,
      version: '1.0.0',
      stage: 'development',
      archivedVersion: null,
    });
    expect(r.reason).toContain('min_auc: 0.9 < 0.99');
    expect(r.gates).toEqual([
      expect.objectContaining({ gate: 'min_auc', actual: 0.9, threshold: 0.99, passed: false }),
      expect.objectContaining({ gate: 'max_f1', actual: 0.8, threshold: 0.9, passed: true }),
    ]);
    expect(r.error.name).toBe('GateFailedError');
    expect(r.error.message).toContain('promotion of 1.0.0 refused');
    expect(after.stage).toBe('development');
    expect(audit.items).toHaveLength(2);
  });

  describe('not found exits 4', () => {
    it('an unknown version', async () => {
      const [human, json] = await both('models', 'info', ...MODEL, '--version', '9.9.9');
      const error = expectError(human, json, 4, 'VersionNotFoundError', 'has no version 9.9.9');
      expect(error.message).toContain('the latest is 1.0.1');
    });

    it('an unknown model', async () => {
      const [human, json] = await both(
        'models',
        'info',
        ...UC,
        '--model',
        'NoSuchModel',
        '--version',
        '1.0.0',
      );
      expectError(human, json, 4, 'ModelNotFoundError', 'fraud_detection/NoSuchModel is not registered');
    });

    it('an unknown alias, as model@alias, --version @alias or --alias', async () => {
      const [human, json] = await both(
        'models',
        'get',
        ...UC,
        '--model',
        'FraudRiskModel@champion',
        '--output',
        'o',
      );
      expectError(human, json, 4, 'AliasNotFoundError', 'has no alias "champion"');
      for (const selector of [
        ['--version', '@champion'],
        ['--alias', 'champion'],
      ]) {
        const r = await mr('models', 'promote', ...MODEL, ...selector, '--json');
        expectExit(r, 4);
        expect(parseJson(r).error.name).toBe('AliasNotFoundError');
      }
      expect(await readdir(dir)).not.toContain('o');
    });

    it('nothing in the asked-for stage', async () => {
      const [human, json] = await both('models', 'info', ...MODEL, '--stage', 'production');
      expectError(human, json, 4, 'VersionNotFoundError', 'has no version in production');
    });
  });

  describe('conflicts exit 5', () => {
    it('a move the lifecycle does not allow (development → production)', async () => {
      // Act
      const [human, json] = await both(
        'models',
        'promote',
        ...MODEL,
        '--version',
        '1.0.0',
        '--to',
        'production',
      );

      // Assess
      const error = expectError(
        human,
        json,
        5,
        'InvalidTransitionError',
        'cannot promote from development to production',
      );
      expect(error.details.allowed).toEqual([
        { from: 'development', to: 'staging' },
        { from: 'staging', to: 'production' },
      ]);
    });

    it('a pinned version that exists', async () => {
      const [human, json] = await both(
        'models',
        'register',
        ...MODEL,
        '--artifact',
        'model.bin',
        '--version',
        '1.0.0',
      );
      expectError(human, json, 5, 'VersionExistsError', 'version 1.0.0 already exists');
    });
  });
});

describe('integrity errors exit 6', () => {
  let dir: string;
  let store: string;
  let mr: (...args: string[]) => Promise<CliResult>;

  beforeAll(async () => {
    requireBuiltCli();
    dir = await makeTempDir('integrity');
    store = join(dir, 'store');
    mr = cliAt(dir, store);
    await writeFile(join(dir, 'model.bin'), 'the registered bytes\n');
    await mkdir(join(dir, 'model-dir', 'sub'), { recursive: true });
    await writeFile(join(dir, 'model-dir', 'weights.bin'), 'w');
    await writeFile(join(dir, 'model-dir', 'sub', 'config.json'), '{}');
  });
  afterAll(() => removeTempDir(dir));

  it('get of a file artifact altered on disk: ArtifactIntegrityError, nothing left in --output', async () => {
    // Prepare
    const v = okJson(await mr('models', 'register', ...MODEL, '--artifact', 'model.bin', '--json'));
    await writeFile(storedPath(store, v.artifact.uri), 'tampered bytes\n');

    // Act
    const [human, json] = await Promise.all([
      mr('models', 'get', ...MODEL, '--version', v.version, '--output', 'out-human'),
      mr('models', 'get', ...MODEL, '--version', v.version, '--output', 'out-json', '--json'),
    ]);

    // Assess
    const error = expectError(human, json, 6, 'ArtifactIntegrityError', 'was altered after registration');
    expect(error.details.expected).toBe(v.artifact.sha256);
    expect(error.details.actual).not.toBe(v.artifact.sha256);
    expect(human.stderr).toContain(storedPath(store, v.artifact.uri));
    expect(await readdir(join(dir, 'out-human'))).toEqual([]);
    expect(await readdir(join(dir, 'out-json'))).toEqual([]);
  });

  it('get of a directory artifact with a file added in the store: exit 6, nothing left in --output', async () => {
    // Prepare
    const v = okJson(await mr('models', 'register', ...MODEL, '--artifact', 'model-dir', '--json'));
    await writeFile(join(storedPath(store, v.artifact.uri), 'sub', 'extra.bin'), 'x');

    // Act
    const r = await mr('models', 'get', ...MODEL, '--version', v.version, '--output', 'out-dir', '--json');

    // Assess
    expectExit(r, 6);
    expect(parseJson(r).error.name).toBe('ArtifactIntegrityError');
    expect(await readdir(join(dir, 'out-dir')).catch(() => [])).toEqual([]);
  });

  it('audit verify after an audit row was edited in registry.db: valid false with firstBadSeq', async () => {
    // Prepare
    const intact = okJson(await mr('audit', 'verify', ...MODEL, '--json'));
    const db = new Database(join(store, 'registry.db'));
    try {
      const row = db
        .prepare<[string, string, number], { doc: string }>(
          'SELECT doc FROM audit WHERE use_case = ? AND model_name = ? AND seq = ?',
        )
        .get('fraud_detection', 'FraudRiskModel', 2);
      expect(row).toBeDefined();
      const doc = JSON.parse(row!.doc);
      doc.actor = 'mallory';
      db.prepare('UPDATE audit SET doc = ? WHERE use_case = ? AND model_name = ? AND seq = ?').run(
        JSON.stringify(doc),
        'fraud_detection',
        'FraudRiskModel',
        2,
      );
    } finally {
      db.close();
    }

    // Act
    const json = await mr('audit', 'verify', ...MODEL, '--json');
    const human = await mr('audit', 'verify', ...MODEL);

    // Assess
    expect(intact).toEqual({ valid: true, checked: 2 });
    expectExit(json, 6);
    expect(parseJson(json)).toEqual({
      valid: false,
      checked: 1,
      firstBadSeq: 2,
      reason: 'seq 2 was altered: its hash does not match',
    });
    expectExit(human, 6);
    expect(human.stdout).toBe(
      'Audit trail of fraud_detection/FraudRiskModel is NOT intact: first bad event is seq 2 (seq 2 was altered: its hash does not match).\n',
    );
  });
});

describe('a failed register loses nothing', () => {
  let dir: string;
  let store: string;
  let mr: (...args: string[]) => Promise<CliResult>;
  let before: { versions: Json; audit: number; tree: Record<string, string> };

  /** The version list (through the CLI), the number of audit rows and the store's files. */
  const snapshot = async () => {
    const [list, tree] = await Promise.all([mr('models', 'list', ...MODEL, '--json'), storeTree(store)]);
    const db = new Database(join(store, 'registry.db'), { readonly: true });
    try {
      const audit = db.prepare('SELECT count(*) AS n FROM audit').get() as { n: number };
      return { versions: okJson(list).items, audit: audit.n, tree };
    } finally {
      db.close();
    }
  };

  beforeAll(async () => {
    requireBuiltCli();
    dir = await makeTempDir('bad-input');
    store = join(dir, 'store');
    mr = cliAt(dir, store);
    await writeFile(join(dir, 'good.bin'), 'good model\n');
    await writeFile(join(dir, 'other.bin'), 'another model\n');
    for (const metrics of ['auc=0.9', 'auc=0.91']) {
      expectExit(await mr('models', 'register', ...MODEL, '--artifact', 'good.bin', '--metrics', metrics), 0);
    }
    before = await snapshot();
  });
  afterAll(async () => {
    await chmod(join(dir, 'other.bin'), 0o644).catch(() => undefined);
    await removeTempDir(dir);
  });

  /** Registers with `args` added, expects `code` and an unchanged registry and store. */
  async function expectNothingChanged(code: number, name: string, ...args: string[]): Promise<Json> {
    const r = await mr('models', 'register', ...MODEL, ...args, '--json');
    expectExit(r, code);
    const error = parseJson(r).error;
    expect(error.name).toBe(name);
    expect(await snapshot()).toEqual(before);
    return error;
  }

  it('keeps the registry as it was (sanity: two versions, a file per version, nothing staged)', () => {
    expect(before.versions.map((v: Json) => v.version)).toEqual(['1.0.1', '1.0.0']);
    expect(before.audit).toBe(2);
    expect(Object.keys(before.tree).filter((p) => p.includes('/model/'))).toHaveLength(4);
    expect(Object.keys(before.tree).filter((p) => p.startsWith('.staging/') && p !== '.staging/')).toEqual(
      [],
    );
  });

  it('a missing artifact file', async () => {
    const error = await expectNothingChanged(2, 'ValidationError', '--artifact', 'missing.bin');
    expect(error.message).toContain('artifact missing.bin does not exist');
  });

  it.skipIf(isRoot)('an unreadable artifact file (chmod 000; skipped as root, who can read it)', async () => {
    await chmod(join(dir, 'other.bin'), 0o000);
    try {
      const error = await expectNothingChanged(2, 'ValidationError', '--artifact', 'other.bin');
      expect(error.message).toContain('cannot be read (permission denied)');
    } finally {
      await chmod(join(dir, 'other.bin'), 0o644);
    }
  });

  it('bad metrics', async () => {
    await expectNothingChanged(2, 'ValidationError', '--artifact', 'other.bin', '--metrics', 'auc=high');
  });

  it('a pinned version that exists', async () => {
    await expectNothingChanged(5, 'VersionExistsError', '--artifact', 'other.bin', '--version', '1.0.0');
  });

  it('a directory artifact holding a symlink', async () => {
    await mkdir(join(dir, 'linked', 'sub'), { recursive: true });
    await writeFile(join(dir, 'linked', 'a.bin'), 'a');
    await symlink(join(dir, 'good.bin'), join(dir, 'linked', 'sub', 'link.bin'));
    const error = await expectNothingChanged(2, 'ValidationError', '--artifact', 'linked');
    expect(error.message).toContain('is a symlink');
    expect(error.message).toContain(join('linked', 'sub', 'link.bin'));
  });

  it('an empty directory artifact', async () => {
    await mkdir(join(dir, 'empty'));
    const error = await expectNothingChanged(2, 'ValidationError', '--artifact', 'empty');
    expect(error.message).toContain('is empty');
  });
});

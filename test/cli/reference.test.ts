/**
 * The reference registry's CLI examples (`ubunye models …`), run as `modelreg models …`
 * with the same flags on the built CLI, then `model@alias` and the help screens.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storedPath } from '../support/artifacts.js';
import {
  type CliResult,
  cliAt,
  expectExit,
  makeTempDir,
  okJson,
  removeTempDir,
  requireBuiltCli,
  runCli,
} from './run-cli.js';

const UC = ['--use-case', 'fraud_detection'];
const MODEL = [...UC, '--model', 'FraudRiskModel'];
const VERSION_KEYS = [
  'aliases',
  'artifact',
  'format',
  'lineage',
  'metadata',
  'metrics',
  'modelName',
  'registeredAt',
  'registeredBy',
  'stage',
  'stageUpdatedAt',
  'tags',
  'useCase',
  'version',
];
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

const lines = (r: CliResult) => r.stdout.trimEnd().split('\n');
const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

/**
 * Checks a borderless table: the header names, a dashed rule under each column, and every
 * cell of every row starting where its column starts. Returns the rows as cells.
 */
function parseTable(text: string[], head: RegExp): string[][] {
  const [header, rule, ...rows] = text;
  expect(header).toMatch(head);
  expect(rule).toMatch(/^-+( {2}-+)*$/);
  const starts = [...rule!.matchAll(/-+/g)].map((m) => m.index);
  for (const [i, start] of starts.entries()) {
    expect(header![start], `header column ${i}`).not.toBe(' ');
    if (start > 0) expect(header!.slice(start - 2, start)).toBe('  ');
  }
  return rows.map((row) =>
    starts.map((start, i) => {
      if (start > 0) expect(row.slice(start - 2, start), `"${row}" column ${i}`).toBe('  ');
      return row.slice(start, starts[i + 1]).trim();
    }),
  );
}

describe('the reference examples on `modelreg models …`', () => {
  let dir: string;
  let store: string;
  let mr: (...args: string[]) => Promise<CliResult>;
  const artifacts: string[] = [];

  beforeAll(async () => {
    requireBuiltCli();
    dir = await makeTempDir('reference');
    store = join(dir, 'model_store');
    mr = cliAt(dir, store);
    for (const [i, weights] of ['[0.1, 0.2]', '[0.3, 0.4, 0.5]', '[0.6, 0.7, 0.8, 0.9]'].entries()) {
      const file = join(dir, `model-${i + 1}.json`);
      await writeFile(file, `{"weights": ${weights}}\n`);
      artifacts.push(file);
    }
  });
  afterAll(() => removeTempDir(dir));

  it('registers three versions with metrics, run id and tags, each the next patch version', async () => {
    // Act
    const first = await mr(
      'models',
      'register',
      ...MODEL,
      '--artifact',
      artifacts[0]!,
      '--metrics',
      'auc=0.88,f1=0.85',
      '--run-id',
      'run-100',
      '--tag',
      'team=fraud',
      '--tag',
      'framework=sklearn',
    );
    const second = await mr(
      'models',
      'register',
      ...MODEL,
      '--artifact',
      artifacts[1]!,
      '--metrics',
      'auc=0.91,f1=0.87,accuracy=0.94',
      '--run-id',
      'run-101',
      '--tag',
      'team=fraud',
    );
    const third = await mr(
      'models',
      'register',
      ...MODEL,
      '--artifact',
      artifacts[2]!,
      '--metrics',
      'auc=0.93,f1=0.88,accuracy=0.95',
      '--run-id',
      'run-102',
      '--dataset-version',
      'ds-2024-06',
      '--code-version',
      '3f2a9c1',
    );

    // Assess
    for (const [i, r] of [first, second, third].entries()) {
      expectExit(r, 0);
      const out = lines(r);
      expect(out[0]).toBe(`Registered fraud_detection/FraudRiskModel 1.0.${i} (development)`);
      const bytes = await readFile(artifacts[i]!);
      expect(out[2]).toBe(`  sha256    ${sha256(bytes)}  (${bytes.length} bytes)`);
      expect(r.stderr).toContain(`notified model.register fraud_detection/FraudRiskModel 1.0.${i}`);
    }
    expect(lines(first)[3]).toBe('  metrics   auc=0.880, f1=0.850');
  });

  it('lists the versions newest first in the aligned table of the reference', async () => {
    // Act
    const r = await mr('models', 'list', ...MODEL);

    // Assess
    expectExit(r, 0);
    const rows = parseTable(lines(r), /^Version {2}Stage +Aliases {2}Registered +Key metrics$/);
    expect(rows.map((c) => c[0])).toEqual(['1.0.2', '1.0.1', '1.0.0']);
    expect(rows.map((c) => c[1])).toEqual(['development', 'development', 'development']);
    expect(rows.map((c) => c[2])).toEqual(['-', '-', '-']);
    for (const c of rows) expect(c[3]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(rows.map((c) => c[4])).toEqual([
      'auc=0.930, f1=0.880, accuracy=0.950',
      'auc=0.910, f1=0.870, accuracy=0.940',
      'auc=0.880, f1=0.850',
    ]);
  });

  it('shows one version in full, and as the version contract with --json', async () => {
    // Act
    const [human, json] = await Promise.all([
      mr('models', 'info', ...MODEL, '--version', '1.0.2'),
      mr('models', 'info', ...MODEL, '--version', '1.0.2', '--json'),
    ]);
    const v = okJson(json);

    // Assess
    expectExit(human, 0);
    expect(lines(human)[0]).toBe('fraud_detection/FraudRiskModel 1.0.2');
    expect(human.stdout).toMatch(/^ {2}stage {8}development \(since \S+Z\)$/m);
    expect(human.stdout).toContain('  lineage      run run-102, dataset ds-2024-06, code 3f2a9c1\n');
    expect(human.stdout).toContain('  metrics      auc=0.930, f1=0.880, accuracy=0.950\n');
    expect(human.stdout).toContain('  registered   ');
    expect(human.stdout).toContain(' by tester\n');

    expect(Object.keys(v).sort()).toEqual(VERSION_KEYS);
    expect(Object.keys(v.artifact).sort()).toEqual(['sha256', 'sizeBytes', 'uri']);
    expect(Object.keys(v.lineage).sort()).toEqual([
      'codeVersion',
      'configHash',
      'curationRuleset',
      'datasetVersion',
      'featureSet',
      'parent',
      'runId',
    ]);
    const bytes = await readFile(artifacts[2]!);
    expect(v).toMatchObject({
      useCase: 'fraud_detection',
      modelName: 'FraudRiskModel',
      version: '1.0.2',
      stage: 'development',
      aliases: [],
      artifact: { sha256: sha256(bytes), sizeBytes: bytes.length },
      metrics: { auc: 0.93, f1: 0.88, accuracy: 0.95 },
      metadata: {},
      lineage: { runId: 'run-102', datasetVersion: 'ds-2024-06', codeVersion: '3f2a9c1' },
      tags: {},
      registeredBy: 'tester',
    });
    expect(v.registeredAt).toMatch(ISO);
    expect(v.stageUpdatedAt).toBe(v.registeredAt);
    const stored = storedPath(store, v.artifact.uri);
    expect(stored.startsWith(join(store, 'fraud_detection', 'FraudRiskModel', 'versions', '1.0.2'))).toBe(
      true,
    );
    expect(await readFile(stored)).toEqual(bytes);
  });

  it('compares two versions: a Metric/vA/vB/Delta table with signed deltas in registration order, and --json', async () => {
    // Act
    const [r, back, compared] = await Promise.all([
      mr('models', 'compare', ...MODEL, '--versions', '1.0.0', '1.0.1'),
      mr('models', 'compare', ...MODEL, '--versions', '1.0.2', '1.0.0'),
      mr('models', 'compare', ...MODEL, '--versions', '1.0.0', '1.0.1', '--json'),
    ]);
    const json = okJson(compared);

    // Assess
    expectExit(r, 0);
    const [title, ...table] = lines(r);
    expect(title).toBe('Comparing fraud_detection/FraudRiskModel: 1.0.0 vs 1.0.1');
    const rows = parseTable(table, /^Metric +v1\.0\.0 {2}v1\.0\.1 {2}Delta$/);
    expect(rows).toEqual([
      ['auc', '0.8800', '0.9100', '+0.0300'],
      ['f1', '0.8500', '0.8700', '+0.0200'],
      ['accuracy', '-', '0.9400', '-'],
    ]);
    expectExit(back, 0);
    expect(lines(back)[0]).toBe('Comparing fraud_detection/FraudRiskModel: 1.0.2 vs 1.0.0');
    expect(parseTable(lines(back).slice(1), /^Metric/)).toEqual([
      ['auc', '0.9300', '0.8800', '-0.0500'],
      ['f1', '0.8800', '0.8500', '-0.0300'],
      ['accuracy', '0.9500', '-', '-'],
    ]);
    expect(Object.keys(json).sort()).toEqual(['a', 'b', 'metrics', 'modelName', 'useCase']);
    expect(json).toMatchObject({
      useCase: 'fraud_detection',
      modelName: 'FraudRiskModel',
      a: '1.0.0',
      b: '1.0.1',
    });
    expect(Object.keys(json.metrics).sort()).toEqual(['accuracy', 'auc', 'f1']);
    expect(Object.keys(json.metrics.auc).sort()).toEqual(['a', 'b', 'delta']);
    expect(json.metrics.auc.a).toBe(0.88);
    expect(json.metrics.auc.b).toBe(0.91);
    expect(json.metrics.auc.delta).toBeCloseTo(0.03, 10);
    expect(json.metrics.accuracy).toEqual({ a: null, b: 0.94, delta: null });
  });

  it('promotes 1.0.1 to staging then production, recording alice as the promoter', async () => {
    // Act
    const staging = await mr(
      'models',
      'promote',
      ...MODEL,
      '--version',
      '1.0.1',
      '--to',
      'staging',
      '--promoted-by',
      'alice',
    );
    const production = await mr(
      'models',
      'promote',
      ...MODEL,
      '--version',
      '1.0.1',
      '--to',
      'production',
      '--promoted-by',
      'alice',
    );
    const audit = okJson(await mr('audit', 'show', ...MODEL, '--json'));

    // Assess
    expectExit(staging, 0);
    expect(lines(staging)[0]).toBe('Promoted fraud_detection/FraudRiskModel 1.0.1 → staging');
    expectExit(production, 0);
    expect(lines(production)[0]).toBe('Promoted fraud_detection/FraudRiskModel 1.0.1 → production');
    expect(audit.items.slice(3).map((e: { actor: string; toStage: string }) => [e.actor, e.toStage])).toEqual(
      [
        ['alice', 'staging'],
        ['alice', 'production'],
      ],
    );
  });

  it('promoting another version to production supersedes the current one', async () => {
    // Act
    const staging = await mr('models', 'promote', ...MODEL, '--version', '1.0.2');
    const production = await mr('models', 'promote', ...MODEL, '--version', '1.0.2', '--to', 'production');
    const list = await mr('models', 'list', ...MODEL);

    // Assess
    expectExit(staging, 0);
    expect(lines(staging)[0]).toBe('Promoted fraud_detection/FraudRiskModel 1.0.2 → staging');
    expectExit(production, 0);
    expect(lines(production)[0]).toBe(
      'Promoted fraud_detection/FraudRiskModel 1.0.2 → production (1.0.1 superseded: still fetchable, a rollback target, archived by the archival policy)',
    );
    expect(parseTable(lines(list), /^Version/).map((c) => [c[0], c[1]])).toEqual([
      ['1.0.2', 'production'],
      ['1.0.1', 'superseded'],
      ['1.0.0', 'development'],
    ]);
  });

  it('demotes 1.0.2 to staging, leaving nothing in production', async () => {
    // Act
    const r = await mr('models', 'demote', ...MODEL, '--version', '1.0.2', '--to', 'staging');
    const inProduction = await mr('models', 'list', ...MODEL, '--stage', 'production');

    // Assess
    expectExit(r, 0);
    expect(lines(r)[0]).toBe('Demoted fraud_detection/FraudRiskModel 1.0.2 → staging');
    expectExit(inProduction, 0);
    expect(inProduction.stdout).toBe('No versions match.\n');
  });

  it('rolls back to 1.0.1 and archives 1.0.0', async () => {
    // Act
    const rollback = await mr('models', 'rollback', ...MODEL, '--version', '1.0.1');
    const archive = await mr('models', 'archive', ...MODEL, '--version', '1.0.0');
    const [list, verify] = await Promise.all([
      mr('models', 'list', ...MODEL),
      mr('audit', 'verify', ...MODEL),
    ]);

    // Assess
    expectExit(rollback, 0);
    expect(lines(rollback)[0]).toBe('Rolled back fraud_detection/FraudRiskModel to 1.0.1 in production');
    expectExit(archive, 0);
    expect(lines(archive)[0]).toBe('Archived fraud_detection/FraudRiskModel 1.0.0');
    expect(parseTable(lines(list), /^Version/).map((c) => [c[0], c[1]])).toEqual([
      ['1.0.2', 'staging'],
      ['1.0.1', 'production'],
      ['1.0.0', 'archived'],
    ]);
    expectExit(verify, 0);
    // 3 registers, 2+2 promotes, 1 superseded archive, 1 demote, 1 rollback, 1 archive
    expect(verify.stdout).toBe(
      'Audit trail of fraud_detection/FraudRiskModel verified: 11 events, chain intact.\n',
    );
  });

  it('traces a training run to the version it produced (lineage show)', async () => {
    // Act
    const [r, none] = await Promise.all([
      mr('lineage', 'show', '--run-id', 'run-101'),
      mr('lineage', 'show', '--run-id', 'run-999'),
    ]);

    // Assess
    expectExit(r, 0);
    const rows = parseTable(lines(r), /^Model +Version {2}Stage +Dataset {2}Code {2}Registered$/);
    expect(rows.map((c) => c.slice(0, 5))).toEqual([
      ['fraud_detection/FraudRiskModel', '1.0.1', 'production', '-', '-'],
    ]);
    expectExit(none, 0);
    expect(none.stdout).toBe('No version was registered from run run-999.\n');
  });

  describe('model@alias as --model', () => {
    it('alias set, then info --model FraudRiskModel@champion shows the version it points at', async () => {
      // Act
      const set = await mr('models', 'alias', 'set', ...MODEL, '--alias', 'champion', '--version', '1.0.1');
      const [info, version, alias, list] = await Promise.all([
        mr('models', 'info', ...UC, '--model', 'FraudRiskModel@champion'),
        mr('models', 'info', ...MODEL, '--version', '@champion', '--json'),
        mr('models', 'info', ...MODEL, '--alias', 'champion', '--json'),
        mr('models', 'list', ...MODEL),
      ]);
      const [byVersion, byAlias] = [okJson(version), okJson(alias)];

      // Assess
      expectExit(set, 0);
      expect(set.stdout).toBe('@champion → 1.0.1\n');
      expectExit(info, 0);
      expect(lines(info)[0]).toBe('fraud_detection/FraudRiskModel 1.0.1');
      expect(info.stdout).toContain('  aliases      champion\n');
      expect([byVersion.version, byAlias.version]).toEqual(['1.0.1', '1.0.1']);
      expect(byVersion.aliases).toEqual(['champion']);
      expect(parseTable(lines(list), /^Version/).map((c) => [c[0], c[2]])).toEqual([
        ['1.0.2', '-'],
        ['1.0.1', 'champion'],
        ['1.0.0', '-'],
      ]);
    });

    it('get --model FraudRiskModel@champion copies out the verified artifact', async () => {
      // Act
      const r = await mr(
        'models',
        'get',
        ...UC,
        '--model',
        'FraudRiskModel@champion',
        '--output',
        'champion',
      );

      // Assess
      expectExit(r, 0);
      const copied = join(dir, 'champion', 'model-2.json');
      expect(r.stdout).toBe(
        `Fetched fraud_detection/FraudRiskModel 1.0.1 to champion/model-2.json\n  sha256 ${sha256(await readFile(artifacts[1]!))} verified\n  signature unsigned (no signature; \`models sign\` signs it, --require-signature refuses unsigned versions)\n`,
      );
      expect(await readFile(copied)).toEqual(await readFile(artifacts[1]!));
      expect(await readdir(join(dir, 'champion'))).toEqual(['model-2.json']);
    });

    it('promote --model FraudRiskModel@challenger promotes the version the alias points at', async () => {
      // Prepare
      await mr('models', 'alias', 'set', ...MODEL, '--alias', 'challenger', '--version', '1.0.2');

      // Act
      const r = await mr(
        'models',
        'promote',
        ...UC,
        '--model',
        'FraudRiskModel@challenger',
        '--to',
        'production',
        '--json',
      );
      const compare = okJson(
        await mr('models', 'compare', ...MODEL, '--versions', '@champion', 'challenger', '--json'),
      );

      // Assess
      expect(okJson(r)).toMatchObject({
        promoted: true,
        version: '1.0.2',
        stage: 'production',
        supersededVersion: '1.0.1',
      });
      expect([compare.a, compare.b]).toEqual(['1.0.1', '1.0.2']);
      expect(compare.metrics.auc.delta).toBeCloseTo(0.02, 10);
    });

    it('moving and removing aliases; a removed alias is not found (exit 4)', async () => {
      // Act
      const moved = await mr('models', 'alias', 'set', ...MODEL, '--alias', 'champion', '--version', '1.0.2');
      const removed = await mr('models', 'alias', 'remove', ...MODEL, '--alias', 'challenger');
      const gone = await mr('models', 'info', ...UC, '--model', 'FraudRiskModel@challenger');

      // Assess
      expectExit(moved, 0);
      expect(moved.stdout).toBe('@champion → 1.0.2 (was 1.0.1)\n');
      expectExit(removed, 0);
      expect(removed.stdout).toBe('Removed @challenger (was 1.0.2)\n');
      expectExit(gone, 4);
      expect(gone.stdout).toBe('');
      expect(gone.stderr).toContain('has no alias "challenger"; aliases: champion.');
      expect(gone.stderr).toContain('[AliasNotFoundError]');
    });
  });
});

describe.concurrent('help', () => {
  let dir: string;
  beforeAll(async () => {
    requireBuiltCli();
    dir = await makeTempDir('help');
  });
  afterAll(() => removeTempDir(dir));

  it('modelreg --help exits 0 and lists the commands', async () => {
    // Act
    const r = await runCli(['--help'], { cwd: dir });

    // Assess
    expectExit(r, 0);
    expect(r.stdout).toMatch(/^Usage: modelreg \[options\] \[command\]/);
    for (const command of ['models', 'audit', 'lineage', 'demo', 'help [command]']) {
      expect(r.stdout).toMatch(new RegExp(`^ {2}${command.replace(/[[\]]/g, '\\$&')} `, 'm'));
    }
    expect(r.stdout).toContain('--store <dir>');
    expect(r.stdout).toContain('--json');
    expect(await readdir(dir)).toEqual([]);
  });

  it('modelreg models --help exits 0 and lists every models command', async () => {
    // Act
    const r = await runCli(['models', '--help'], { cwd: dir });

    // Assess
    expectExit(r, 0);
    const commands = [...r.stdout.matchAll(/^ {2}([a-z]+)\b/gm)].map((m) => m[1]);
    expect(commands).toEqual([
      'register',
      'list',
      'info',
      'promote',
      'demote',
      'rollback',
      'archive',
      'compare',
      'get',
      'deprecate',
      'resolve',
      'edit',
      'sign',
      'verify',
      'alias',
      'policy',
      'card',
      'variant',
      'explain',
      'help',
    ]);
  });

  it('a command’s --help lists its options', async () => {
    // Act
    const r = await runCli(['models', 'promote', '--help'], { cwd: dir });

    // Assess
    expectExit(r, 0);
    for (const flag of [
      '--use-case <name>',
      '--model <name>',
      '--version <version>',
      '--to <stage>',
      '--gate',
    ]) {
      expect(r.stdout).toContain(flag);
    }
  });

  it('a missing subcommand prints the help on stderr and exits 2 (usage)', async () => {
    // Act
    const bare = await runCli([], { cwd: dir });
    const models = await runCli(['models'], { cwd: dir });

    // Assess
    expectExit(bare, 2);
    expect(bare.stderr).toMatch(/^Usage: modelreg \[options\] \[command\]/);
    expectExit(models, 2);
    expect(models.stderr).toMatch(/^Usage: modelreg models \[options\] \[command\]/);
    expect(models.stdout).toBe('');
  });
});

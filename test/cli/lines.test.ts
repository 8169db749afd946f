/** The CLI of release lines, deprecation, traffic aliases and `models resolve`, run as a user would. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
} from './run-cli.js';

const MODEL = ['--use-case', 'robots', '--model', 'Grasp'];

describe('release lines, deprecation and resolve on the command line', () => {
  let dir: string;
  let mr: (...args: string[]) => Promise<CliResult>;

  beforeAll(async () => {
    requireBuiltCli();
    dir = await makeTempDir('lines');
    mr = cliAt(dir, join(dir, 'store'));
    await writeFile(join(dir, 'm.bin'), 'weights\n');
    const steps: string[][] = [
      ['register', '--artifact', 'm.bin', '--metrics', 'auc=0.9'], // 1.0.0 default
      ['register', '--artifact', 'm.bin', '--metrics', 'auc=0.91', '--line', 'orin'], // 1.0.1
      ['register', '--artifact', 'm.bin', '--metrics', 'auc=0.92', '--line', 'orin'], // 1.0.2
      ['register', '--artifact', 'm.bin', '--metrics', 'auc=0.93'], // 1.0.3
    ];
    for (const s of steps) expectExit(await mr('models', ...s, ...MODEL), 0);
    for (const v of ['1.0.0', '1.0.1', '1.0.2']) {
      expectExit(await mr('models', 'promote', ...MODEL, '--version', v, '--to', 'staging'), 0);
      expectExit(await mr('models', 'promote', ...MODEL, '--version', v, '--to', 'production'), 0);
    }
  });
  afterAll(() => removeTempDir(dir));

  it('shows the line of each version and the production of each line', async () => {
    // Act
    const list = await mr('models', 'list', ...MODEL);
    const models = await mr('models', 'list', '--use-case', 'robots');
    const info = okJson(
      await mr('models', 'info', ...MODEL, '--stage', 'production', '--line', 'orin', '--json'),
    );

    // Assess
    expectExit(list, 0);
    expect(list.stdout).toMatch(/1\.0\.2\s+production\s+orin/);
    expect(list.stdout).toMatch(/1\.0\.1\s+superseded\s+orin/);
    expect(list.stdout).toMatch(/1\.0\.0\s+production\s+default/);
    expect(models.stdout).toContain('1.0.0 (orin: 1.0.2)');
    expect(info).toMatchObject({ version: '1.0.2', line: 'orin', stage: 'production' });
  });

  it('refuses a bad line name, a bad weight and weight with shadow, with exit 2 and what to do', async () => {
    // Act
    const reserved = await mr('models', 'register', ...MODEL, '--artifact', 'm.bin', '--line', 'default');
    const capital = await mr('models', 'register', ...MODEL, '--artifact', 'm.bin', '--line', 'Default');
    const selected = await mr('models', 'list', ...MODEL, '--line', 'DEFAULT');
    const notNumber = await mr(
      'models',
      'alias',
      'set',
      ...MODEL,
      '--alias',
      'c',
      '--version',
      '1.0.3',
      '--weight',
      'lots',
    );
    const both = await mr(
      'models',
      'alias',
      'set',
      ...MODEL,
      '--alias',
      'c',
      '--version',
      '1.0.3',
      '--weight',
      '0.1',
      '--shadow',
    );
    const tooBig = await mr(
      'models',
      'alias',
      'set',
      ...MODEL,
      '--alias',
      'c',
      '--version',
      '1.0.3',
      '--weight',
      '1.01',
    );

    // Assess
    expectExit(reserved, 2);
    expect(reserved.stderr).toContain('Register without --line');
    expectExit(capital, 2);
    expect(capital.stderr).toContain('Register without --line');
    expectExit(selected, 2);
    expect(selected.stderr).toContain('--line default');
    expectExit(notNumber, 2);
    expect(notNumber.stderr).toContain('--weight must be a number');
    expectExit(both, 2);
    expect(both.stderr).toContain('either weighted or a shadow');
    expectExit(tooBig, 2);
    expect(tooBig.stderr).toContain('at most 1');
  });

  it('refuses a weight that is not a plain decimal number, such as 0x1', async () => {
    // Act
    const set = (weight: string) =>
      mr('models', 'alias', 'set', ...MODEL, '--alias', 'hex', '--version', '1.0.3', '--weight', weight);
    const hex = await set('0x1');
    const binary = await set('0b1');
    const infinity = await set('Infinity');

    // Assess
    for (const r of [hex, binary, infinity]) {
      expectExit(r, 2);
      expect(r.stderr).toContain('a decimal number');
    }
    expect(okJson(await mr('models', 'resolve', ...MODEL, '--json')).aliases).toEqual([]);
  });

  it('says when setting a weighted alias without --weight removes its weight', async () => {
    // Prepare
    const set = (...extra: string[]) =>
      mr('models', 'alias', 'set', ...MODEL, '--alias', 't1', '--version', '1.0.3', ...extra);
    expectExit(await set('--weight', '0.05'), 0);

    // Act
    const plain = await set();
    const weighted = await set('--weight', '0.02');
    const moved = await set('--weight', '0.03');

    // Assess
    expectExit(plain, 0);
    expect(plain.stdout).toContain('@t1 → 1.0.3 (was 1.0.3 with weight 0.05)');
    expect(plain.stdout).toContain('weight removed');
    expect(weighted.stdout).toContain('@t1 → 1.0.3 with weight 0.02 (was 1.0.3)');
    expect(moved.stdout).toContain('@t1 → 1.0.3 with weight 0.03 (was 1.0.3 with weight 0.02)');
    expectExit(await mr('models', 'alias', 'remove', ...MODEL, '--alias', 't1'), 0);
  });

  it('resolves production and the weighted and shadow aliases of a line, with artifacts', async () => {
    // Prepare
    expectExit(
      await mr(
        'models',
        'alias',
        'set',
        ...MODEL,
        '--alias',
        'canary',
        '--version',
        '1.0.3',
        '--weight',
        '0.1',
      ),
      0,
    );
    expectExit(
      await mr('models', 'alias', 'set', ...MODEL, '--alias', 'mirror', '--version', '1.0.3', '--shadow'),
      0,
    );

    // Act
    const json = okJson(await mr('models', 'resolve', ...MODEL, '--json'));
    const orin = okJson(await mr('models', 'resolve', ...MODEL, '--line', 'orin', '--json'));
    const text = await mr('models', 'resolve', ...MODEL);

    // Assess
    expect(json.production).toMatchObject({
      version: '1.0.0',
      artifact: { sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    expect(json.aliases.map((a: Json) => [a.alias, a.version, a.weight ?? null, a.shadow ?? null])).toEqual([
      ['canary', '1.0.3', 0.1, null],
      ['mirror', '1.0.3', null, true],
    ]);
    expect(json.productionWeight).toBe(0.9);
    expect(orin).toMatchObject({
      line: 'orin',
      production: { version: '1.0.2' },
      aliases: [],
      productionWeight: 1,
    });
    expectExit(text, 0);
    expect(text.stdout).toMatch(/@canary\s+1\.0\.3\s+0\.1/);
    expect(text.stdout).toMatch(/@mirror\s+1\.0\.3\s+shadow/);
  });

  it('deprecates with a reason; a deprecated version is refused promotion and still fetched', async () => {
    // Prepare
    expectExit(await mr('models', 'register', ...MODEL, '--artifact', 'm.bin', '--version', '3.0.0'), 0);

    // Act
    const noReason = await mr('models', 'deprecate', ...MODEL, '--version', '3.0.0');
    const dep = okJson(
      await mr('models', 'deprecate', ...MODEL, '--version', '3.0.0', '--reason', 'leaked split', '--json'),
    );
    const promote = await mr('models', 'promote', ...MODEL, '--version', '3.0.0', '--json');
    const get = await mr('models', 'get', ...MODEL, '--version', '3.0.0', '--output', 'out');
    const withTraffic = await mr('models', 'deprecate', ...MODEL, '--version', '1.0.3', '--reason', 'x');

    // Assess
    expectExit(noReason, 2);
    expect(dep).toEqual({
      deprecated: true,
      version: '3.0.0',
      stage: 'deprecated',
      reason: 'leaked split',
      stillRunning: [],
    });
    expect(promote.code).not.toBe(0);
    expect(parseJson(promote).error).toMatchObject({ name: 'InvalidTransitionError' });
    expect(parseJson(promote).error.message).toContain('deprecated and not eligible for promotion');
    expectExit(get, 0);
    expectExit(withTraffic, 5);
    expect(withTraffic.stderr).toContain('@canary');
  });

  it('keeps the first reason when deprecating again, says so, and models info shows it', async () => {
    // Prepare
    expectExit(await mr('models', 'register', ...MODEL, '--artifact', 'm.bin', '--version', '3.1.0'), 0);
    expectExit(
      await mr('models', 'deprecate', ...MODEL, '--version', '3.1.0', '--reason', 'first reason'),
      0,
    );

    // Act
    const json = okJson(
      await mr('models', 'deprecate', ...MODEL, '--version', '3.1.0', '--reason', 'other reason', '--json'),
    );
    const text = await mr('models', 'deprecate', ...MODEL, '--version', '3.1.0', '--reason', 'other reason');
    const info = await mr('models', 'info', ...MODEL, '--version', '3.1.0');

    // Assess
    expect(json).toMatchObject({ alreadyDeprecated: true, reason: 'first reason' });
    expectExit(text, 0);
    expect(text.stdout).toContain('already deprecated');
    expect(text.stdout).toContain('the earlier reason stands: first reason');
    expectExit(info, 0);
    expect(info.stdout).toMatch(/deprecated\s+first reason \(by tester, /);
  });
});

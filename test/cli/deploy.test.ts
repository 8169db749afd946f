/**
 * `models variant add|list`, `models get --target`, `deployments record|list|end`, the
 * rollback's "still running" lines and `models explain`, through the built CLI.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CliResult,
  cliAt,
  expectExit,
  makeTempDir,
  okJson,
  removeTempDir,
  requireBuiltCli,
} from './run-cli.js';

const MODEL = ['--use-case', 'robotics', '--model', 'Perception'];
const WHERE = ['--env', 'prod', '--site', 'lyon', '--customer', 'acme'];

describe('variants, deployments and explain on the command line', () => {
  let dir: string;
  let mr: (...args: string[]) => Promise<CliResult>;
  const engine = `engine bytes ${Date.now()}`;

  beforeAll(async () => {
    requireBuiltCli();
    dir = await makeTempDir('deploy');
    mr = cliAt(dir, join(dir, 'store'));
    await writeFile(join(dir, 'a.bin'), 'weights a');
    await writeFile(join(dir, 'b.bin'), 'weights b');
    await writeFile(join(dir, 'model.engine'), engine);
    for (const file of ['a.bin', 'b.bin']) {
      expectExit(
        await mr(
          'models',
          'register',
          ...MODEL,
          '--artifact',
          join(dir, file),
          '--dataset-version',
          'ds@4',
          '--curation-ruleset',
          'night-v2',
        ),
        0,
      );
    }
  });

  afterAll(() => removeTempDir(dir));

  it('adds a variant once, lists it, and fetches it with its sha256 verified', async () => {
    // Act
    const added = okJson(
      await mr(
        'models',
        'variant',
        'add',
        ...MODEL,
        '--version',
        '1.0.0',
        '--target',
        'jetson-orin-int8',
        '--artifact',
        join(dir, 'model.engine'),
        '--format',
        'tensorrt',
        '--precision',
        'int8',
        '--json',
      ),
    );
    const again = await mr(
      'models',
      'variant',
      'add',
      ...MODEL,
      '--version',
      '1.0.0',
      '--target',
      'jetson-orin-int8',
      '--artifact',
      join(dir, 'a.bin'),
      '--json',
    );
    const listed = okJson(await mr('models', 'variant', 'list', ...MODEL, '--version', '1.0.0', '--json'));
    const got = okJson(
      await mr(
        'models',
        'get',
        ...MODEL,
        '--version',
        '1.0.0',
        '--target',
        'jetson-orin-int8',
        '--output',
        join(dir, 'out'),
        '--json',
      ),
    );
    const info = await mr('models', 'info', ...MODEL, '--version', '1.0.0');

    // Assess
    const digest = createHash('sha256').update(engine).digest('hex');
    expect(added.artifact.sha256).toBe(digest);
    expectExit(again, 5);
    expect(JSON.parse(again.stdout).error.name).toBe('VariantExistsError');
    expect(listed.items.map((v: { target: string; format: string }) => [v.target, v.format])).toEqual([
      ['jetson-orin-int8', 'tensorrt'],
    ]);
    expect(got).toMatchObject({ target: 'jetson-orin-int8', sha256: digest, verified: true });
    expect(await readFile(got.path, 'utf8')).toBe(engine);
    expect(info.stdout).toMatch(/variants\s+jetson-orin-int8 \(tensorrt int8\)/);
  });

  it('records deployments, lists them by fleet, and the rollback names the ones still on the old version', async () => {
    // Prepare
    for (const v of ['1.0.0', '1.0.1']) {
      expectExit(await mr('models', 'promote', ...MODEL, '--version', v, '--to', 'staging'), 0);
      expectExit(await mr('models', 'promote', ...MODEL, '--version', v, '--to', 'production'), 0);
      expectExit(
        await mr(
          'deployments',
          'record',
          ...MODEL,
          '--version',
          v,
          '--fleet',
          `fleet-${v}`,
          ...WHERE,
          '--by',
          'ci-bot',
        ),
        0,
      );
    }

    // Act
    const rollback = await mr('models', 'rollback', ...MODEL, '--reason', 'regression');
    const byFleet = okJson(await mr('deployments', 'list', '--fleet', 'fleet-1.0.1', '--json'));
    const running = okJson(await mr('deployments', 'list', ...MODEL, '--running', '--json'));
    const ended = okJson(
      await mr('deployments', 'end', '--id', byFleet.items[0].id, '--reason', 'redeployed', '--json'),
    );
    const endAgain = await mr('deployments', 'end', '--id', byFleet.items[0].id);
    const none = await mr('deployments', 'list', '--json');

    // Assess
    expectExit(rollback, 0);
    expect(rollback.stdout).toContain(
      `still running 1.0.1 on prod fleet fleet-1.0.1, site lyon, customer acme [${byFleet.items[0].id}]`,
    );
    expect(rollback.stdout).not.toContain('still running 1.0.0');
    expect(byFleet.items).toHaveLength(1);
    expect(byFleet.items[0]).toMatchObject({ version: '1.0.1', by: 'ci-bot', status: 'active' });
    expect(running.items.map((d: { version: string }) => d.version)).toEqual(['1.0.0', '1.0.1']);
    expect(ended).toMatchObject({ status: 'ended', endReason: 'redeployed', endedBy: 'tester' });
    expectExit(endAgain, 5);
    expectExit(none, 2);
  });

  it('explains a version with the six answers from the records, as JSON and as a table', async () => {
    // Act
    const e = okJson(await mr('models', 'explain', ...MODEL, '--version', '1.0.0', '--json'));
    const human = await mr('models', 'explain', ...MODEL, '--version', '1.0.1');

    // Assess
    expect(e.data).toMatchObject({ datasetVersion: 'ds@4', curationRuleset: 'night-v2' });
    expect(e.promotion).toMatchObject({
      promoted: true,
      event: { action: 'rollback', toStage: 'production' },
    });
    expect(e.variants.map((v: { target: string }) => v.target)).toEqual(['jetson-orin-int8']);
    expect(e.deployments.running.map((d: { fleet: string }) => d.fleet)).toEqual(['fleet-1.0.0']);
    expect(e.events.map((x: { kind: string }) => x.kind)).toEqual(['supersede', 'rollback']);
    expectExit(human, 0);
    for (const n of [1, 2, 3, 4, 5, 6]) expect(human.stdout).toContain(`\n${n}. `);
    expect(human.stdout).toMatch(/archive\s+production → archived \(rolled back; replaced by 1\.0\.0\)/);
    expect(human.stdout).toMatch(/deployment\.end\s+deployment .* ended: redeployed/);
  });

  it('says in --help that deployments record needs a version, and refuses none with the flags to give', async () => {
    // Act
    const help = await mr('deployments', 'record', '--help');
    const infoHelp = await mr('models', 'info', '--help');
    const none = await mr('deployments', 'record', ...MODEL, '--fleet', 'f9', ...WHERE);

    // Assess
    expectExit(help, 0);
    expect(help.stdout).not.toContain('latest');
    expect(help.stdout.replace(/\s+/g, ' ')).toContain('name one of --version, --stage or --alias');
    expect(infoHelp.stdout.replace(/\s+/g, ' ')).toContain('(default: the latest version)');
    expectExit(none, 2);
    expect(none.stderr).toContain('--version V, --stage S or --alias A');
    expect(okJson(await mr('deployments', 'list', '--fleet', 'f9', '--json')).items).toEqual([]);
  });

  it('archive and deprecate --force warn about the deployments still running the version', async () => {
    // Prepare: Planner 1.0.0 in production runs on fleet p1, 1.0.1 (staging) on fleet p2
    const PLANNER = ['--use-case', 'robotics', '--model', 'Planner'];
    for (const file of ['a.bin', 'b.bin'])
      expectExit(await mr('models', 'register', ...PLANNER, '--artifact', join(dir, file)), 0);
    for (const to of ['staging', 'production'])
      expectExit(await mr('models', 'promote', ...PLANNER, '--version', '1.0.0', '--to', to), 0);
    expectExit(await mr('models', 'promote', ...PLANNER, '--version', '1.0.1', '--to', 'staging'), 0);
    const on = (version: string, fleet: string) =>
      mr('deployments', 'record', ...PLANNER, '--version', version, '--fleet', fleet, ...WHERE, '--json');
    const d0 = okJson(await on('1.0.0', 'p1'));
    const d1 = okJson(await on('1.0.1', 'p2'));

    // Act
    const deprecated = await mr(
      'models',
      'deprecate',
      ...PLANNER,
      '--version',
      '1.0.0',
      '--reason',
      'recall',
      '--force',
    );
    const archived = await mr('models', 'archive', ...PLANNER, '--version', '1.0.1');
    const quiet = await mr('models', 'archive', ...PLANNER, '--version', '1.0.0', '--json');

    // Assess
    expectExit(deprecated, 0);
    expect(deprecated.stdout).toContain(
      `still running 1.0.0 on prod fleet p1, site lyon, customer acme [${d0.id}]: redeploy, then deployments end --id ${d0.id}`,
    );
    expect(deprecated.stdout).not.toContain(d1.id);
    expectExit(archived, 0);
    expect(archived.stdout).toContain(
      `still running 1.0.1 on prod fleet p2, site lyon, customer acme [${d1.id}]`,
    );
    expect(archived.stdout).not.toContain(d0.id);
    expectExit(quiet, 0);
    // --json carries the same warning as data, for scripts
    expect(okJson(quiet)).toMatchObject({ archived: true, version: '1.0.0', stillRunning: [{ id: d0.id }] });
    expect(okJson(quiet).stillRunning).toHaveLength(1);
  });
});

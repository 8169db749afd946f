/**
 * Many CLI processes on one store at the same time: promotions to production stay
 * atomic (one production version, every replaced one archived and audited), and
 * concurrent auto-versioned registrations get distinct versions without gaps.
 */
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CliResult,
  cliAt,
  describeRun,
  expectExit,
  type Json,
  makeTempDir,
  okJson,
  removeTempDir,
  requireBuiltCli,
  startCli,
} from './run-cli.js';

const PROCESSES = 8;
const REGISTRATIONS = 6;

describe('processes racing on one store', () => {
  let dir: string;
  let store: string;
  let mr: (...args: string[]) => Promise<CliResult>;

  beforeAll(async () => {
    requireBuiltCli();
    dir = await makeTempDir('race');
    store = join(dir, 'store');
    mr = cliAt(dir, store);
    for (let i = 0; i < PROCESSES; i++) await writeFile(join(dir, `model-${i}.bin`), `model ${i}\n`);
  });
  afterAll(() => removeTempDir(dir));

  it(`${PROCESSES} processes promoting ${PROCESSES} staging versions to production at once: one wins at a time, all audited`, async () => {
    // Prepare
    const MODEL = ['--use-case', 'race', '--model', 'Promoted'];
    const versions = Array.from({ length: PROCESSES }, (_, i) => `2.${i}.0`);
    const each = (args: (version: string, i: number) => string[]) =>
      Promise.all(versions.map((version, i) => mr('models', ...args(version, i), ...MODEL)));
    const setUp = [
      ...(await each((v, i) => ['register', '--artifact', `model-${i}.bin`, '--version', v])),
      ...(await each((v) => ['promote', '--version', v, '--to', 'staging'])),
    ];
    for (const r of setUp) expectExit(r, 0);
    const setUpEvents = okJson(await mr('audit', 'show', ...MODEL, '--json', '--limit', '1000')).items.length;

    // Act: every process is started before any is awaited
    const running = versions.map((version) =>
      startCli(
        [
          'models',
          'promote',
          ...MODEL,
          '--version',
          version,
          '--to',
          'production',
          '--json',
          '--store',
          store,
        ],
        { cwd: dir },
      ),
    );
    const results = await Promise.all(running);

    // Assess
    for (const r of results) expect(r.code, describeRun(r)).toBe(0);
    const answers = results.map((r) => JSON.parse(r.stdout) as Json);
    for (const [i, a] of answers.entries()) {
      expect(a).toMatchObject({ promoted: true, version: versions[i], stage: 'production' });
    }
    const production = okJson(await mr('models', 'list', ...MODEL, '--stage', 'production', '--json'));
    expect(production.items).toHaveLength(1);
    const winner = production.items[0].version as string;
    // each promotion replaced the one before it, except the first, which replaced nothing
    const replaced = answers.map((a) => a.supersededVersion as string | null);
    expect(replaced.filter((v) => v === null)).toHaveLength(1);
    expect(replaced.filter((v): v is string => v !== null).sort()).toEqual(
      versions.filter((v) => v !== winner).sort(),
    );
    const superseded = okJson(await mr('models', 'list', ...MODEL, '--stage', 'superseded', '--json'));
    expect(superseded.items).toHaveLength(PROCESSES - 1);
    const audit = okJson(await mr('audit', 'show', ...MODEL, '--json', '--limit', '1000')).items as Json[];
    const raceEvents = audit.slice(setUpEvents);
    expect(setUpEvents).toBe(2 * PROCESSES);
    expect(raceEvents).toHaveLength(PROCESSES + (PROCESSES - 1));
    expect(raceEvents.filter((e) => e.action === 'promote')).toHaveLength(PROCESSES);
    expect(raceEvents.filter((e) => e.action === 'supersede')).toHaveLength(PROCESSES - 1);
    expect(raceEvents.filter((e) => e.action === 'promote').at(-1).version).toBe(winner);
    expect(okJson(await mr('audit', 'verify', ...MODEL, '--json'))).toEqual({
      valid: true,
      checked: audit.length,
    });
  }, 60_000);

  it(`${REGISTRATIONS} processes registering auto-versioned versions at once get distinct versions, no gaps`, async () => {
    // Prepare
    const MODEL = ['--use-case', 'race', '--model', 'Registered'];

    // Act: every process is started before any is awaited
    const running = Array.from({ length: REGISTRATIONS }, (_, i) =>
      startCli(['models', 'register', ...MODEL, '--artifact', `model-${i}.bin`, '--json', '--store', store], {
        cwd: dir,
      }),
    );
    const results = await Promise.all(running);

    // Assess
    for (const r of results) expect(r.code, describeRun(r)).toBe(0);
    const registered = results.map((r) => JSON.parse(r.stdout).version as string);
    const expected = Array.from({ length: REGISTRATIONS }, (_, i) => `1.0.${i}`);
    expect([...registered].sort()).toEqual(expected);
    const list = okJson(await mr('models', 'list', ...MODEL, '--json'));
    expect(list.items.map((v: Json) => v.version)).toEqual([...expected].reverse());
    for (let i = 0; i < REGISTRATIONS; i++) {
      const v = list.items.find((item: Json) => item.version === registered[i]);
      expect(v.artifact.uri.endsWith(`/model-${i}.bin`)).toBe(true);
    }
    expect((await readdir(join(store, 'race', 'Registered', 'versions'))).sort()).toEqual(expected);
    expect(await readdir(join(store, '.staging'))).toEqual([]);
    const audit = okJson(await mr('audit', 'verify', ...MODEL, '--json'));
    expect(audit).toEqual({ valid: true, checked: REGISTRATIONS });
  }, 60_000);
});

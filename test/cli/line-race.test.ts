/**
 * 32 CLI processes promoting 32 staging versions of one release line to production at
 * once: the head's revision serializes them per model, so the line ends with exactly one
 * production version, every replaced one superseded, and the default line untouched.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliWorkspace, describeRun, expectExit, type Json, okJson } from './run-cli.js';

const PROCESSES = 32;

describe('processes racing on one release line', () => {
  const { mr, start } = cliWorkspace('line-race', async (dir) => {
    for (let i = 0; i <= PROCESSES; i++) await writeFile(join(dir, `model-${i}.bin`), `model ${i}\n`);
  });

  it(`${PROCESSES} processes promoting on line orin: one production on the line, the default line untouched`, async () => {
    // Prepare: the default line has 1.0.0 in production; 32 versions of line orin wait in staging
    const MODEL = ['--use-case', 'robots', '--model', 'Grasp'];
    expectExit(
      await mr('models', 'register', ...MODEL, '--artifact', `model-${PROCESSES}.bin`, '--version', '1.0.0'),
      0,
    );
    expectExit(await mr('models', 'promote', ...MODEL, '--version', '1.0.0', '--to', 'staging'), 0);
    expectExit(await mr('models', 'promote', ...MODEL, '--version', '1.0.0', '--to', 'production'), 0);
    const versions = Array.from({ length: PROCESSES }, (_, i) => `2.${i}.0`);
    for (const r of await Promise.all(
      versions.map((v, i) =>
        mr('models', 'register', ...MODEL, '--artifact', `model-${i}.bin`, '--version', v, '--line', 'orin'),
      ),
    ))
      expectExit(r, 0);
    for (const r of await Promise.all(
      versions.map((v) => mr('models', 'promote', ...MODEL, '--version', v, '--to', 'staging')),
    ))
      expectExit(r, 0);
    const setUpEvents = okJson(await mr('audit', 'show', ...MODEL, '--json', '--limit', '1000')).items.length;

    // Act: every process is started before any is awaited
    const running = versions.map((version) =>
      start('models', 'promote', ...MODEL, '--version', version, '--to', 'production', '--json'),
    );
    const results = await Promise.all(running);

    // Assess
    for (const r of results) expect(r.code, describeRun(r)).toBe(0);
    const answers = results.map((r) => JSON.parse(r.stdout) as Json);
    for (const [i, a] of answers.entries()) {
      expect(a).toMatchObject({ promoted: true, version: versions[i], stage: 'production', line: 'orin' });
    }
    const onLine = okJson(
      await mr('models', 'list', ...MODEL, '--stage', 'production', '--line', 'orin', '--json'),
    );
    expect(onLine.items).toHaveLength(1);
    const winner = onLine.items[0].version as string;
    const replaced = answers.map((a) => a.supersededVersion as string | null);
    expect(replaced.filter((v) => v === null)).toHaveLength(1);
    expect(replaced.filter((v): v is string => v !== null).sort()).toEqual(
      versions.filter((v) => v !== winner).sort(),
    );
    const superseded = okJson(
      await mr('models', 'list', ...MODEL, '--stage', 'superseded', '--limit', '100', '--json'),
    );
    expect(superseded.items).toHaveLength(PROCESSES - 1);
    const everyProduction = okJson(await mr('models', 'list', ...MODEL, '--stage', 'production', '--json'));
    expect(everyProduction.items.map((v: Json) => v.version).sort()).toEqual(['1.0.0', winner].sort());
    const audit = okJson(await mr('audit', 'show', ...MODEL, '--json', '--limit', '1000')).items as Json[];
    const raceEvents = audit.slice(setUpEvents);
    expect(raceEvents.filter((e) => e.action === 'promote')).toHaveLength(PROCESSES);
    expect(raceEvents.filter((e) => e.action === 'supersede')).toHaveLength(PROCESSES - 1);
    expect(raceEvents.filter((e) => e.action === 'promote').at(-1).version).toBe(winner);
    expectExit(await mr('audit', 'verify', ...MODEL), 0);
  }, 240_000);
});

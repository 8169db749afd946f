/**
 * 8 CLI processes recording the same deployment at once: the commit is conditioned on the
 * model's revision and the running slot is read by key, so exactly one deployment is
 * recorded and the others answer it with `alreadyRunning`.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliWorkspace, describeRun, expectExit, type Json, okJson } from './run-cli.js';

const PROCESSES = 8;

describe('processes racing to record one deployment', () => {
  const { mr, start } = cliWorkspace('deploy-race', (dir) => writeFile(join(dir, 'model.bin'), 'weights\n'));

  it(`${PROCESSES} processes recording the same deployment: one is recorded, the rest answer it`, async () => {
    // Prepare
    const MODEL = ['--use-case', 'robots', '--model', 'Grasp'];
    expectExit(await mr('models', 'register', ...MODEL, '--artifact', 'model.bin', '--version', '1.0.0'), 0);
    const WHERE = ['--env', 'prod', '--fleet', 'f1', '--site', 'lyon', '--customer', 'acme'];

    // Act: every process is started before any is awaited
    const running = Array.from({ length: PROCESSES }, () =>
      start('deployments', 'record', ...MODEL, '--version', '1.0.0', ...WHERE, '--json'),
    );
    const results = await Promise.all(running);

    // Assess
    for (const r of results) expect(r.code, describeRun(r)).toBe(0);
    const answers = results.map((r) => JSON.parse(r.stdout) as Json);
    const listed = okJson(await mr('deployments', 'list', ...MODEL, '--json')).items as Json[];
    expect(listed).toHaveLength(1);
    expect(new Set(answers.map((a) => a.id))).toEqual(new Set([listed[0].id]));
    expect(answers.filter((a) => a.alreadyRunning !== true)).toHaveLength(1);
    const audit = okJson(await mr('audit', 'show', ...MODEL, '--json', '--limit', '1000')).items as Json[];
    expect(audit.filter((e) => e.action === 'deployment.record')).toHaveLength(1);
    expectExit(await mr('audit', 'verify', ...MODEL), 0);
  }, 120_000);
});

/**
 * The robotics tour (`modelreg demo --robotics`) prints the commands it narrates: each is
 * complete, carries the tour's `--store`, and can be pasted into a shell against that store.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, expectExit, makeTempDir, removeTempDir, requireBuiltCli, runCli } from './run-cli.js';

function paste(line: string, cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      ['-c', `modelreg() { "${process.execPath}" "${CLI}" "$@"; }\n${line}`],
      {
        cwd,
        env: { ...process.env, MODELREG_STORE: undefined, MODELREG_ACTOR: 'tester' },
        maxBuffer: 1 << 24,
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
    );
  });
}

describe('the commands the robotics tour prints', () => {
  let dir: string;
  let store: string;
  let commands: string[];

  beforeAll(async () => {
    requireBuiltCli();
    dir = await makeTempDir('robotics');
    store = join(dir, 'robotics-store');
    const tour = await runCli(['demo', '--robotics', '--store', store], { cwd: dir });
    expectExit(tour, 0);
    commands = tour.stdout
      .split('\n')
      .filter((l) => l.startsWith('  $ modelreg '))
      .map((l) => l.slice('  $ '.length));
  }, 120_000);
  afterAll(() => removeTempDir(dir));

  it('can each be pasted and run against the tour store without a usage error; the reads succeed', async () => {
    // Act
    const results: { line: string; code: number; stdout: string; stderr: string }[] = [];
    for (const line of commands) results.push({ line, ...(await paste(line, dir)) });

    // Assess: a write whose moment has passed is refused by the registry (2, 3, 4, 5, 7), never by the parser
    expect(commands.some((c) => c.startsWith('modelreg models variant add '))).toBe(true);
    expect(commands.some((c) => c.startsWith('modelreg deployments record '))).toBe(true);
    expect(commands.some((c) => c.startsWith('modelreg models explain '))).toBe(true);
    for (const r of results) {
      const what = `${r.line}\n→ exit ${r.code}\n${r.stderr}`;
      expect(r.line.endsWith(`--store ${store}`), what).toBe(true);
      expect([0, 2, 3, 4, 5, 7], what).toContain(r.code);
      if (r.code === 2) expect(r.stderr, what).toMatch(/\[ValidationError\]/);
      expect(r.stderr, what).not.toMatch(
        /error: (required option|unknown option|option '|missing required)|no registry at/,
      );
      if (/modelreg (models explain|deployments list) /.test(r.line)) expect(r.code, what).toBe(0);
    }
    const explain = results.find((r) => r.line.startsWith('modelreg models explain '))!;
    expect(explain.stdout).toMatch(/6\. Events[\s\S]*regression/);
  }, 300_000);
});

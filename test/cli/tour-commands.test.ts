/**
 * The tour (`modelreg demo`) prints the commands that do what it narrates. A new user must be
 * able to paste each of them: complete (no `…`), with the tour's `--store`, runnable against
 * the store the tour leaves behind.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLI,
  expectExit,
  type Json,
  makeTempDir,
  okJson,
  removeTempDir,
  requireBuiltCli,
  runCli,
} from './run-cli.js';

/** Runs one pasted line in bash, `modelreg` being the built CLI. */
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

describe('the commands the tour prints', () => {
  let dir: string;
  let out: string;
  let store: string;
  beforeAll(async () => {
    requireBuiltCli();
    dir = await makeTempDir('tour');
    store = join(dir, 'tour-store');
    const tour = await runCli(['demo', '--store', store], { cwd: dir });
    expectExit(tour, 0);
    out = tour.stdout;
  }, 120_000);
  afterAll(() => removeTempDir(dir));

  it('are complete, carry the store, and come before the results they produce', () => {
    // Prepare
    const lines = out.split('\n');
    const commands = lines.filter((l) => l.startsWith('  $ modelreg '));

    // Assess
    expect(commands.length).toBeGreaterThanOrEqual(15);
    for (const c of commands) {
      expect(c).not.toContain('…');
      expect(c.endsWith(`--store ${store}`), c).toBe(true);
    }
    const at = (pattern: RegExp) => lines.findIndex((l) => pattern.test(l));
    expect(at(/\$ modelreg models register /)).toBeLessThan(at(/registered as 1\.0\.0/));
    expect(at(/\$ modelreg evalsets evaluate .* --version 1\.0\.0/)).toBeLessThan(
      at(/Evaluated on holdout@1 by ana/),
    );
    expect(at(/^4\. The production gate refuses 1\.0\.0/)).toBeLessThan(at(/Refused \(exit code 3\)/));
    expect(at(/^3\. /)).toBeLessThan(at(/\$ modelreg models register /));
    expect(at(/^5\. /)).toBeGreaterThan(at(/Refused \(exit code 3\)/));
  });

  it('records the evaluations as ana, as the narrative says', async () => {
    // Act
    const audit = okJson(
      await runCli(
        [
          'audit',
          'show',
          '--use-case',
          'fraud_detection',
          '--model',
          'FraudRiskModel',
          '--limit',
          '1000',
          '--json',
          '--store',
          store,
        ],
        {
          cwd: dir,
        },
      ),
    );

    // Assess
    const evaluations = audit.items.filter((e: Json) => e.action === 'evaluate');
    expect(evaluations.length).toBeGreaterThanOrEqual(2);
    expect(evaluations.slice(0, 2).map((e: Json) => e.actor)).toEqual(['ana', 'ana']);
  });

  it('can each be pasted into a shell and run against the tour store without a usage error', async () => {
    // Prepare
    const commands = out
      .split('\n')
      .filter((l) => l.startsWith('  $ modelreg '))
      .map((l) => l.slice('  $ '.length));

    // Act: in order, as a user would paste them
    const results: { line: string; code: number; stdout: string; stderr: string }[] = [];
    for (const line of commands) results.push({ line, ...(await paste(line, dir)) });

    // Assess: nothing is a usage error (commander's) or a missing store. A command whose moment
    // has passed may be refused by the registry's state (exit 2 ValidationError, 3, 4, 5, 7); the
    // reads and the rollback succeed (models get refuses to overwrite what the tour fetched).
    for (const r of results) {
      const what = `${r.line}\n→ exit ${r.code}\n${r.stderr}`;
      expect([0, 2, 3, 4, 5, 7], what).toContain(r.code);
      if (r.code === 2) expect(r.stderr, what).toMatch(/\[ValidationError\]/);
      // the workflow again on the same run finds its version archived since: a typed refusal
      if (r.code === 7) expect(r.stdout, what).toMatch(/"errorType":"InvalidTransitionError"/);
      expect(r.stderr, what).not.toMatch(
        /error: (required option|unknown option|option '|missing required)|no registry at/,
      );
      if (/modelreg (models (list|compare|rollback)|audit (show|verify)|lineage show) /.test(r.line))
        expect(r.code, what).toBe(0);
    }
    expect(results.filter((r) => r.code === 0).length).toBeGreaterThan(results.length / 2);
  }, 300_000);
});

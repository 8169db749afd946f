import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'dist/src/cli/main.js');

/** The README's shell commands of the "Command line" section, continuation lines joined. */
async function readmeCommands(): Promise<{ line: string; expectFailure: boolean }[]> {
  const text = await readFile(join(root, 'README.md'), 'utf8');
  const section = text.slice(text.indexOf('## Command line'), text.indexOf('## Exit codes'));
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return blocks
    .flatMap((b) => b.replace(/\\\n\s*/g, '').split('\n'))
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((line) => ({ line, expectFailure: /#.*(refused|exit [1-9])/.test(line) }));
}

describe('README command examples', () => {
  let dir: string;
  beforeAll(async () => {
    if (!existsSync(cli))
      throw new Error(`${cli} is missing: run npm run build (npm test does it in pretest)`);
    dir = await mkdtemp(join(tmpdir(), 'modelreg-readme-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs every command of the Command line section, in order, with the outcome the README states', async () => {
    // Prepare
    const commands = await readmeCommands();
    expect(commands.length).toBeGreaterThan(30);
    const failures: string[] = [];
    // Act
    for (const { line, expectFailure } of commands) {
      const shell = line.replaceAll('npx modelreg', `node ${JSON.stringify(cli)}`);
      let code = 0;
      let output = '';
      try {
        const r = await run('bash', ['-c', shell], {
          cwd: dir,
          env: { ...process.env, MODELREG_STORE: '', MODELREG_ACTOR: 'readme' },
        });
        output = r.stdout + r.stderr;
      } catch (e) {
        const err = e as { code?: number; stdout?: string; stderr?: string };
        code = err.code ?? 1;
        output = `${err.stdout ?? ''}${err.stderr ?? ''}`;
      }
      if (expectFailure !== (code !== 0)) failures.push(`${line}\n  → exit ${code}\n${output}`);
    }
    // Assess
    expect(failures).toEqual([]);
  }, 300_000); // ~150 CLI processes in sequence: a guard against a hang, not a speed limit
});

/**
 * The command line as a new user meets it (issue 12): stores are never created by a read,
 * store failures are typed, help teaches, misspellings get a suggestion, rollback is explicit
 * about the policy, and an identical policy writes nothing. Each test runs the built CLI.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUMP_NAMES, STAGE_NAMES } from '../../src/cli/commands/shared.js';
import { STAGES } from '../../src/core/model.js';
import { BUMPS } from '../../src/core/versioning.js';
import {
  cliAt,
  describeRun,
  expectExit,
  type Json,
  makeTempDir,
  okJson,
  parseJson,
  removeTempDir,
  requireBuiltCli,
  runCli,
} from './run-cli.js';

const MODEL = ['--use-case', 'uc', '--model', 'M'];

const dirs: string[] = [];
async function workdir(label: string): Promise<string> {
  const dir = await makeTempDir(label);
  dirs.push(dir);
  await writeFile(join(dir, 'model.bin'), 'bytes\n');
  return dir;
}

beforeAll(() => requireBuiltCli());
afterAll(async () => {
  await Promise.all(dirs.map(removeTempDir));
});

describe.concurrent('opening the store', () => {
  it('a read-only command on a mistyped --store says "no registry at DIR", exits 8 and creates nothing', async () => {
    // Prepare
    const dir = await workdir('typo');

    // Act
    const human = await runCli(['models', 'list', ...MODEL, '--store', 'typo-store'], { cwd: dir });
    const json = await runCli(['audit', 'show', ...MODEL, '--store', 'typo-store', '--json'], { cwd: dir });
    const noFlag = await runCli(['models', 'list', '--use-case', 'uc'], { cwd: dir });

    // Assess
    expectExit(human, 8);
    expect(human.stderr).toContain(`no registry at ${join(dir, 'typo-store')}`);
    expect(human.stderr).toContain('modelreg init');
    expect(human.stderr).not.toMatch(/\n\s+at /);
    expectExit(json, 8);
    expect(parseJson(json).error.name).toBe('StoreNotFoundError');
    expectExit(noFlag, 8);
    expect((await readdir(dir)).sort()).toEqual(['model.bin']);
  });

  it('a writing command creates the store and says so the first time only; init creates one explicitly', async () => {
    // Prepare
    const dir = await workdir('create');
    const mr = cliAt(dir, 'store');

    // Act
    const first = await mr('models', 'register', ...MODEL, '--artifact', 'model.bin');
    const second = await mr('models', 'register', ...MODEL, '--artifact', 'model.bin');
    const init = await runCli(['init', '--store', 'fresh', '--json'], { cwd: dir });
    const initAgain = await runCli(['init', '--store', 'fresh'], { cwd: dir });
    const readFresh = await runCli(['models', 'list', '--use-case', 'uc', '--store', 'fresh', '--json'], {
      cwd: dir,
    });

    // Assess
    expectExit(first, 0);
    expect(first.stderr).toContain(`Created a new registry at ${join(dir, 'store')}.`);
    expectExit(second, 0);
    expect(second.stderr).not.toContain('Created a new registry');
    expect(okJson(init)).toEqual({ store: join(dir, 'fresh'), created: true });
    expectExit(initAgain, 0);
    expect(initAgain.stdout).toContain('already exists');
    expect(okJson(readFresh).items).toEqual([]);
  });

  it('--store at an existing file gives StoreAccessError, exit 9, for reads and writes, without a stack trace', async () => {
    // Prepare
    const dir = await workdir('file');
    await writeFile(join(dir, 'not-a-dir'), 'x');

    // Act
    const write = await runCli(
      ['models', 'register', ...MODEL, '--artifact', 'model.bin', '--store', 'not-a-dir'],
      {
        cwd: dir,
      },
    );
    const read = await runCli(['models', 'list', '--use-case', 'uc', '--store', 'not-a-dir', '--json'], {
      cwd: dir,
    });

    // Assess
    expectExit(write, 9);
    expect(write.stderr).toContain('[StoreAccessError]');
    expect(write.stderr).not.toMatch(/EEXIST|\n\s+at /);
    expectExit(read, 9);
    expect(parseJson(read).error.name).toBe('StoreAccessError');
    expect(await readFile(join(dir, 'not-a-dir'), 'utf8')).toBe('x');
  });

  it('a corrupt registry.db gives CorruptStoreError, exit 6, instead of a SqliteError stack trace', async () => {
    // Prepare
    const dir = await workdir('corrupt');
    await mkdir(join(dir, 'store'));
    await writeFile(
      join(dir, 'store', 'registry.db'),
      'this is not an SQLite database, just text '.repeat(200),
    );

    // Act
    const human = await runCli(['models', 'list', '--use-case', 'uc', '--store', 'store'], { cwd: dir });
    const json = await runCli(
      ['models', 'register', ...MODEL, '--artifact', 'model.bin', '--store', 'store', '--json'],
      {
        cwd: dir,
      },
    );

    // Assess
    expectExit(human, 6);
    expect(human.stderr).toContain('[CorruptStoreError]');
    expect(human.stderr).not.toMatch(/SqliteError|\n\s+at /);
    expectExit(json, 6);
    expect(parseJson(json).error).toMatchObject({
      name: 'CorruptStoreError',
      details: { code: 'SQLITE_NOTADB' },
    });
  });
});

describe.concurrent('help', () => {
  it('subcommand help shows the global options, marks required options, has examples and no "(default: [])"', async () => {
    // Prepare
    const dir = await workdir('help');

    // Act
    const promote = await runCli(['models', 'promote', '--help'], { cwd: dir });
    const register = await runCli(['models', 'register', '--help'], { cwd: dir });

    // Assess (help wraps at 80 columns: compare with the whitespace folded)
    const flat = (text: string) => text.replace(/\s+/g, ' ');
    for (const r of [promote, register]) {
      expectExit(r, 0);
      expect(r.stdout).toMatch(/Global Options:[\s\S]*--store <dir>[\s\S]*--json[\s\S]*--backend <backend>/);
      expect(flat(r.stdout)).toContain('--use-case <name> use case the model belongs to (required)');
      expect(r.stdout).toMatch(/Examples:\n {2}\$ modelreg models/);
      expect(r.stdout).not.toContain('(default: [])');
    }
    expect(flat(promote.stdout)).toContain(
      '--gate <gate=threshold> a gate such as min_auc=0.85 (repeatable)',
    );
    expect(flat(promote.stdout)).not.toMatch(/--to <stage> [^-]*\(required\)/);
    expect(flat(register.stdout)).toMatch(/--artifact <path> [^-]*\(required\)/);
  });

  it('modelreg --version prints the version of package.json, and --version stays a subcommand option', async () => {
    // Prepare
    const dir = await workdir('version');
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as Json;

    // Act
    const long = await runCli(['--version'], { cwd: dir });
    const short = await runCli(['-V'], { cwd: dir });
    const info = await runCli(['models', 'info', ...MODEL, '--version', '1.0.0'], { cwd: dir });

    // Assess
    expect(long.stdout).toBe(`${pkg.version}\n`);
    expect(short.stdout).toBe(`${pkg.version}\n`);
    expectExit(info, 8); // parsed as the model version: the store is looked for, and is missing
  });

  it('suggests the nearest command, stage and completion shell', async () => {
    // Prepare
    const dir = await workdir('suggest');

    // Act
    const command = await runCli(['modls', 'list'], { cwd: dir });
    const verb = await runCli(['models', 'promte'], { cwd: dir });
    const stage = await runCli(['models', 'promote', ...MODEL, '--to', 'prodution'], { cwd: dir });
    const abbreviated = await runCli(['models', 'list', ...MODEL, '--stage', 'prod'], { cwd: dir });
    const shell = await runCli(['completion', 'bsh'], { cwd: dir });

    // Assess
    for (const r of [command, verb, stage, abbreviated, shell]) expectExit(r, 2);
    expect(command.stderr).toContain('Did you mean models?');
    expect(verb.stderr).toContain('Did you mean promote?');
    expect(stage.stderr).toContain('Did you mean production?');
    expect(abbreviated.stderr).toContain('Did you mean production?');
    expect(shell.stderr).toContain('Did you mean bash?');
  });

  it('suggests the gate of the nearest metric when a gate names a metric the version lacks', async () => {
    // Prepare
    const dir = await workdir('gate');
    const mr = cliAt(dir, 'store');
    okJson(
      await mr(
        'models',
        'register',
        ...MODEL,
        '--artifact',
        'model.bin',
        '--metrics',
        'auc=0.93,f1=0.8',
        '--json',
      ),
    );

    // Act
    const human = await mr('models', 'promote', ...MODEL, '--version', '1.0.0', '--gate', 'min_acu=0.9');
    const json = await mr(
      'models',
      'promote',
      ...MODEL,
      '--version',
      '1.0.0',
      '--gate',
      'max_f2=0.9',
      '--json',
    );

    // Assess
    expectExit(human, 3);
    expect(human.stdout).toContain('gate min_acu: the version has no metric acu. Did you mean min_auc?');
    expectExit(json, 3);
    expect(parseJson(json).hints).toEqual([
      'gate max_f2: the version has no metric f2. Did you mean max_f1?',
    ]);
  });

  it('completion bash completes commands, verbs and options in a real bash; zsh and fish cover every command', async () => {
    // Prepare
    const dir = await workdir('completion');
    const bash = await runCli(['completion', 'bash'], { cwd: dir });
    const zsh = await runCli(['completion', 'zsh'], { cwd: dir });
    const fish = await runCli(['completion', 'fish'], { cwd: dir });
    await writeFile(join(dir, 'c.bash'), bash.stdout);
    const complete = (...words: string[]) =>
      execFileSync(
        'bash',
        [
          '-c',
          `source c.bash; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _modelreg; printf '%s\\n' "\${COMPREPLY[@]}"`,
        ],
        { cwd: dir, encoding: 'utf8' },
      )
        .trim()
        .split('\n');

    // Act / Assess
    expectExit(bash, 0);
    expect(complete('modelreg', 'mo')).toEqual(['models', 'monitor']);
    expect(complete('modelreg', 'models', 'pro')).toEqual(['promote']);
    expect(complete('modelreg', 'models', 'policy', '')).toEqual(['set', 'show', 'apply']);
    expect(complete('modelreg', 'models', 'promote', '--ga')).toEqual(['--gate', '--gates-file']);
    expect(complete('modelreg', 'audit', 'show', '--st')).toEqual(['--store']);
    expect(zsh.stdout).toContain('bashcompinit');
    for (const path of [
      'models promote',
      'models alias set',
      'evalsets evaluate',
      'approvals request',
      'init',
    ]) {
      expect(zsh.stdout).toContain(`"${path}")`);
      expect(fish.stdout).toContain(`'${path}'`);
    }
  });
});

describe('help starts without the registry', () => {
  it('--help, subcommand help and completion load neither zod, nor SQLite, nor the use cases', () => {
    // Prepare: a resolve hook that lists every module the process loads
    const hook = `data:text/javascript,${encodeURIComponent(
      "import { register } from 'node:module'; register('data:text/javascript,' + encodeURIComponent(\"export async function resolve(s, c, n) { const r = await n(s, c); process.stderr.write('LOADED ' + r.url + '\\\\n'); return r; }\"));",
    )}`;
    const cli = new URL('../../dist/src/cli/main.js', import.meta.url).pathname;
    const loaded = (...args: string[]) => {
      const r = spawnSync(process.execPath, ['--import', hook, cli, ...args], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      return r.stderr;
    };

    // Act
    const probes = [
      loaded('--help'),
      loaded('models', 'promote', '--help'),
      loaded('pipeline', 'run', '--help'),
      loaded('completion', 'bash'),
    ];

    // Assess
    for (const stderr of probes) {
      expect(stderr).toContain('/cli/program.js');
      expect(stderr).not.toMatch(/node_modules\/zod\//);
      expect(stderr).not.toMatch(/better-sqlite3|cli-table3|\/app\/registry\.js|\/adapters\//);
    }
  });
});

describe('the CLI keeps its lists in step with the domain', () => {
  it('offers exactly the domain stages and bump parts', () => {
    expect([...STAGE_NAMES]).toEqual([...STAGES]);
    expect([...BUMP_NAMES]).toEqual([...BUMPS]);
  });
});

describe.concurrent('audit, listing and info', () => {
  it('audit show prints reasons and gate thresholds in the table, and --reverse shows newest first', async () => {
    // Prepare
    const dir = await workdir('audit');
    const mr = cliAt(dir, 'store');
    okJson(
      await mr('models', 'register', ...MODEL, '--artifact', 'model.bin', '--metrics', 'auc=0.93', '--json'),
    );
    okJson(await mr('models', 'promote', ...MODEL, '--version', '1.0.0', '--gate', 'min_auc=0.9', '--json'));
    okJson(
      await mr(
        'models',
        'archive',
        ...MODEL,
        '--version',
        '1.0.0',
        '--reason',
        'superseded by 2.0',
        '--json',
      ),
    );

    // Act
    const table = await mr('audit', 'show', ...MODEL);
    const reversed = await mr('audit', 'show', ...MODEL, '--reverse');
    const json = okJson(await mr('audit', 'show', ...MODEL, '--reverse', '--json'));

    // Assess
    expectExit(table, 0);
    const rows = table.stdout.split('\n').slice(2).filter(Boolean);
    expect(table.stdout.split('\n')[0]).toMatch(/Seq\s+At\s+Actor\s+Action\s+Version\s+Change\s+Why\s+Hash/);
    expect(rows.map((r) => r.split(/\s+/)[0])).toEqual(['1', '2', '3']);
    expect(rows[1]).toMatch(/promote .*min_auc 0\.9300 vs 0\.9000/);
    expect(rows[2]).toMatch(/archive .*superseded by 2\.0/);
    const reversedRows = reversed.stdout.split('\n').slice(2).filter(Boolean);
    expect(reversedRows.map((r) => r.split(/\s+/)[0])).toEqual(['3', '2', '1']);
    expect(json.items.map((e: Json) => e.seq)).toEqual([3, 2, 1]);
    const help = await runCli(['audit', 'show', '--help'], { cwd: dir });
    expect(help.stdout.replace(/\s+/g, ' ')).toContain('oldest first (newest first with --reverse)');
  });

  it('models list --tag keeps the versions with every given tag; info without a version shows the latest and says so', async () => {
    // Prepare
    const dir = await workdir('tags');
    const mr = cliAt(dir, 'store');
    const reg = async (...tags: string[]) =>
      okJson(
        await mr(
          'models',
          'register',
          ...MODEL,
          '--artifact',
          'model.bin',
          ...tags.flatMap((t) => ['--tag', t]),
          '--json',
        ),
      );
    await reg('team=risk', 'env=prod');
    await reg('team=growth');
    await reg('team=risk');

    // Act
    const risk = okJson(await mr('models', 'list', ...MODEL, '--tag', 'team=risk', '--json'));
    const both = okJson(
      await mr('models', 'list', ...MODEL, '--tag', 'team=risk', '--tag', 'env=prod', '--json'),
    );
    const noModel = await mr('models', 'list', '--use-case', 'uc', '--tag', 'team=risk');
    const latest = await mr('models', 'info', ...MODEL);
    const latestJson = okJson(await mr('models', 'info', ...MODEL, '--json'));

    // Assess
    expect(risk.items.map((v: Json) => v.version)).toEqual(['1.0.2', '1.0.0']);
    expect(both.items.map((v: Json) => v.version)).toEqual(['1.0.0']);
    expectExit(noModel, 2);
    expect(noModel.stderr).toContain('add --model NAME');
    expectExit(latest, 0);
    expect(latest.stdout.split('\n')[0]).toBe(
      'uc/M 1.0.2 (the latest version; pick another with --version, --stage or --alias)',
    );
    expect(latestJson.version).toBe('1.0.2');
  });
});

describe.concurrent('CLI wording stays in the CLI', () => {
  it('adds the command to run as a hint on stderr, while the error message (and --json) names none', async () => {
    // Prepare
    const dir = await workdir('hints');
    const mr = cliAt(dir, 'store');
    okJson(await mr('models', 'register', ...MODEL, '--artifact', 'model.bin', '--json'));

    // Act
    const approval = await mr('approvals', 'approve', 'no-such-id', '--by', 'carol');
    const version = await mr('models', 'info', ...MODEL, '--version', '9.9.9', '--json');

    // Assess
    expectExit(approval, 4);
    const [error, hint] = approval.stderr.trim().split('\n');
    expect(error).toBe('error: no approval request no-such-id. [NotFoundError]');
    expect(hint).toMatch(/^hint: see `modelreg approvals list`/);
    expectExit(version, 4);
    expect(parseJson(version).error.message).not.toContain('modelreg');
    expect(parseJson(version).error.hint).toBeUndefined();
  });
});

describe.concurrent('rollback and policy', () => {
  /** A store with 1.0.0 (auc 0.5) replaced in production by 1.0.1 (auc 0.95), champion on 1.0.1. */
  async function rolledOut(label: string) {
    const dir = await workdir(label);
    const mr = cliAt(dir, 'store');
    for (const auc of ['0.5', '0.95'])
      okJson(
        await mr(
          'models',
          'register',
          ...MODEL,
          '--artifact',
          'model.bin',
          '--metrics',
          `auc=${auc}`,
          '--json',
        ),
      );
    for (const v of ['1.0.0', '1.0.1']) {
      okJson(await mr('models', 'promote', ...MODEL, '--version', v, '--to', 'staging', '--json'));
      okJson(await mr('models', 'promote', ...MODEL, '--version', v, '--to', 'production', '--json'));
    }
    return { dir, mr };
  }

  it('rollback goes through the production gates; --skip-gates needs a reason and is recorded', async () => {
    // Prepare
    const { mr } = await rolledOut('rollback');
    okJson(await mr('models', 'policy', 'set', ...MODEL, '--production-gate', 'min_auc=0.9', '--json'));

    // Act
    const refused = await mr('models', 'rollback', ...MODEL);
    const noReason = await mr('models', 'rollback', ...MODEL, '--skip-gates');
    const bypass = await mr(
      'models',
      'rollback',
      ...MODEL,
      '--skip-gates',
      '--reason',
      'incident 42',
      '--by',
      'erin',
    );
    const audit = await mr('audit', 'show', ...MODEL, '--reverse');

    // Assess
    expectExit(refused, 3);
    expect(refused.stdout).toMatch(/min_auc\s+0\.5000\s+0\.9000\s+FAIL/);
    expect(refused.stdout).toContain('--skip-gates --reason TEXT');
    expectExit(noReason, 2);
    expect(noReason.stderr).toContain('--skip-gates needs --reason');
    expectExit(bypass, 0);
    expect(bypass.stdout).toContain('production gates bypassed');
    expect(audit.stdout).toMatch(/rollback\s+1\.0\.0\s+superseded → production\s+GATES SKIPPED; incident 42/);
    const production = okJson(await mr('models', 'list', ...MODEL, '--stage', 'production', '--json'));
    expect(production.items.map((v: Json) => v.version)).toEqual(['1.0.0']);
  });

  it('a rollback that would strand an alias is refused (exit 5) unless --move-alias moves it', async () => {
    // Prepare
    const { mr } = await rolledOut('alias');
    okJson(
      await mr('models', 'alias', 'set', ...MODEL, '--alias', 'champion', '--version', '1.0.1', '--json'),
    );

    // Act
    const refused = await mr('models', 'rollback', ...MODEL);
    const moved = await mr('models', 'rollback', ...MODEL, '--move-alias', '--json');

    // Assess
    expectExit(refused, 5);
    expect(refused.stderr).toContain('@champion');
    expect(okJson(moved)).toMatchObject({ rolledBack: true, version: '1.0.0', movedAliases: ['champion'] });
    expect(okJson(await mr('models', 'info', ...MODEL, '--alias', 'champion', '--json')).version).toBe(
      '1.0.0',
    );
  });

  it('setting the identical policy again says so and writes no event and no notification', async () => {
    // Prepare
    const { dir, mr } = await rolledOut('policy');
    const set = [
      'models',
      'policy',
      'set',
      ...MODEL,
      '--production-gate',
      'min_auc=0.9',
      '--require-approval',
    ];
    expectExit(await mr(...set), 0);
    const events = okJson(await mr('audit', 'show', ...MODEL, '--json')).items.length;
    const outbox = (await readFile(join(dir, 'store', 'notifications.jsonl'), 'utf8')).split('\n').length;

    // Act
    const again = await mr(...set);

    // Assess
    expectExit(again, 0);
    expect(again.stdout, describeRun(again)).toContain('unchanged');
    expect(again.stderr).not.toContain('notified');
    expect(okJson(await mr('audit', 'show', ...MODEL, '--json')).items).toHaveLength(events);
    expect((await readFile(join(dir, 'store', 'notifications.jsonl'), 'utf8')).split('\n')).toHaveLength(
      outbox,
    );
    expect(existsSync(join(dir, 'store', 'registry.db'))).toBe(true);
  });
});

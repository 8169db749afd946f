/**
 * Every `modelreg` command run in-process (runCli, the same entry as the binary) with
 * generated arguments: each option left out, given a good value or a hostile one, plus
 * stray positionals. A run ends with a documented exit code and a one-line message:
 * never exit 1 (an untyped, internal error), never a stack trace, and with --json the
 * output is JSON. Afterwards the store is consistent.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteRegistryStore } from '../../src/adapters/local/sqlite-store.js';
import { buildProgram, EXIT, runCli } from '../../src/cli/program.js';
import { openRegistry } from '../../src/index.js';
import { hostileString } from './hostile.js';

/** Runs per command; some thirty commands make the thousands. */
const RUNS = 100;
/** Commands that leave the machine or run long: covered by their own tests. */
// long-running (serve and webhooks run wait for Ctrl-C) or slow; each has its own tests
const SKIPPED = new Set(['aws bootstrap', 'demo', 'pipeline run', 'serve', 'webhooks run']);

let dir: string;
let store: string;
let cwd: string;
const ref = { useCase: 'fraud', modelName: 'detector' };
const failures: string[] = [];
const exits: Record<string, Set<number>> = {};

/** Every leaf command with its long options, read from the program itself. */
function commands(): { path: string[]; options: { flag: string; takesValue: boolean }[] }[] {
  const out: { path: string[]; options: { flag: string; takesValue: boolean }[] }[] = [];
  const walk = (cmd: Command, prefix: string[]) => {
    for (const sub of cmd.commands) {
      const path = [...prefix, sub.name()];
      if (sub.commands.length > 0) walk(sub, path);
      else
        out.push({
          path,
          options: sub.options
            .filter((o) => o.long !== undefined)
            .map((o) => ({ flag: o.long!, takesValue: o.required || o.optional })),
        });
    }
  };
  walk(
    buildProgram({ out: () => {}, err: () => {} }, () => {}),
    [],
  );
  return out.filter((c) => !SKIPPED.has(c.path.join(' ')));
}

/** Values an option is usually given, so that runs get past the first refusal. */
function goodValues(flag: string): string[] {
  const file = (name: string) => join(dir, 'in', name);
  const map: Record<string, string[]> = {
    '--use-case': [ref.useCase],
    '--model': [ref.modelName, `${ref.modelName}@champion`],
    '--artifact': [file('model.bin'), file('dir')],
    '--metrics': ['auc=0.9,f1=0.8', 'auc=NaN', 'auc=1e999', 'auc=0.9,auc=0.8', 'constructor=1'],
    '--metrics-file': [file('metrics.json'), file('bad.json')],
    '--metadata-file': [file('metadata.json'), file('bad.json')],
    '--file': [file('policy.json'), file('holdout.csv'), file('bad.json')],
    '--gates-file': [file('gates.json'), file('bad.json')],
    '--version': ['1.0.0', '1.0.1', '9.9.9'],
    '--versions': ['1.0.0,1.0.1', '1.0.0'],
    '--bump': ['major', 'minor', 'patch'],
    '--stage': ['staging', 'production', 'development'],
    '--to': ['staging', 'production', 'development'],
    '--alias': ['champion', 'valueOf', '__proto__'],
    '--gate': ['min_auc=0.5', 'max_latency=10'],
    '--tag': ['team=risk', 'team=a', '__proto__=x'],
    '--limit': ['1', '50', '0', '1001'],
    '--output': [join(dir, 'out', String(Math.random()).slice(2))],
    '--out': [join(dir, 'checkpoints', 'cp.json')],
    '--against': [join(dir, 'checkpoints', 'cp.json'), file('bad.json')],
    '--key': [join(dir, 'keys', 'audit.pem')],
    '--name': ['holdout'],
    '--status': ['pending', 'approved'],
    '--run-id': ['run-1'],
    '--id': ['fraud/detector#1'],
    '--event': [file('event.json')],
    '--archive-after-days': ['30', '-1'],
  };
  return map[flag] ?? ['alice'];
}

function argv(command: ReturnType<typeof commands>[number]): fc.Arbitrary<string[]> {
  const option = (o: { flag: string; takesValue: boolean }) =>
    o.takesValue
      ? fc.option(
          fc.oneof(
            { weight: 3, arbitrary: fc.constantFrom(...goodValues(o.flag)) },
            { weight: 1, arbitrary: hostileString },
          ),
          { freq: 3 },
        )
      : fc.option(fc.constant(''), { freq: 2 });
  return fc
    .record({
      values: fc.tuple(...command.options.map(option)),
      positional: fc.array(fc.oneof(fc.constantFrom('x', '--', '-'), hostileString), { maxLength: 1 }),
      json: fc.boolean(),
    })
    .map(({ values, positional, json }) => {
      const args = [...command.path, ...positional];
      command.options.forEach((o, i) => {
        const v = values[i];
        if (v === null || v === undefined) return;
        args.push(o.flag);
        if (o.takesValue) args.push(v);
      });
      if (json) args.push('--json');
      return [...args, '--store', store];
    });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'modelreg-fuzz-cli-'));
  store = join(dir, 'store');
  const inDir = join(dir, 'in');
  await mkdir(join(inDir, 'dir'), { recursive: true });
  await mkdir(join(dir, 'checkpoints'), { recursive: true });
  await writeFile(join(inDir, 'model.bin'), 'weights');
  await writeFile(join(inDir, 'dir', 'a.txt'), 'a');
  await writeFile(join(inDir, 'metrics.json'), '{"auc": 0.9, "f1": 0.8}');
  await writeFile(join(inDir, 'metadata.json'), '{"framework": "sklearn"}');
  await writeFile(join(inDir, 'policy.json'), '{"staging": {"min_auc": 0.5}}');
  await writeFile(join(inDir, 'gates.json'), '{"min_auc": 0.5}');
  await writeFile(join(inDir, 'bad.json'), '{"auc": 0.9,, ');
  await writeFile(join(inDir, 'holdout.csv'), 'x,label\n1,0\n2,1\n');
  await writeFile(join(inDir, 'event.json'), '{}');
  process.env.MODELREG_ACTOR = 'fuzzer';
  // relative paths the fuzzer makes up (--key a/b, --output ..) land in the temp directory
  cwd = process.cwd();
  process.chdir(join(dir, 'in', 'dir'));
  const reg = await openRegistry({ store, warn: () => {} });
  try {
    for (const content of ['a', 'b', 'c']) {
      await writeFile(join(inDir, `v-${content}.bin`), content);
      await reg.register({ ...ref, artifactPath: join(inDir, `v-${content}.bin`) });
    }
    await reg.promote({ ...ref, version: '1.0.0', to: 'staging' });
    await reg.promote({ ...ref, version: '1.0.0', to: 'production' });
    await reg.setAlias({ ...ref, name: 'champion', version: '1.0.0' });
  } finally {
    await reg.close();
  }
});

afterAll(async () => {
  process.chdir(cwd);
  await rm(dir, { recursive: true, force: true });
});

describe('fuzzing the command line', () => {
  const documented = new Set<number>(Object.values(EXIT).filter((c) => c !== EXIT.internal));

  for (const command of commands()) {
    const name = command.path.join(' ');
    it(`${name}: ends with a documented exit code and no stack trace for ${RUNS} generated argument lists`, async () => {
      await fc.assert(
        fc.asyncProperty(argv(command), async (args) => {
          let out = '';
          let err = '';
          const code = await runCli(args, { out: (t) => (out += t), err: (t) => (err += t) });
          exits[name] ??= new Set();
          exits[name].add(code);
          const problems: string[] = [];
          if (!documented.has(code)) problems.push(`exit ${code}`);
          if (/\n\s+at .+:\d+:\d+\)?/.test(err + out)) problems.push('a stack trace');
          if (args.includes('--json') && out.trim() !== '') {
            try {
              JSON.parse(out);
            } catch {
              problems.push('output that is not JSON');
            }
          }
          if (problems.length > 0) {
            const shown = args.map((a) => (a.length > 60 ? `${a.slice(0, 30)}…(${a.length} chars)` : a));
            failures.push(
              `modelreg ${JSON.stringify(shown)} → ${problems.join(', ')}\n${err.slice(0, 400)}${out.slice(0, 400)}`,
            );
            return false;
          }
          return true;
        }),
        { numRuns: RUNS },
      );
    });
  }

  it('found nothing untyped, and left the store consistent', async () => {
    expect(failures).toEqual([]);
    if (process.env.FUZZ_DEBUG)
      console.log(
        Object.entries(exits)
          .map(([k, v]) => `${k}: ${[...v]}`)
          .join('\n'),
      );
    // the generators got past validation somewhere: some runs succeeded
    expect([...Object.values(exits)].some((codes) => codes.has(EXIT.ok))).toBe(true);
    const raw = new SqliteRegistryStore(join(store, 'registry.db'));
    const reg = await openRegistry({ store, warn: () => {} });
    try {
      const models = raw.database.prepare('SELECT use_case, model_name FROM heads').all() as {
        use_case: string;
        model_name: string;
      }[];
      for (const m of models) {
        const r = { useCase: m.use_case, modelName: m.model_name };
        const head = (await raw.getHead(r))!;
        const versions = (await raw.listVersions(r, { limit: 1000 })).items;
        expect(versions).toHaveLength(head.versionCount);
        expect(versions.filter((v) => v.stage === 'production').length).toBeLessThanOrEqual(1);
        expect(await reg.verifyAudit(r)).toMatchObject({ valid: true });
      }
    } finally {
      await raw.close();
      await reg.close();
    }
  });
});

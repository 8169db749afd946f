/**
 * Runs the built `modelreg` CLI as a user would: a fresh Node process on
 * dist/src/cli/main.js, in a working directory of the test's choosing, with
 * MODELREG_STORE unset and MODELREG_ACTOR=tester unless the test says otherwise.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect } from 'vitest';

/** The CLI `npm run build` writes (the `pretest` script builds it before `npm test`). */
export const CLI = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

/** Fails with a clear message when the CLI has not been built; call it in `beforeAll`. */
export function requireBuiltCli(): void {
  if (!existsSync(CLI)) {
    throw new Error(
      `the built CLI ${CLI} is missing: run \`npm run build\` first (\`npm test\` builds it in its pretest script).`,
    );
  }
}

/** What one CLI process did. */
export interface CliResult {
  args: readonly string[];
  code: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Working directory of the process. */
  cwd: string;
  /** Environment overrides on top of the test environment (undefined unsets). */
  env?: Record<string, string | undefined>;
}

function cliEnv(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    MODELREG_STORE: undefined,
    MODELREG_BACKEND: undefined,
    MODELREG_ACTOR: 'tester',
    ...overrides,
  };
}

/** Runs the CLI with `args` and resolves when it exits (never rejects on a non-zero exit). */
export function runCli(args: readonly string[], options: RunOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: options.cwd, env: cliEnv(options.env), maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number' && error.signal == null) {
          reject(error);
          return;
        }
        resolve({
          args,
          code: error ? (typeof error.code === 'number' ? error.code : -1) : 0,
          signal: error?.signal ?? null,
          stdout,
          stderr,
        });
      },
    );
  });
}

/**
 * Starts the CLI at once with `child_process.spawn` and returns a promise of its result,
 * so that a test can start many processes before awaiting any of them.
 */
export function startCli(args: readonly string[], options: RunOptions): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd,
    env: cliEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ args, code: code ?? -1, signal, stdout, stderr }));
  });
}

/** Everything a failed expectation should show about the process. */
export function describeRun(r: CliResult): string {
  return `modelreg ${r.args.join(' ')}\n→ exit ${r.code}${r.signal ? ` (${r.signal})` : ''}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
}

/** A runner bound to a working directory and, when given, a `--store` (appended to every call). */
export function cliAt(cwd: string, store?: string): (...args: string[]) => Promise<CliResult> {
  return (...args) => runCli(store === undefined ? args : [...args, '--store', store], { cwd });
}

/** Asserts the exit code, showing the whole run when it is not the expected one. */
export function expectExit(r: CliResult, code: number): void {
  expect(r.code, describeRun(r)).toBe(code);
}

/** Asserts exit 0 and returns the parsed `--json` output. */
export function okJson(r: CliResult): Json {
  expectExit(r, 0);
  return parseJson(r);
}

/** Parsed `--json` output (its shape is what the assertions check). */
// biome-ignore lint/suspicious/noExplicitAny: the JSON printed by the CLI, checked field by field by the tests
export type Json = any;

/** Parses stdout as one JSON document, saying what was printed when it is not. */
export function parseJson(r: CliResult): Json {
  try {
    return JSON.parse(r.stdout);
  } catch (e) {
    throw new Error(`stdout is not one JSON document (${(e as Error).message}):\n${describeRun(r)}`);
  }
}

/** A fresh temporary directory; remove it with `removeTempDir`. */
export function makeTempDir(label: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `modelreg-cli-${label}-`));
}

export async function removeTempDir(dir: string | undefined): Promise<void> {
  if (dir) await rm(dir, { recursive: true, force: true });
}

/**
 * Every directory and file under a store (files with the sha256 of their bytes), except
 * the SQLite database and its WAL files, which any open touches.
 */
export async function storeTree(store: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  async function walk(dir: string): Promise<void> {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      const rel = relative(store, full).split(sep).join('/');
      if (dir === store && entry.name.startsWith('registry.db')) continue;
      if (entry.isDirectory()) {
        out[`${rel}/`] = 'dir';
        await walk(full);
      } else {
        out[rel] = createHash('sha256')
          .update(await readFile(full))
          .digest('hex');
      }
    }
  }
  await walk(store);
  return out;
}

/** A working directory with a store in it, for the tests of one describe block. */
export interface CliWorkspace {
  dir: string;
  store: string;
  /** Runs the CLI on the store and waits for it. */
  mr: (...args: string[]) => Promise<CliResult>;
  /** Starts the CLI on the store at once (see startCli), so that many can run together. */
  start: (...args: string[]) => Promise<CliResult>;
}

/**
 * Makes a temporary directory and its store before the describe block's tests (after
 * checking the CLI is built, then `setup`), and removes it after them.
 */
export function cliWorkspace(label: string, setup?: (dir: string) => Promise<void>): CliWorkspace {
  const ws: CliWorkspace = {
    dir: '',
    store: '',
    mr: (...args) => runCli([...args, '--store', ws.store], { cwd: ws.dir }),
    start: (...args) => startCli([...args, '--store', ws.store], { cwd: ws.dir }),
  };
  beforeAll(async () => {
    requireBuiltCli();
    ws.dir = await makeTempDir(label);
    ws.store = join(ws.dir, 'store');
    await setup?.(ws.dir);
  });
  afterAll(() => removeTempDir(ws.dir));
  return ws;
}

/**
 * `modelreg serve` as a process: it prints its URL, answers curl, acts as the OS user on
 * loopback without tokens, demands a token once one exists, refuses a non-loopback bind
 * without tokens, and stops cleanly on SIGINT. Also `modelreg tokens` end to end.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CLI, cliAt, describeRun, expectExit, okJson, requireBuiltCli } from '../cli/run-cli.js';

const exec = promisify(execFile);

interface Served {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts serve and waits for the URL it prints. */
function startServe(cwd: string, store: string, args: string[] = []): Promise<Served> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--store', store, ...args], {
    cwd,
    env: { ...process.env, MODELREG_ACTOR: 'tester', MODELREG_STORE: undefined },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no URL:\n${out}`)), 20_000);
    child.stdout!.on('data', () => {
      const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m && out.includes('Ctrl-C stops it.')) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, output: () => out, exited });
      }
    });
    exited.then((code) => reject(new Error(`serve exited ${code} before listening:\n${out}`)));
  });
}

async function curl(...args: string[]): Promise<{ status: number; body: string }> {
  const { stdout } = await exec('curl', ['-s', '-w', '\n%{http_code}', ...args]);
  const at = stdout.lastIndexOf('\n');
  return { status: Number(stdout.slice(at + 1)), body: stdout.slice(0, at) };
}

describe('modelreg serve', () => {
  let dir: string;
  let store: string;
  let served: Served | undefined;
  beforeAll(requireBuiltCli);
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'modelreg-serve-'));
    store = join(dir, 'store');
  });
  afterEach(async () => {
    if (served && served.child.exitCode === null) {
      served.child.kill('SIGKILL');
      await served.exited;
    }
    served = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('runs as the OS user on loopback without tokens, answers curl, and stops on SIGINT', async () => {
    served = await startServe(dir, store);
    expect(served.output()).toMatch(/no API tokens: every request acts as tester \(admin\)/);
    const models = await curl(`${served.url}api/v1/models/fraud`);
    expect(models.status).toBe(200);
    expect(JSON.parse(models.body)).toEqual({ items: [], nextCursor: null });
    const policy = await curl(
      '-X',
      'PUT',
      '-H',
      'content-type: application/json',
      '-d',
      '{"policy":{"requireApproval":true}}',
      `${served.url}api/v1/models/fraud/scorer/policy`,
    );
    expect(policy.status).toBe(200);
    const audit = JSON.parse((await curl(`${served.url}api/v1/models/fraud/scorer/audit`)).body);
    expect(audit.items.at(-1).actor).toBe('tester');

    served.child.kill('SIGINT');
    expect(await served.exited).toBe(0);
    expect(served.output()).toContain('stopped.');
    // the registry was closed: another process opens the same store at once
    const list = await cliAt(dir, store)('models', 'list', '--use-case', 'fraud', '--json');
    expectExit(list, 0);
  });

  it('refuses a non-loopback bind without tokens', async () => {
    const r = await cliAt(dir, store)('serve', '--host', '0.0.0.0', '--port', '0');
    expectExit(r, 2);
    expect(r.stderr).toMatch(/refusing to serve on 0\.0\.0\.0 without API tokens/);
  });

  it('refuses a bad port', async () => {
    const r = await cliAt(dir, store)('serve', '--port', 'eighty');
    expectExit(r, 2);
    expect(r.stderr).toMatch(/port must be a whole number/);
  });

  it('demands a token once one exists, and records the token as the actor', async () => {
    const cli = cliAt(dir, store);
    const created = okJson(await cli('tokens', 'create', '--name', 'ci', '--role', 'editor', '--json'));
    const token = created.token as string;
    expect(token).toMatch(/^mr_/);
    const listed = await cli('tokens', 'list', '--json');
    expectExit(listed, 0);
    expect(listed.stdout).not.toContain(token);
    expect(okJson(listed).items).toEqual([
      expect.objectContaining({ name: 'ci', role: 'editor', status: 'active' }),
    ]);

    served = await startServe(dir, store);
    expect(served.output()).toMatch(/sign-in required/);
    expect((await curl(`${served.url}api/v1/models/fraud`)).status).toBe(401);
    const file = join(dir, 'model.bin');
    await writeFile(file, 'weights');
    const reg = await curl(
      '-H',
      `authorization: Bearer ${token}`,
      '-F',
      `artifact=@${file}`,
      '-F',
      'input={"metrics":{"auc":0.9}}',
      `${served.url}api/v1/models/fraud/scorer/versions`,
    );
    expect(reg.status, reg.body).toBe(201);
    expect(JSON.parse(reg.body)).toMatchObject({
      stage: 'development',
      metrics: { auc: 0.9 },
      registeredBy: 'ci',
    });

    const revoked = await cli('tokens', 'revoke', '--name', 'ci');
    expectExit(revoked, 0);
    expect(
      (await curl('-H', `authorization: Bearer ${token}`, `${served.url}api/v1/models/fraud`)).status,
    ).toBe(401);
    served.child.kill('SIGTERM');
    expect(await served.exited, served.output()).toBe(0);
  });

  it('refuses a duplicate active token name and an unknown role', async () => {
    const cli = cliAt(dir, store);
    expectExit(await cli('tokens', 'create', '--name', 'ci', '--role', 'viewer'), 0);
    const dup = await cli('tokens', 'create', '--name', 'ci', '--role', 'viewer');
    expect(dup.code, describeRun(dup)).toBe(5);
    const role = await cli('tokens', 'create', '--name', 'x', '--role', 'root');
    expectExit(role, 2);
    const unknown = await cli('tokens', 'revoke', '--name', 'nobody');
    expectExit(unknown, 4);
  });
});

/**
 * No webhook event is lost when the process that committed the change dies at once: a child
 * process promotes to production and SIGKILLs itself right after the commit (no close, no
 * worker run, SQLite left as a killed process leaves it), then `modelreg webhooks run --once`
 * in a new process delivers the promotion, signed so the Standard Webhooks verifier accepts it.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Webhook as Verifier } from 'standardwebhooks';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cliAt, makeTempDir, okJson, removeTempDir, requireBuiltCli } from './run-cli.js';

const COMPOSE = fileURLToPath(new URL('../../dist/src/compose/local.js', import.meta.url));

/** Promotes, prints `committed`, and kills itself with SIGKILL before anything else runs. */
const CHILD = `
const { openLocalRegistry } = await import(process.env.COMPOSE_URL);
const registry = openLocalRegistry({ store: process.env.STORE });
const r = await registry.promote({ useCase: 'fraud', modelName: 'risk', version: '1.0.0', to: 'production' });
process.stdout.write('committed ' + r.version + '\\n', () => process.kill(process.pid, 'SIGKILL'));
`;

describe('a process killed between the commit and the delivery', () => {
  let dir: string;
  const received: { headers: IncomingMessage['headers']; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.end('ok');
    });
  });

  beforeAll(() => requireBuiltCli());
  beforeEach(async () => {
    dir = await makeTempDir('killed');
    received.length = 0;
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
  });
  afterEach(async () => {
    server.close();
    await removeTempDir(dir);
  });

  it('loses no delivery: a worker in a new process sends it', async () => {
    // Prepare
    const cli = cliAt(dir);
    const { port } = server.address() as AddressInfo;
    const hook = okJson(
      await cli(
        'webhooks',
        'create',
        '--url',
        `http://127.0.0.1:${port}/deploy`,
        '--events',
        'model.promote',
        '--stage',
        'production',
        '--allow-private',
        '--json',
      ),
    );
    await writeFile(join(dir, 'model.bin'), 'weights');
    okJson(
      await cli(
        'models',
        'register',
        '--use-case',
        'fraud',
        '--model',
        'risk',
        '--artifact',
        'model.bin',
        '--json',
      ),
    );
    okJson(
      await cli(
        'models',
        'promote',
        '--use-case',
        'fraud',
        '--model',
        'risk',
        '--version',
        '1.0.0',
        '--to',
        'staging',
        '--json',
      ),
    );

    // Act: the committing process dies by SIGKILL right after the commit
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], {
      cwd: dir,
      env: { ...process.env, COMPOSE_URL: new URL(`file://${COMPOSE}`).href, STORE: join(dir, '.modelreg') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      out += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      err += c;
    });
    const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
    const beforeWorker = received.length;
    const pending = okJson(await cli('webhooks', 'deliveries', '--id', hook.webhook.id, '--json'));
    const run = okJson(await cli('webhooks', 'run', '--once', '--json'));
    const rerun = okJson(await cli('webhooks', 'run', '--once', '--json'));

    // Assess
    expect({ code, signal, out, err }).toMatchObject({
      code: null,
      signal: 'SIGKILL',
      out: 'committed 1.0.0\n',
    });
    expect(beforeWorker).toBe(0);
    expect(pending.items.map((d: { status: string }) => d.status)).toEqual(['pending']);
    expect(run).toEqual({ delivered: 1, retrying: 0, failed: 0 });
    expect(rerun).toEqual({ delivered: 0, retrying: 0, failed: 0 });
    expect(received).toHaveLength(1);
    const headers = Object.fromEntries(
      ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((h) => [
        h,
        String(received[0]!.headers[h]),
      ]),
    );
    const verified = new Verifier(hook.secret).verify(received[0]!.body, headers) as {
      type: string;
      data: { version: string; toStage: string };
    };
    expect(verified).toMatchObject({
      type: 'model.promote',
      data: { version: '1.0.0', toStage: 'production' },
    });
  });
});

/**
 * What `modelreg serve` runs: the HTTP application (JSON API and web UI) on the chosen backend. It
 * binds loopback unless told otherwise; without API tokens it runs as the OS user on
 * loopback and refuses any other address. Ctrl-C (SIGINT) or SIGTERM closes the server,
 * then the registry.
 */
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import * as z from 'zod';
import { ApiTokens } from '../app/api-tokens.js';
import { approvalSecret } from '../app/approval-secret.js';
import { parseInput } from '../app/inputs.js';
import { osUser } from '../app/os-user.js';
import type { Registry } from '../app/registry.js';
import { ValidationError } from '../core/errors.js';
import { createApp } from '../http/app.js';
import { isLoopback } from '../http/auth.js';
import { parseBackend } from '../index.js';
import type { CliIo } from './commands/shared.js';

const ServeSchema = z.object({
  host: z.string().min(1, 'host must not be empty (--host 127.0.0.1)'),
  port: z.coerce
    .number({ error: 'port must be a whole number from 0 to 65535 (--port 8080)' })
    .int('port must be a whole number from 0 to 65535 (--port 8080)')
    .min(0, 'port must be a whole number from 0 to 65535 (--port 8080)')
    .max(65535, 'port must be a whole number from 0 to 65535 (--port 8080)'),
  sourceRoot: z.array(z.string().min(1)),
});

/**
 * Serves the app on `registry` until SIGINT or SIGTERM; the caller opened the registry (and
 * closes it after).
 */
export async function runServe(
  registry: Registry,
  opts: Record<string, unknown>,
  g: { store?: string; backend?: string },
  io: CliIo,
): Promise<void> {
  const backend = parseBackend(g.backend ?? process.env.MODELREG_BACKEND);
  const store = g.store ?? (process.env.MODELREG_STORE || '.modelreg');
  const o = parseInput(ServeSchema, opts);
  let server: ReturnType<typeof createAdaptorServer> | undefined;
  try {
    const tokens = new ApiTokens(registry.records);
    const hasTokens = await tokens.anyActive();
    if (!hasTokens && !isLoopback(o.host))
      throw new ValidationError(
        `refusing to serve on ${o.host} without API tokens: anyone who reaches it would act as you. Create one with \`modelreg tokens create --name NAME --role ROLE\`, or bind loopback (--host 127.0.0.1).`,
        { host: o.host },
      );
    const actor = hasTokens ? undefined : osUser();
    const app = createApp({
      registry,
      auth: {
        mode: 'embedded',
        tokens,
        secret: await approvalSecret(),
        ...(actor ? { osUser: actor } : {}),
      },
      sources: { roots: o.sourceRoot.map((d) => resolve(d)), s3: backend === 'aws' },
    });
    const listening = createAdaptorServer({ fetch: app.fetch, hostname: o.host, port: o.port });
    server = listening;
    const address = await new Promise<AddressInfo>((ok, fail) => {
      listening.once('error', (e: NodeJS.ErrnoException) =>
        fail(
          e.code === 'EADDRINUSE'
            ? new ValidationError(`port ${o.port} on ${o.host} is in use; pick another with --port.`)
            : e,
        ),
      );
      listening.listen(o.port, o.host, () => ok(listening.address() as AddressInfo));
    });
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `http://${host}:${address.port}/`;
    io.out(`modelreg serving ${backend === 'local' ? resolve(store) : 'the aws backend'} at ${url}\n`);
    io.out(`  API ${url}api/v1 (docs ${url}api/v1/docs)\n`);
    io.out(
      actor
        ? `  no API tokens: every request acts as ${actor} (admin), loopback only. Create tokens to require sign-in.\n`
        : '  sign-in required: API tokens (Authorization: Bearer …) or /login.\n',
    );
    io.out('  webhook deliveries are sent every 2 s while it runs.\n');
    io.out('  Ctrl-C stops it.\n');
    const worker = registry.webhooks();
    let draining: Promise<unknown> = Promise.resolve();
    const deliveries = setInterval(() => {
      draining = draining.then(() => worker.drain().catch((e: Error) => io.err(`webhooks: ${e.message}\n`)));
    }, 2000);
    deliveries.unref();
    await new Promise<void>((done) => {
      const stop = () => {
        clearInterval(deliveries);
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        listening.close(() => done());
        if ('closeAllConnections' in listening) listening.closeAllConnections();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await draining;
    io.out('stopped.\n');
  } finally {
    if (server?.listening) server.close();
    if (server?.listening) server.close();
  }
}

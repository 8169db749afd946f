/**
 * `modelreg serve`: the HTTP application (JSON API and web UI) on the store. It binds
 * loopback unless told otherwise; without API tokens it runs as the OS user on loopback and
 * refuses any other address. Ctrl-C (SIGINT) or SIGTERM closes the server, then the registry.
 * The server code is loaded only when the command runs.
 */
import type { Command } from 'commander';
import { type CliContext, collect, examples } from './shared.js';

/** Registers `serve` on the program. */
export function registerServe(program: Command, ctx: CliContext): void {
  examples(
    program
      .command('serve')
      .description('serve the JSON API (/api/v1) and the web UI on the store, until Ctrl-C')
      .option(
        '--host <host>',
        'address to bind (loopback by default; any other needs API tokens)',
        '127.0.0.1',
      )
      .option('--port <port>', 'port to listen on (0 picks a free one)', '8080')
      .option(
        '--source-root <dir>',
        'a server directory whose files API callers may register by path (repeatable; default none)',
        collect,
      )
      .action(
        ctx.withRegistry('write', async (registry, o, cmd) => {
          const { runServe } = await import('../serve-run.js');
          await runServe(
            registry,
            { ...o, sourceRoot: (o.sourceRoot as string[] | undefined) ?? [] },
            ctx.globals(cmd),
            ctx.io,
          );
        }),
      ),
    ['modelreg serve --store ./.modelreg', 'modelreg serve --host 0.0.0.0 --port 8080   # needs API tokens'],
  );
}

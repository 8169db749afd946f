/**
 * The `modelreg` command tree. Each noun lives in its own module under ./commands and is
 * registered below, in one list; each action loads what it needs when it runs, so that
 * `--help`, `--version` and completion start without the registry, zod or SQLite.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Help, type Option } from 'commander';
import { ModelregError } from '../core/errors.js';
import { registerAliases } from './commands/aliases.js';
import { registerApprovals } from './commands/approvals.js';
import { registerAudit } from './commands/audit.js';
import { registerCards } from './commands/cards.js';
import { registerCompletion } from './commands/completion.js';
import { registerDeployments } from './commands/deployments.js';
import { registerEvalSets } from './commands/evalsets.js';
import { registerEvents } from './commands/events.js';
import { registerExplain } from './commands/explain.js';
import { registerArtifacts, registerLineage, registerNotifications } from './commands/housekeeping.js';
import { registerKeys } from './commands/keys.js';
import { registerModels } from './commands/models.js';
import { registerMonitor } from './commands/monitor.js';
import { registerPipeline } from './commands/pipeline.js';
import { registerPolicy } from './commands/policy.js';
import { registerServe } from './commands/serve.js';
import { registerAws, registerDemo, registerInit } from './commands/setup.js';
import { type CliIo, EXIT, exitCodeOf, globalOptions, makeContext } from './commands/shared.js';
import { registerTokens } from './commands/tokens.js';
import { registerUseCases } from './commands/usecases.js';
import { registerVariants } from './commands/variants.js';
import { registerWebhooks } from './commands/webhooks.js';
import { hintFor } from './hints.js';

export { type CliIo, EXIT, exitCodeOf } from './commands/shared.js';

/** Help that marks required options, so `--help` says which ones a command cannot do without. */
class ModelregHelp extends Help {
  override optionDescription(option: Option): string {
    const base = super.optionDescription(option);
    return option.mandatory ? `${base} (required)` : base;
  }
}

/** The version in modelreg's package.json (found upward from this module, in src/ or dist/). */
function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'modelreg' && pkg.version) return pkg.version;
    }
    dir = dirname(dir);
  }
  return '0.0.0';
}

/** Builds the `modelreg` command tree. Each action sets the exit code through `setExit`. */
export function buildProgram(io: CliIo, setExit: (code: number) => void, json = false): Command {
  const program = globalOptions(
    new Command('modelreg').description(
      'A model registry with workflow automation: versions, stages, gates, aliases, audit trail.',
    ),
  )
    // `--version` is also a subcommand option (a model version), so it is read by runCli
    // only when it is the whole command line
    .addHelpText(
      'after',
      '\nmodelreg --version (or -V) prints the version; modelreg completion bash|zsh|fish completes commands.',
    )
    .showHelpAfterError('(add --help for usage)')
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({
      writeOut: io.out,
      writeErr: io.err,
      // with --json the error is printed once, as JSON on stdout, by runCli
      outputError: (text, write) => (json ? undefined : write(text)),
    })
    .exitOverride();

  const ctx = makeContext(io, setExit);
  // every command, one line each
  registerInit(program, ctx);
  const models = registerModels(program, ctx);
  registerAliases(models, ctx);
  registerPolicy(models, ctx);
  registerCards(models, ctx);
  registerUseCases(program, ctx);
  registerApprovals(program, ctx);
  registerPipeline(program, ctx);
  registerAudit(program, ctx);
  registerLineage(program, ctx);
  registerEvalSets(program, ctx);
  registerNotifications(program, ctx);
  registerArtifacts(program, ctx);
  registerAws(program, ctx);
  registerDemo(program, ctx);
  registerServe(program, ctx);
  registerTokens(program, ctx);
  registerKeys(program, ctx);
  registerEvents(program, ctx);
  registerMonitor(program, ctx);
  registerWebhooks(program, ctx);
  registerVariants(models, ctx);
  registerExplain(models, ctx);
  registerDeployments(program, ctx);
  registerCompletion(program, io.out);

  const useOurHelp = (cmd: Command) => {
    cmd.createHelp = () => Object.assign(new ModelregHelp(), cmd.configureHelp());
    for (const sub of cmd.commands) useOurHelp(sub);
  };
  useOurHelp(program);
  return program;
}

/** Runs the CLI on `argv` (without node and script) and returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let code: number = EXIT.ok;
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    io.out(`${packageVersion()}\n`);
    return EXIT.ok;
  }
  const json = argv.includes('--json');
  const program = buildProgram(
    io,
    (c) => {
      code = c;
    },
    json,
  );
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return EXIT.ok;
      // help shown because the subcommand is missing (exitCode 1) is a usage error
      if (e.code === 'commander.help') return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
      if (json)
        io.out(
          `${JSON.stringify({ error: { name: 'UsageError', message: e.message.replace(/^error: /, '') } }, null, 2)}\n`,
        );
      return EXIT.usage;
    }
    const name = e instanceof Error ? e.name : 'Error';
    const message = e instanceof Error ? e.message : String(e);
    if (json) {
      const details =
        e instanceof ModelregError && Object.keys(e.details).length ? { details: e.details } : {};
      io.out(`${JSON.stringify({ error: { name, message, ...details } }, null, 2)}\n`);
    } else {
      io.err(`error: ${message}${e instanceof ModelregError ? ` [${name}]` : ''}\n`);
      const hint = hintFor(e);
      if (hint) io.err(`hint: ${hint}\n`);
      if (!(e instanceof ModelregError) && e instanceof Error && e.stack) io.err(`${e.stack}\n`);
    }
    return exitCodeOf(e);
  }
}

/**
 * What every command module shares: exit codes, the context an action runs in (output,
 * exit code, opening the registry) and the option builders for the options many commands
 * take. Nothing heavy is imported here: the registry, zod and the SQLite driver are loaded
 * by the action that needs them, so `--help` starts as fast as Node.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { Registry } from '../../app/registry.js';
import {
  ConflictError,
  GateFailedError,
  IntegrityError,
  NotFoundError,
  RevokedKeyError,
  SignatureInvalidError,
  StoreAccessError,
  StoreNotFoundError,
  UntrustedKeyError,
  ValidationError,
} from '../../core/errors.js';
import type { RegistryEvent } from '../../core/ports.js';
import { nearest as nearestOf } from '../suggest.js';

/** Exit codes: a contract for scripts, documented in the README. */
export const EXIT = {
  ok: 0,
  internal: 1,
  usage: 2,
  gateFailed: 3,
  notFound: 4,
  conflict: 5,
  integrity: 6,
  /** A run that did not complete: a failed workflow, notifications that failed again, a sweep that could not remove everything. */
  incomplete: 7,
  /** `--store` (or MODELREG_STORE, or ./.modelreg) holds no registry: a typo, or the wrong directory. */
  noStore: 8,
  /** The store directory cannot be used: a file in the way, no permission, a disk error. */
  storeUnavailable: 9,
  /** The promotion workflow ended because the approval was rejected. */
  rejected: 10,
  /** Signing: a signature that does not verify, or a signed statement that does not match its version. */
  signatureInvalid: 11,
  /** Signing: signed by a key the use case does not trust (or unsigned where a signature is required). */
  untrustedKey: 12,
  /** Signing: signed by a key the use case has revoked. */
  revokedKey: 13,
} as const;

/** Maps an error to its documented exit code. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof SignatureInvalidError) return EXIT.signatureInvalid;
  if (error instanceof UntrustedKeyError) return EXIT.untrustedKey;
  if (error instanceof RevokedKeyError) return EXIT.revokedKey;
  if (error instanceof StoreNotFoundError) return EXIT.noStore;
  if (error instanceof StoreAccessError) return EXIT.storeUnavailable;
  if (error instanceof GateFailedError) return EXIT.gateFailed;
  if (error instanceof ValidationError) return EXIT.usage;
  if (error instanceof NotFoundError) return EXIT.notFound;
  if (error instanceof ConflictError) return EXIT.conflict;
  if (error instanceof IntegrityError) return EXIT.integrity;
  return EXIT.internal;
}

/** Where the CLI writes; injectable for in-process tests. */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** The global options, as every command sees them. */
export interface Globals {
  store?: string;
  json?: boolean;
  backend?: string;
}

/** A command's parsed options. */
export type Opts = Record<string, unknown>;

/** The stage names, kept here (and checked against the domain's in a test) so help needs no zod. */
export const STAGE_NAMES = [
  'development',
  'staging',
  'production',
  'superseded',
  'deprecated',
  'archived',
] as const;
/** The semver parts `--bump` accepts (checked against the domain's in a test). */
export const BUMP_NAMES = ['major', 'minor', 'patch'] as const;

/** Whether a command may create the store: only commands that write do. */
export type Access = 'read' | 'write';

/** What an action needs from the program: output, exit code, the registry. */
export interface CliContext {
  io: CliIo;
  setExit: (code: number) => void;
  globals: (cmd: Command) => Globals;
  /** Prints JSON with --json, else the human text. */
  print: (cmd: Command, json: unknown, human: () => string) => void;
  /** Wraps an action: opens the registry (creating the store only for `write`), runs, closes. */
  withRegistry: (
    access: Access | ((opts: Opts) => Access),
    fn: (registry: Registry, opts: Opts, cmd: Command) => Promise<void>,
  ) => (...args: unknown[]) => Promise<void>;
}

/** The store directory a command uses: --store, else MODELREG_STORE, else .modelreg. */
export function storeDir(g: Globals, env: NodeJS.ProcessEnv = process.env): string {
  return g.store ?? (env.MODELREG_STORE || '.modelreg');
}

/**
 * Checks the local store before it is opened. A read finds no registry → StoreNotFoundError;
 * a file where the directory should be → StoreAccessError. Returns whether the store is new.
 */
export function checkStore(dir: string, access: Access): { created: boolean } {
  const root = resolve(dir);
  const db = join(root, 'registry.db');
  let stats: ReturnType<typeof statSync> | undefined;
  try {
    stats = statSync(root, { throwIfNoEntry: false });
  } catch (e) {
    throw new StoreAccessError(`cannot read the store ${root}: ${(e as Error).message}`, { store: root });
  }
  if (stats && !stats.isDirectory()) {
    throw new StoreAccessError(
      `the store ${root} is a file, not a directory; give --store a directory (new or holding a registry).`,
      { store: root },
    );
  }
  if (stats && existsSync(db)) return { created: false };
  if (access === 'read') {
    throw new StoreNotFoundError(`no registry at ${root}.`, { store: root });
  }
  return { created: true };
}

/** Builds the context the command modules share. */
export function makeContext(io: CliIo, setExit: (code: number) => void): CliContext {
  const globals = (cmd: Command): Globals => cmd.optsWithGlobals() as Globals;
  const print = (cmd: Command, json: unknown, human: () => string) => {
    if (globals(cmd).json) io.out(`${JSON.stringify(json, null, 2)}\n`);
    else io.out(`${human()}\n`);
  };
  const withRegistry: CliContext['withRegistry'] =
    (access, fn) =>
    async (...args) => {
      const cmd = args[args.length - 1] as Command;
      const opts = cmd.opts() as Opts;
      const g = globals(cmd);
      const { openRegistry, parseBackend } = await import('../../index.js');
      const backend = parseBackend(g.backend ?? process.env.MODELREG_BACKEND);
      const store = storeDir(g);
      const mode = typeof access === 'function' ? access(opts) : access;
      const created = backend === 'local' ? checkStore(store, mode).created : false;
      const registry = await openRegistry({
        backend,
        store,
        ...(g.json ? {} : { onEvent: (e: RegistryEvent) => io.err(`  ↳ notified ${describeEvent(e)}\n`) }),
        warn: (m) => io.err(`warning: ${m}\n`),
      });
      // said once, on stderr; --json keeps stderr for warnings only
      if (created && !g.json) io.err(`Created a new registry at ${resolve(store)}.\n`);
      try {
        await fn(registry, opts, cmd);
      } finally {
        await registry.close();
      }
    };
  return { io, setExit, globals, print, withRegistry };
}

function describeEvent(e: RegistryEvent): string {
  const move = e.fromStage || e.toStage ? ` ${e.fromStage ?? '∅'}→${e.toStage ?? '∅'}` : '';
  return `${e.type} ${e.useCase}/${e.modelName}${e.version ? ` ${e.version}` : ''}${move}`;
}

/** `useCase/modelName` of a command's options (without any @alias suffix). */
export const label = (o: Opts) => `${o.useCase}/${String(o.model).split('@')[0]}`;

/** An option limited to `values`; a misspelled value gets a "did you mean". */
export function choiceOption(flags: string, description: string, values: readonly string[]): Option {
  const option = new Option(flags, description);
  option.argChoices = [...values];
  return option.argParser((value: string) => {
    if (values.includes(value)) return value;
    const match = nearestOf(value, values);
    throw new InvalidArgumentError(
      `Allowed choices are ${values.join(', ')}.${match === undefined ? '' : ` Did you mean ${match}?`}`,
    );
  });
}

/** A `--stage`-like option limited to the lifecycle's stages. */
export const stageOption = (flags: string, description: string) =>
  choiceOption(flags, description, STAGE_NAMES);

/** An option parser for a positive whole number (refused with a ValidationError, exit 2). */
export function positiveInt(name: string): (value: string) => number {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) {
      throw new ValidationError(`${name} must be a positive whole number, not ${JSON.stringify(value)}.`, {
        field: name,
        value,
      });
    }
    return n;
  };
}

/** `--use-case` (required unless `optional`). */
export function useCaseOption(cmd: Command, optional = false, description = 'use case'): Command {
  return optional
    ? cmd.option('--use-case <name>', description)
    : cmd.requiredOption('--use-case <name>', description);
}

/** `--use-case` and `--model`: the model a command acts on. */
export function modelOptions(cmd: Command): Command {
  return useCaseOption(cmd, false, 'use case the model belongs to').requiredOption(
    '--model <name>',
    'model name (name@alias selects the version an alias points at)',
  );
}

/**
 * The model plus one way to pick a version. Most commands need one named; `versionDefault`
 * says in the help what a command that has a default picks (info: the latest version).
 */
export function selectorOptions(cmd: Command, versionDefault?: string): Command {
  return modelOptions(cmd)
    .option(
      '--version <version>',
      `a version such as 1.3.0, or @alias (${versionDefault ? `default: ${versionDefault}` : 'name one of --version, --stage or --alias'})`,
    )
    .addOption(stageOption('--stage <stage>', 'the newest version in this stage'))
    .option('--alias <alias>', 'the version this alias points at')
    .option(
      '--line <line>',
      'release line a --stage selector looks in ("default" or none: the default line)',
    );
}

/** `--limit` and `--cursor` of a paginated listing. */
export function pageOptions(cmd: Command): Command {
  return cmd
    .option('--limit <n>', 'page size (1–1000, default 50)', positiveInt('limit'))
    .option('--cursor <cursor>', 'nextCursor of the previous page');
}

/** The page request of `--limit`/`--cursor`. */
export const pageOf = (o: Opts) => ({
  ...(o.limit ? { limit: o.limit as number } : {}),
  ...(o.cursor ? { cursor: o.cursor as string } : {}),
});

/** The selector of a command's options, as the use cases take it. */
export const sel = (opts: Opts) => ({
  useCase: opts.useCase as string,
  modelName: opts.model as string,
  ...(opts.version !== undefined ? { version: String(opts.version) } : {}),
  ...(opts.stage !== undefined ? { stage: opts.stage as (typeof STAGE_NAMES)[number] } : {}),
  ...(opts.alias !== undefined ? { alias: String(opts.alias) } : {}),
  ...(opts.line !== undefined ? { line: String(opts.line) } : {}),
});

/** `--store`, `--json` and `--backend`, declared once on the program and shown in every help. */
export function globalOptions(program: Command): Command {
  return program
    .option(
      '--store <dir>',
      'store directory of the embedded backend (env MODELREG_STORE, default .modelreg)',
    )
    .option('--json', 'print machine-readable JSON (the documented contract shapes)')
    .addOption(
      choiceOption(
        '--backend <backend>',
        'local (SQLite + files) or aws (DynamoDB + S3 + SNS; env MODELREG_BACKEND)',
        ['local', 'aws'],
      ),
    );
}

/** Adds an "Examples:" section to a command's help. */
export function examples(cmd: Command, lines: readonly string[]): Command {
  return cmd.addHelpText('after', `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}`);
}

/** Collects a repeatable option into an array (default undefined, so help shows no `[]`). */
export const collect = (value: string, previous: string[] | undefined): string[] => [
  ...(previous ?? []),
  value,
];

/** A repeatable option's values (none when it was not given). */
export const many = (value: unknown): string[] => (value as string[] | undefined) ?? [];

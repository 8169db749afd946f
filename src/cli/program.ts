import { randomUUID } from 'node:crypto';
import { dirname, isAbsolute, resolve as resolvePath } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import type { Registry } from '../app/registry.js';
import { resumeWorkflow } from '../app/resume-workflow.js';
import {
  ConflictError,
  GateFailedError,
  IntegrityError,
  ModelregError,
  NotFoundError,
  ValidationError,
} from '../core/errors.js';
import { parseGateArg } from '../core/gates.js';
import { refLabel, STAGES, type Stage } from '../core/model.js';
import type { PolicyInput } from '../core/policy.js';
import type { RegistryEvent } from '../core/ports.js';
import { BUMPS } from '../core/versioning.js';
import { BACKENDS, openRegistry, parseBackend } from '../index.js';
import { addServeCommand } from './commands/serve.js';
import { addTokensCommand } from './commands/tokens.js';
import {
  auditTable,
  gatesTable,
  keyMetrics,
  num,
  shortTime,
  signed,
  table,
  versionsTable,
} from './format.js';
import { collect, parseMetrics, parsePositiveInt, parseTags, readJsonObject } from './parse.js';

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
} as const;

/** Maps an error to its documented exit code. */
export function exitCodeOf(error: unknown): number {
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

interface Globals {
  store?: string;
  json?: boolean;
  backend?: string;
}

type Opts = Record<string, unknown>;

/** `useCase/modelName` of a command's options (without any @alias suffix). */
const label = (o: Opts) => `${o.useCase}/${String(o.model).split('@')[0]}`;

const stageOption = (flags: string, description: string) =>
  new Option(flags, description).choices(STAGES as unknown as string[]);

/** Builds the `modelreg` command tree. Each action returns the exit code. */
export function buildProgram(io: CliIo, setExit: (code: number) => void, json = false): Command {
  const program = new Command('modelreg')
    .description('A model registry with workflow automation: versions, stages, gates, aliases, audit trail.')
    .option(
      '--store <dir>',
      'store directory of the embedded backend (env MODELREG_STORE, default .modelreg)',
    )
    .option('--json', 'print machine-readable JSON (the documented contract shapes)')
    .addOption(
      new Option(
        '--backend <backend>',
        'local (SQLite + files) or aws (DynamoDB + S3 + SNS; env MODELREG_BACKEND)',
      ).choices([...BACKENDS]),
    )
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({
      writeOut: io.out,
      writeErr: io.err,
      // with --json the error is printed once, as JSON on stdout, by runCli
      outputError: (text, write) => (json ? undefined : write(text)),
    })
    .exitOverride();

  const globals = (cmd: Command): Globals => cmd.optsWithGlobals() as Globals;

  const print = (cmd: Command, json: unknown, human: () => string) => {
    if (globals(cmd).json) io.out(`${JSON.stringify(json, null, 2)}\n`);
    else io.out(`${human()}\n`);
  };

  /** Opens the registry for one command, runs it, closes it. */
  const withRegistry =
    (fn: (registry: Registry, opts: Opts, cmd: Command) => Promise<void>) =>
    async (...args: unknown[]) => {
      const cmd = args[args.length - 1] as Command;
      const opts = cmd.opts() as Opts;
      const g = globals(cmd);
      const registry = await openRegistry({
        ...(g.store ? { store: g.store } : {}),
        ...(g.backend ? { backend: parseBackend(g.backend) } : {}),
        ...(g.json ? {} : { onEvent: (e: RegistryEvent) => io.err(`  ↳ notified ${describeEvent(e)}\n`) }),
        warn: (m) => io.err(`warning: ${m}\n`),
      });
      try {
        await fn(registry, opts, cmd);
      } finally {
        await registry.close();
      }
    };

  const model = (cmd: Command) =>
    cmd
      .requiredOption('--use-case <name>', 'use case the model belongs to')
      .requiredOption('--model <name>', 'model name (name@alias selects the version an alias points at)');
  const selector = (cmd: Command) =>
    model(cmd)
      .option('--version <version>', 'a version such as 1.3.0, or @alias')
      .addOption(stageOption('--stage <stage>', 'the newest version in this stage'))
      .option('--alias <alias>', 'the version this alias points at');
  const sel = (opts: Opts) => ({
    useCase: opts.useCase as string,
    modelName: opts.model as string,
    ...(opts.version !== undefined ? { version: String(opts.version) } : {}),
    ...(opts.stage !== undefined ? { stage: opts.stage as Stage } : {}),
    ...(opts.alias !== undefined ? { alias: String(opts.alias) } : {}),
  });

  const models = program
    .command('models')
    .description('register, list, promote, demote, roll back, archive, compare and fetch versions');

  model(
    models
      .command('register')
      .description('register a new version (development) with its artifact, metrics and lineage'),
  )
    .requiredOption(
      '--artifact <path>',
      'model file or directory (hashed with sha256 and copied into the store)',
    )
    .option(
      '--metrics <list>',
      'metrics as name=value pairs: auc=0.93,f1=0.88 (repeatable)',
      // repeated --metrics add up instead of the last one silently replacing the others
      (value: string, previous?: string) => (previous === undefined ? value : `${previous},${value}`),
    )
    .option('--metrics-file <file>', 'JSON object of metrics')
    .option('--metadata-file <file>', 'JSON object of metadata (drift_check_passed, framework …)')
    .option('--run-id <id>', 'lineage: the training run that produced it')
    .option('--dataset-version <v>', 'lineage: the dataset version it was trained on')
    .option('--code-version <v>', 'lineage: the code version (git sha) that trained it')
    .option('--tag <key=value>', 'a tag (repeatable)', collect, [])
    .option('--version <version>', 'pin a version (refused if it exists: versions are immutable)')
    .addOption(
      new Option('--bump <part>', 'bump this part of the highest version')
        .choices(BUMPS as string[])
        .default('patch'),
    )
    .option('--registered-by <name>', 'who registers it (env MODELREG_ACTOR, default the OS user)')
    .action(
      withRegistry(async (registry, o, cmd) => {
        if (o.metrics !== undefined && o.metricsFile !== undefined) {
          throw new ValidationError('give metrics with --metrics or --metrics-file, not both.');
        }
        const metrics = o.metricsFile
          ? readJsonObject(o.metricsFile as string, 'metrics')
          : o.metrics
            ? parseMetrics(o.metrics as string)
            : {};
        const metadata = o.metadataFile ? readJsonObject(o.metadataFile as string, 'metadata') : {};
        const v = await registry.register({
          useCase: o.useCase as string,
          modelName: o.model as string,
          artifactPath: o.artifact as string,
          ...(o.version !== undefined ? { version: String(o.version) } : { bump: o.bump as string }),
          metrics: metrics as Record<string, number>,
          metadata,
          lineage: {
            runId: (o.runId as string | undefined) ?? null,
            datasetVersion: (o.datasetVersion as string | undefined) ?? null,
            codeVersion: (o.codeVersion as string | undefined) ?? null,
          },
          tags: parseTags(o.tag as string[]),
          ...(o.registeredBy ? { registeredBy: o.registeredBy as string } : {}),
        });
        print(cmd, v, () =>
          [
            `Registered ${refLabel(v)} ${v.version} (${v.stage})`,
            `  artifact  ${v.artifact.uri}`,
            `  sha256    ${v.artifact.sha256}  (${v.artifact.sizeBytes} bytes)`,
            `  metrics   ${keyMetrics(v.metrics, 10) || '-'}`,
          ].join('\n'),
        );
      }),
    );

  models
    .command('list')
    .description(
      'versions of a model newest first, or the models of a use case with their production version',
    )
    .requiredOption('--use-case <name>', 'use case')
    .option('--model <name>', 'model name (omit to list the models of the use case)')
    .addOption(stageOption('--stage <stage>', 'only versions in this stage'))
    .option('--limit <n>', 'page size (1–1000, default 50)', parsePositiveInt('limit'))
    .option('--cursor <cursor>', 'nextCursor of the previous page')
    .action(
      withRegistry(async (registry, o, cmd) => {
        const page = {
          ...(o.limit ? { limit: o.limit as number } : {}),
          ...(o.cursor ? { cursor: o.cursor as string } : {}),
        };
        if (o.model === undefined) {
          if (o.stage !== undefined)
            throw new ValidationError(
              '--stage needs --model (or use it with a model to filter its versions).',
            );
          const res = await registry.listModels({ useCase: o.useCase as string, ...page });
          print(cmd, res, () =>
            res.items.length === 0
              ? `No models in use case ${o.useCase}.`
              : table(
                  ['Model', 'Production', 'Latest', 'Versions', 'Aliases', 'Updated'],
                  res.items.map((m) => [
                    m.modelName,
                    m.productionVersion ?? '-',
                    m.latestVersion ?? '-',
                    String(m.versionCount),
                    Object.entries(m.aliases)
                      .map(([a, v]) => `${a}=${v}`)
                      .join(',') || '-',
                    shortTime(m.updatedAt),
                  ]),
                ) + (res.nextCursor ? `\n(more: --cursor ${res.nextCursor})` : ''),
          );
          return;
        }
        const res = await registry.listVersions({
          useCase: o.useCase as string,
          modelName: o.model as string,
          ...(o.stage ? { stage: o.stage as Stage } : {}),
          ...page,
        });
        print(cmd, res, () =>
          res.items.length === 0
            ? 'No versions match.'
            : versionsTable(res.items) + (res.nextCursor ? `\n(more: --cursor ${res.nextCursor})` : ''),
        );
      }),
    );

  selector(
    models
      .command('info')
      .description('everything about one version: artifact, metrics, metadata, lineage, tags'),
  ).action(
    withRegistry(async (registry, o, cmd) => {
      const v = await registry.info(sel(o));
      print(cmd, v, () =>
        [
          `${refLabel(v)} ${v.version}`,
          `  stage        ${v.stage} (since ${shortTime(v.stageUpdatedAt)})`,
          `  aliases      ${v.aliases.join(', ') || '-'}`,
          `  registered   ${shortTime(v.registeredAt)} by ${v.registeredBy}`,
          `  artifact     ${v.artifact.uri}`,
          `  sha256       ${v.artifact.sha256} (${v.artifact.sizeBytes} bytes)`,
          `  lineage      run ${v.lineage.runId ?? '-'}, dataset ${v.lineage.datasetVersion ?? '-'}, code ${v.lineage.codeVersion ?? '-'}`,
          `  metrics      ${keyMetrics(v.metrics, 100) || '-'}`,
          `  tags         ${
            Object.entries(v.tags)
              .map(([k, t]) => `${k}=${t}`)
              .join(', ') || '-'
          }`,
          `  metadata     ${JSON.stringify(v.metadata)}`,
        ].join('\n'),
      );
    }),
  );

  selector(
    models
      .command('promote')
      .description('promote one stage up (or --to a stage), through the policy and given gates'),
  )
    .addOption(stageOption('--to <stage>', 'target stage (default: the next stage)'))
    .option(
      '--gate <gate=threshold>',
      'a gate such as min_auc=0.85 (repeatable); added to the policy gates',
      collect,
      [],
    )
    .option('--gates-file <file>', 'JSON object of gates ({"min_auc": 0.85, "require_drift_check": true})')
    .option('--promoted-by <name>', 'who promotes')
    .action(
      withRegistry(async (registry, o, cmd) => {
        const gates: Record<string, number | boolean> = o.gatesFile
          ? (readJsonObject(o.gatesFile as string, 'gates') as Record<string, number | boolean>)
          : {};
        for (const g of o.gate as string[]) {
          const [k, v] = parseGateArg(g);
          gates[k] = v;
        }
        const r = await registry.promote({
          ...sel(o),
          ...(o.to ? { to: o.to as Stage } : {}),
          gates,
          ...(o.promotedBy ? { promotedBy: o.promotedBy as string } : {}),
        });
        if (!r.promoted) {
          const error = new GateFailedError(`promotion of ${r.version} refused: ${r.reason}`, {
            gates: r.gates,
          });
          print(cmd, { ...r, error: { name: error.name, message: error.message } }, () =>
            [
              `Refused: ${label(o)} ${r.version} stays in ${r.stage}.`,
              gatesTable(r.gates ?? []),
              r.reason ?? '',
            ].join('\n'),
          );
          setExit(EXIT.gateFailed);
          return;
        }
        print(cmd, r, () => {
          const lines = [
            r.alreadyPromoted
              ? `${label(o)} ${r.version} is already in ${r.stage}; nothing changed.`
              : `Promoted ${label(o)} ${r.version} → ${r.stage}${r.archivedVersion ? ` (archived ${r.archivedVersion})` : ''}`,
          ];
          if (r.gates?.length) lines.push(gatesTable(r.gates));
          return lines.join('\n');
        });
      }),
    );

  selector(
    models
      .command('demote')
      .description('move a version down: production→staging|development, staging→development'),
  )
    .addOption(stageOption('--to <stage>', 'target stage (default staging)'))
    .option('--by <name>', 'who demotes')
    .action(
      withRegistry(async (registry, o, cmd) => {
        const r = await registry.demote({
          ...sel(o),
          ...(o.to ? { to: o.to as Stage } : {}),
          ...(o.by ? { demotedBy: o.by as string } : {}),
        });
        print(cmd, r, () =>
          r.alreadyDemoted
            ? `${label(o)} ${r.version} is already in ${r.stage}; nothing changed.`
            : `Demoted ${label(o)} ${r.version} → ${r.stage}`,
        );
      }),
    );

  selector(
    models
      .command('rollback')
      .description(
        'return a version (default: the previous production one) to production; the current one is archived',
      ),
  )
    .option('--reason <text>', 'why (kept in the audit trail)')
    .option('--by <name>', 'who rolls back')
    .action(
      withRegistry(async (registry, o, cmd) => {
        const r = await registry.rollback({
          ...sel(o),
          ...(o.reason ? { reason: o.reason as string } : {}),
          ...(o.by ? { rolledBackBy: o.by as string } : {}),
        });
        print(cmd, r, () =>
          r.alreadyRolledBack
            ? `${label(o)} ${r.version} is already in production; nothing changed.`
            : `Rolled back ${label(o)} to ${r.version} in production${r.archivedVersion ? ` (archived ${r.archivedVersion})` : ''}`,
        );
      }),
    );

  selector(
    models.command('archive').description('archive a version (the production version only with --force)'),
  )
    .option('--force', 'allow archiving the production version (leaves nothing in production)')
    .option('--reason <text>', 'why (kept in the audit trail)')
    .option('--by <name>', 'who archives')
    .action(
      withRegistry(async (registry, o, cmd) => {
        const r = await registry.archive({
          ...sel(o),
          force: Boolean(o.force),
          ...(o.reason ? { reason: o.reason as string } : {}),
          ...(o.by ? { archivedBy: o.by as string } : {}),
        });
        print(cmd, r, () =>
          r.alreadyArchived
            ? `${label(o)} ${r.version} is already archived.`
            : `Archived ${label(o)} ${r.version}`,
        );
      }),
    );

  model(models.command('compare').description('compare the metrics of two versions (delta = B − A)'))
    .requiredOption('--versions <versions...>', 'two versions (or @aliases): A B')
    .action(
      withRegistry(async (registry, o, cmd) => {
        const versions = o.versions as string[];
        if (versions.length !== 2)
          throw new ValidationError(`--versions takes exactly two versions (A B), got ${versions.length}.`);
        const r = await registry.compare({
          useCase: o.useCase as string,
          modelName: o.model as string,
          a: versions[0]!,
          b: versions[1]!,
        });
        print(cmd, r, () =>
          [
            `Comparing ${r.useCase}/${r.modelName}: ${r.a} vs ${r.b}`,
            table(
              ['Metric', `v${r.a}`, `v${r.b}`, 'Delta'],
              Object.entries(r.metrics).map(([m, d]) => [m, num(d.a), num(d.b), signed(d.delta)]),
            ),
          ].join('\n'),
        );
      }),
    );

  selector(models.command('get').description("copy a version's artifact out and verify its sha256"))
    .requiredOption('--output <dir>', 'directory to copy the artifact into')
    .action(
      withRegistry(async (registry, o, cmd) => {
        const r = await registry.getArtifact({ ...sel(o), output: o.output as string });
        print(
          cmd,
          r,
          () =>
            `Fetched ${r.useCase}/${r.modelName} ${r.version} to ${r.path}\n  sha256 ${r.sha256} verified`,
        );
      }),
    );

  const alias = models
    .command('alias')
    .description('named pointers to versions (champion, challenger, shadow …)');
  model(alias.command('set').description('point an alias at a version (moves it if it points elsewhere)'))
    .requiredOption('--alias <alias>', 'alias name')
    .requiredOption('--version <version>', 'version it points at')
    .option('--by <name>', 'who sets it')
    .action(
      withRegistry(async (registry, o, cmd) => {
        const r = await registry.setAlias({
          useCase: o.useCase as string,
          modelName: o.model as string,
          version: String(o.version),
          name: o.alias as string,
          ...(o.by ? { setBy: o.by as string } : {}),
        });
        print(cmd, r, () =>
          r.changed
            ? `@${r.alias} → ${r.version}${r.previousVersion ? ` (was ${r.previousVersion})` : ''}`
            : `@${r.alias} already points at ${r.version}; nothing changed.`,
        );
      }),
    );
  model(alias.command('remove').description('remove an alias'))
    .requiredOption('--alias <alias>', 'alias name')
    .option('--by <name>', 'who removes it')
    .action(
      withRegistry(async (registry, o, cmd) => {
        const r = await registry.removeAlias({
          useCase: o.useCase as string,
          modelName: o.model as string,
          name: o.alias as string,
          ...(o.by ? { removedBy: o.by as string } : {}),
        });
        print(cmd, r, () => `Removed @${r.alias} (was ${r.previousVersion})`);
      }),
    );

  const policy = models
    .command('policy')
    .description("a model's promotion gates, approval rule and archival rule");
  model(
    policy.command('set').description('set the policy from a JSON file, or change parts of it with flags'),
  )
    .option('--file <file>', 'JSON policy document (replaces the whole policy)')
    .option(
      '--staging-gate <gate=threshold>',
      'gate for promotion to staging (repeatable; replaces the staging gates)',
      collect,
      [],
    )
    .option(
      '--production-gate <gate=threshold>',
      'gate for promotion to production (repeatable; replaces the production gates)',
      collect,
      [],
    )
    .option('--require-approval', 'production promotion waits for a human approval')
    .option('--no-require-approval', 'production promotion needs no approval')
    .option('--approver <name>', 'who may approve (repeatable; replaces the list)', collect, [])
    .option(
      '--archive-after-days <n>',
      'archive development/staging versions older than N days',
      parsePositiveInt('archive-after-days'),
    )
    .option(
      '--archive-superseded-after-days <n>',
      'archive versions demoted from production N days after they were replaced',
      parsePositiveInt('archive-superseded-after-days'),
    )
    .option('--by <name>', 'who changes the policy')
    .action(
      withRegistry(async (registry, o, cmd) => {
        const ref = { useCase: o.useCase as string, modelName: o.model as string };
        let next: PolicyInput;
        if (o.file) next = readJsonObject(o.file as string, 'policy') as PolicyInput;
        else {
          let current: PolicyInput;
          try {
            current = await registry.getPolicy(ref);
          } catch (e) {
            if (!(e instanceof NotFoundError)) throw e;
            current = {};
          }
          const gatesOf = (items: string[]) => Object.fromEntries(items.map(parseGateArg));
          const staging = o.stagingGate as string[];
          const production = o.productionGate as string[];
          next = {
            ...current,
            gates: {
              staging: staging.length ? gatesOf(staging) : (current.gates?.staging ?? {}),
              production: production.length ? gatesOf(production) : (current.gates?.production ?? {}),
            },
            ...(o.requireApproval !== undefined ? { requireApproval: Boolean(o.requireApproval) } : {}),
            ...((o.approver as string[]).length ? { approvers: o.approver as string[] } : {}),
            archival: {
              maxAgeDays: (o.archiveAfterDays as number | undefined) ?? current.archival?.maxAgeDays ?? null,
              supersededAfterDays:
                (o.archiveSupersededAfterDays as number | undefined) ??
                current.archival?.supersededAfterDays ??
                null,
            },
          };
        }
        const r = await registry.setPolicy({
          ...ref,
          policy: next,
          ...(o.by ? { setBy: o.by as string } : {}),
        });
        print(cmd, r, () => `Policy of ${refLabel(ref)} set.\n${describePolicy(r)}`);
      }),
    );
  model(policy.command('show').description("show a model's policy")).action(
    withRegistry(async (registry, o, cmd) => {
      const r = await registry.getPolicy({ useCase: o.useCase as string, modelName: o.model as string });
      print(cmd, r, () => describePolicy(r));
    }),
  );
  policy
    .command('apply')
    .description('apply the archival rule now (to one model, or every model of the use case)')
    .requiredOption('--use-case <name>', 'use case')
    .option('--model <name>', 'only this model')
    .option('--dry-run', 'say what would be archived, change nothing')
    .option('--by <name>', 'who applies it')
    .action(
      withRegistry(async (registry, o, cmd) => {
        const r = await registry.applyArchivalPolicy({
          useCase: o.useCase as string,
          ...(o.model ? { modelName: o.model as string } : {}),
          dryRun: Boolean(o.dryRun),
          ...(o.by ? { appliedBy: o.by as string } : {}),
        });
        print(cmd, { items: r, dryRun: Boolean(o.dryRun) }, () => {
          const rows = r.flatMap((m) =>
            m.archived.map((a) => [m.modelName, a.version, a.fromStage, a.reason]),
          );
          const verb = o.dryRun ? 'Would archive' : 'Archived';
          return rows.length === 0
            ? 'Nothing to archive.'
            : `${verb}:\n${table(['Model', 'Version', 'From', 'Reason'], rows)}`;
        });
      }),
    );

  const audit = program.command('audit').description('the tamper-evident history of a model');
  model(audit.command('show').description('every change, oldest first, with who, what and when'))
    .option('--limit <n>', 'page size (default 50)', parsePositiveInt('limit'))
    .option('--cursor <cursor>', 'nextCursor of the previous page')
    .action(
      withRegistry(async (registry, o, cmd) => {
        const r = await registry.auditTrail({
          useCase: o.useCase as string,
          modelName: o.model as string,
          ...(o.limit ? { limit: o.limit as number } : {}),
          ...(o.cursor ? { cursor: o.cursor as string } : {}),
        });
        print(cmd, r, () => auditTable(r.items) + (r.nextCursor ? `\n(more: --cursor ${r.nextCursor})` : ''));
      }),
    );
  // audit checkpoints (signed anchors) live in ./audit-key.ts; the store directory is only known locally
  const storeOf = (cmd: Command) =>
    (globals(cmd).backend ?? process.env.MODELREG_BACKEND ?? 'local') === 'aws'
      ? null
      : (globals(cmd).store ?? (process.env.MODELREG_STORE || '.modelreg'));
  const keyHelp =
    'Ed25519 key file that signs checkpoints (env MODELREG_AUDIT_KEY, default ~/.config/modelreg/audit-ed25519.pem)';
  model(
    audit
      .command('verify')
      .description('recompute the hash chain; exit 6 and name the first bad event if it was altered'),
  )
    .option(
      '--against <file>',
      'a signed checkpoint (audit checkpoint): catches a rewrite of the chain up to it',
    )
    .option('--full', 'with --against, walk every event instead of only those from the checkpoint on')
    .option('--key <file>', keyHelp)
    .action(
      withRegistry(async (registry, o, cmd) => {
        const { openAuditKey } = await import('./audit-key.js');
        const against = o.against ? readJsonObject(o.against as string, 'checkpoint') : undefined;
        const signer = against
          ? await openAuditKey(o.key as string | undefined, storeOf(cmd), false)
          : undefined;
        const r = await registry.verifyAudit(
          { useCase: o.useCase as string, modelName: o.model as string },
          { against, full: o.full === true, ...(signer ? { signer } : {}) },
        );
        const anchor = r.checkpoint
          ? ` against the checkpoint at seq ${r.checkpoint.seq} (from seq ${r.from})`
          : '';
        print(cmd, r, () =>
          r.valid
            ? `Audit trail of ${o.useCase}/${o.model} verified${anchor}: ${r.checked} events, chain intact.`
            : `Audit trail of ${o.useCase}/${o.model} is NOT intact${anchor}: first bad event is seq ${r.firstBadSeq} (${r.reason}).`,
        );
        if (!r.valid) setExit(EXIT.integrity);
      }),
    );
  model(
    audit
      .command('checkpoint')
      .description('verify the chain and write its tip, signed with a key the store does not hold'),
  )
    .requiredOption('--out <file>', 'checkpoint file; an existing one is the starting point and is replaced')
    .option('--full', 'verify every event, not only those after the existing checkpoint')
    .option('--key <file>', `${keyHelp}; made if missing`)
    .action(
      withRegistry(async (registry, o, cmd) => {
        const { existsSync } = await import('node:fs');
        const { openAuditKey, writeCheckpointFile } = await import('./audit-key.js');
        const out = o.out as string;
        const previous = existsSync(out) ? readJsonObject(out, 'checkpoint') : undefined;
        const signer = await openAuditKey(o.key as string | undefined, storeOf(cmd), true);
        const r = await registry.checkpointAudit(
          { useCase: o.useCase as string, modelName: o.model as string },
          signer,
          { previous, full: o.full === true },
        );
        await writeCheckpointFile(out, r.checkpoint);
        print(
          cmd,
          r.checkpoint,
          () =>
            `Checkpoint of ${o.useCase}/${o.model} at seq ${r.checkpoint.seq} written to ${out} (verified ${r.verification.checked} events from seq ${r.verification.from ?? 1}; key ${r.checkpoint.keyId}).`,
        );
      }),
    );

  program
    .command('lineage')
    .description('trace versions back to the runs that produced them')
    .command('show')
    .description('the versions a training run produced')
    .requiredOption('--run-id <id>', 'training run id')
    .action(
      withRegistry(async (registry, o, cmd) => {
        const r = await registry.lineage({ runId: o.runId as string });
        print(cmd, r, () =>
          r.items.length === 0
            ? `No version was registered from run ${r.runId}.`
            : table(
                ['Model', 'Version', 'Stage', 'Dataset', 'Code', 'Registered'],
                r.items.map((v) => [
                  `${v.useCase}/${v.modelName}`,
                  v.version,
                  v.stage,
                  v.lineage.datasetVersion ?? '-',
                  v.lineage.codeVersion ?? '-',
                  shortTime(v.registeredAt),
                ]),
              ),
        );
      }),
    );

  const evalsets = program
    .command('evalsets')
    .description('standard evaluation sets: the same rows for every version of a model');
  evalsets
    .command('register')
    .description('register a new version of an evaluation set (name@1, name@2 …), hashed and kept immutable')
    .requiredOption('--use-case <name>', 'use case')
    .requiredOption('--name <name>', 'evaluation set name (e.g. holdout)')
    .requiredOption('--file <path>', 'the evaluation set: a file or a directory')
    .option('--description <text>', 'what it is')
    .option('--by <name>', 'who registers it')
    .action(
      withRegistry(async (registry, o, cmd) => {
        const r = await registry.registerEvalSet({
          useCase: o.useCase as string,
          name: o.name as string,
          file: o.file as string,
          ...(o.description ? { description: o.description as string } : {}),
          ...(o.by ? { registeredBy: o.by as string } : {}),
        });
        print(
          cmd,
          r,
          () =>
            `Registered evaluation set ${r.id} of ${r.useCase}\n  sha256 ${r.artifact.sha256} (${r.artifact.sizeBytes} bytes)`,
        );
      }),
    );
  evalsets
    .command('list')
    .description('the versions of an evaluation set')
    .requiredOption('--use-case <name>', 'use case')
    .requiredOption('--name <name>', 'evaluation set name')
    .action(
      withRegistry(async (registry, o, cmd) => {
        const items = await registry.listEvalSets({ useCase: o.useCase as string, name: o.name as string });
        print(cmd, { items }, () =>
          items.length === 0
            ? 'No versions.'
            : table(
                ['Id', 'Registered', 'By', 'sha256', 'Bytes'],
                items.map((e) => [
                  e.id,
                  shortTime(e.registeredAt),
                  e.registeredBy,
                  e.artifact.sha256.slice(0, 16),
                  String(e.artifact.sizeBytes),
                ]),
              ),
        );
      }),
    );
  model(evalsets.command('evidence').description('the evaluation evidence attached to a version'))
    .requiredOption('--version <version>', 'version')
    .action(
      withRegistry(async (registry, o, cmd) => {
        const items = await registry.evidence({
          useCase: o.useCase as string,
          modelName: o.model as string,
          version: String(o.version),
        });
        print(cmd, { items }, () =>
          items.length === 0
            ? 'No evaluation evidence.'
            : table(
                ['Eval set', 'Evaluator', 'Evaluated', 'Metrics'],
                items.map((e) => [
                  e.evalSetId,
                  e.evaluator,
                  shortTime(e.evaluatedAt),
                  keyMetrics(e.metrics, 6),
                ]),
              ),
        );
      }),
    );
  model(
    evalsets.command('evaluate').description("evaluate a version on the model's standard evaluation set now"),
  )
    .requiredOption('--version <version>', 'version')
    .option('--by <name>', 'who runs it')
    .action(
      withRegistry(async (registry, o, cmd) => {
        const r = await registry.evaluate({
          useCase: o.useCase as string,
          modelName: o.model as string,
          version: String(o.version),
          ...(o.by ? { evaluatedBy: o.by as string } : {}),
        });
        print(cmd, r, () =>
          r.evaluated
            ? `Evaluated on ${r.evalSetId} with ${r.evaluator}: ${keyMetrics(r.metrics, 6)}`
            : `Not evaluated: ${r.reason}`,
        );
      }),
    );

  const approvals = program.command('approvals').description('human approval of production promotions');
  approvals
    .command('list')
    .description('approval requests (pending by default)')
    .addOption(
      new Option('--status <status>', 'which requests')
        .choices(['pending', 'approved', 'rejected', 'expired'])
        .default('pending'),
    )
    .option('--use-case <name>', 'only this use case')
    .action(
      withRegistry(async (registry, o, cmd) => {
        const items = await registry.listApprovals({
          status: o.status as 'pending',
          ...(o.useCase ? { useCase: o.useCase as string } : {}),
        });
        print(cmd, { items }, () =>
          items.length === 0
            ? `No ${o.status} approval requests.`
            : table(
                ['Id', 'Model', 'Version', 'Requested by', 'Requested', 'Expires', 'Status'],
                items.map((a) => [
                  a.approvalId,
                  `${a.useCase}/${a.modelName}`,
                  a.version,
                  a.requestedBy,
                  shortTime(a.requestedAt),
                  shortTime(a.expiresAt),
                  a.status,
                ]),
              ),
        );
      }),
    );
  model(
    approvals
      .command('request')
      .description('ask for approval of a staging version (the promotion workflow does this itself)'),
  )
    .requiredOption('--version <version>', 'the staging version')
    .option('--by <name>', 'who asks')
    .action(
      withRegistry(async (registry, o, cmd) => {
        const a = await registry.requestApproval({
          useCase: o.useCase as string,
          modelName: o.model as string,
          version: String(o.version),
          requestedBy: (o.by as string | undefined) ?? process.env.MODELREG_ACTOR ?? 'cli',
          taskToken: `cli-${randomUUID()}`,
        });
        print(
          cmd,
          a,
          () =>
            `Approval ${a.approvalId} requested for ${a.useCase}/${a.modelName} ${a.version}; expires ${shortTime(a.expiresAt)}.`,
        );
      }),
    );
  for (const decision of ['approve', 'reject'] as const) {
    approvals
      .command(decision)
      .description(
        `${decision} a pending request (once; the approver must be allowed by the policy and is not the requester)`,
      )
      .argument('<id>', 'approval id (see approvals list)')
      .requiredOption('--by <name>', 'who decides')
      .option('--reason <text>', 'why (kept in the audit trail)')
      .action(
        withRegistry(async (registry, o, cmd) => {
          const a = await registry.decideApproval({
            approvalId: cmd.args[0] as string,
            decision,
            by: o.by as string,
            ...(o.reason ? { reason: o.reason as string } : {}),
          });
          // on AWS, the execution waiting for this decision is resumed now
          const resumed = await resumeWorkflow(a);
          print(
            cmd,
            a,
            () =>
              `Approval ${a.approvalId} ${a.status} by ${a.decidedBy} (${a.useCase}/${a.modelName} ${a.version})${resumed ? '; the waiting workflow was resumed' : ''}.`,
          );
        }),
      );
  }

  program
    .command('pipeline')
    .description('the promotion workflow, run locally')
    .command('run')
    .description(
      'run the promotion state machine on a training-completed event: register → evaluate → compare → gates → staging → approval → production → notify',
    )
    .requiredOption(
      '--event <file>',
      'training-completed event (JSON): useCase, modelName, artifactUri, runId, requestedBy …',
    )
    .option('--approve', 'approve the approval request at once (scripts), as --by')
    .option('--reject', 'reject the approval request at once (scripts), as --by')
    .option('--by <name>', 'who approves or rejects with --approve/--reject')
    // before the registry is opened: on AWS that would first ask for the AWS settings
    .hook('preAction', (_pipeline, cmd) => {
      if (parseBackend(globals(cmd).backend ?? process.env.MODELREG_BACKEND) !== 'local') {
        throw new ValidationError(
          'pipeline run executes the workflow locally over the embedded store; on AWS, start the promotion state machine.',
        );
      }
    })
    .action(
      withRegistry(async (registry, o, cmd) => {
        const g = globals(cmd);
        if (o.approve && o.reject) throw new ValidationError('give --approve or --reject, not both.');
        if ((o.approve || o.reject) && !o.by)
          throw new ValidationError('--approve and --reject need --by NAME (the approver).');
        const event = readJsonObject(o.event as string, 'event');
        // a relative artifact path in an event file is read from the file's directory
        if (
          typeof event.artifactUri === 'string' &&
          !/^[a-z][a-z0-9+.-]*:\/\//i.test(event.artifactUri) &&
          !isAbsolute(event.artifactUri)
        ) {
          event.artifactUri = resolvePath(dirname(o.event as string), event.artifactUri);
        }
        const { runPipeline } = await import('./pipeline.js');
        const say = g.json ? () => {} : (line: string) => io.out(`${line}\n`);
        const result = await runPipeline({
          registry,
          store: g.store ?? (process.env.MODELREG_STORE || '.modelreg'),
          event,
          say,
          ...(o.approve || o.reject
            ? { decide: { decision: o.approve ? 'approve' : 'reject', by: o.by as string } }
            : {}),
        });
        print(cmd, result, () =>
          result.status === 'SUCCEEDED'
            ? `Workflow ${result.status}: ${JSON.stringify(result.output)}`
            : `Workflow ${result.status}: ${result.error}${result.cause ? ` (${result.cause})` : ''}`,
        );
        if (result.status !== 'SUCCEEDED') setExit(EXIT.incomplete);
      }),
    );

  const notifications = program
    .command('notifications')
    .description('notifications that could not be delivered');
  notifications
    .command('list')
    .description('notifications that failed after their change was committed (kept until re-sent)')
    .option('--undelivered', 'the undelivered notifications (what this command lists)')
    .option('--limit <n>', 'page size (default 50)', parsePositiveInt('limit'))
    .option('--cursor <cursor>', 'nextCursor of the previous page')
    .action(
      withRegistry(async (registry, o, cmd) => {
        const r = await registry.listUndelivered({
          ...(o.limit ? { limit: o.limit as number } : {}),
          ...(o.cursor ? { cursor: o.cursor as string } : {}),
        });
        print(cmd, r, () =>
          r.items.length === 0
            ? 'No undelivered notifications.'
            : table(
                ['Id', 'Event', 'Version', 'Failed at', 'Attempts', 'Error'],
                r.items.map((i) => [
                  i.id,
                  i.event.type,
                  i.event.version ?? '-',
                  shortTime(i.failedAt),
                  String(i.attempts),
                  i.error.slice(0, 60),
                ]),
              ) + (r.nextCursor ? `\n(more: --cursor ${r.nextCursor})` : ''),
        );
      }),
    );
  notifications
    .command('resend')
    .description('send undelivered notifications again; what fails again stays listed')
    .option('--id <id>', 'only this one (repeatable)', collect, [])
    .option('--all', 'every undelivered notification')
    .action(
      withRegistry(async (registry, o, cmd) => {
        const ids = o.id as string[];
        if (ids.length === 0 && !o.all)
          throw new ValidationError('name what to resend: --id ID (repeatable) or --all.');
        const r = await registry.resendUndelivered(ids.length > 0 ? { ids } : {});
        print(cmd, r, () =>
          [`Sent ${r.sent.length}.`, ...r.failed.map((f) => `Failed again: ${f.id}: ${f.error}`)].join('\n'),
        );
        if (r.failed.length > 0) setExit(EXIT.incomplete);
      }),
    );

  program
    .command('artifacts')
    .description('artifact housekeeping')
    .command('sweep')
    .description(
      'remove uploads whose registration never committed, and what crashed registrations left (.staging/, .orphans/)',
    )
    .option('--dry-run', 'say what would be removed, change nothing')
    .option(
      '--older-than-minutes <n>',
      'leave leftovers younger than this alone (a registration may still be copying); default 60',
      parsePositiveInt('--older-than-minutes'),
    )
    .action(
      withRegistry(async (registry, o, cmd) => {
        const r = await registry.sweepArtifacts({
          dryRun: Boolean(o.dryRun),
          ...(o.olderThanMinutes ? { olderThanMs: (o.olderThanMinutes as number) * 60_000 } : {}),
        });
        print(cmd, r, () =>
          [
            `${o.dryRun ? 'Would remove' : 'Removed'} ${r.removed.length}${r.removed.length ? `: ${r.removed.join(', ')}` : ''}.`,
            `${o.dryRun ? 'Would free' : 'Freed'} ${r.freedBytes} bytes of ${r.leftovers.length} leftover(s)${r.leftovers.length ? `: ${r.leftovers.map((l) => l.path).join(', ')}` : ''}.`,
            ...(r.kept.length ? [`Kept (registered after all): ${r.kept.join(', ')}`] : []),
            ...r.failed.map((f) => `Failed: ${f.artifact}: ${f.error}`),
          ].join('\n'),
        );
        if (r.failed.length > 0) setExit(EXIT.incomplete);
      }),
    );

  program
    .command('aws')
    .description('the AWS backend')
    .command('bootstrap')
    .description(
      'create the table (with its GSIs), bucket and topic on an emulator endpoint, for development and tests',
    )
    .option('--table <name>', 'DynamoDB table (default MODELREG_TABLE, else modelreg)')
    .option('--bucket <name>', 'S3 bucket (default MODELREG_BUCKET, else modelreg-artifacts)')
    .option('--topic-name <name>', 'SNS topic name (default modelreg-events)')
    .action(async (...args: unknown[]) => {
      const cmd = args[args.length - 1] as Command;
      const o = cmd.opts() as Opts;
      const { createAwsClients } = await import('../adapters/aws/index.js');
      const { bootstrapAws } = await import('../adapters/aws/bootstrap.js');
      const table = (o.table as string | undefined) ?? (process.env.MODELREG_TABLE || 'modelreg');
      const bucket =
        (o.bucket as string | undefined) ?? (process.env.MODELREG_BUCKET || 'modelreg-artifacts');
      const region = process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || 'us-east-1';
      const clients = createAwsClients({
        table,
        bucket,
        topicArn: 'arn:pending',
        environment: 'dev',
        region,
        forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL),
      });
      try {
        const r = await bootstrapAws(clients, {
          table,
          bucket,
          topicName: (o.topicName as string | undefined) ?? 'modelreg-events',
          region,
        });
        print(cmd, r, () =>
          [
            `Ready: ${r.created.length ? r.created.join(', ') : 'everything existed already'}.`,
            'Point modelreg at it:',
            '  export MODELREG_BACKEND=aws',
            `  export MODELREG_TABLE=${r.table} MODELREG_BUCKET=${r.bucket} MODELREG_TOPIC_ARN=${r.topicArn}`,
          ].join('\n'),
        );
      } finally {
        clients.dynamodb.destroy();
        clients.s3.destroy();
        clients.sns.destroy();
      }
    });

  program
    .command('demo')
    .description(
      'a narrated tour on a fresh temporary store: train, register, gate, promote, compare, roll back, audit',
    )
    .option(
      '--export <dir>',
      'instead of the tour, write its trained models, evaluation set and training events to DIR',
    )
    .action(async (...args: unknown[]) => {
      const cmd = args[args.length - 1] as Command;
      const g = globals(cmd);
      const exportDir = (cmd.opts() as Opts).export as string | undefined;
      if (exportDir) {
        const { exportDemoFiles } = await import('../demo/tour.js');
        const files = await exportDemoFiles(exportDir);
        print(
          cmd,
          { files },
          () => `Wrote ${files.length} files to ${exportDir}:\n${files.map((f) => `  ${f}`).join('\n')}`,
        );
        return;
      }
      const { runDemo } = await import('../demo/tour.js');
      await runDemo({
        ...(g.store ? { store: g.store } : {}),
        backend: parseBackend(g.backend ?? process.env.MODELREG_BACKEND),
        out: io.out,
        json: Boolean(g.json),
      });
    });

  addServeCommand(program, io);
  addTokensCommand(program, io);
  return program;
}

function describeEvent(e: RegistryEvent): string {
  const move = e.fromStage || e.toStage ? ` ${e.fromStage ?? '∅'}→${e.toStage ?? '∅'}` : '';
  return `${e.type} ${e.useCase}/${e.modelName}${e.version ? ` ${e.version}` : ''}${move}`;
}

function describePolicy(p: import('../core/policy.js').Policy): string {
  const gates = (g: Record<string, number | boolean>) =>
    Object.entries(g)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ') || 'none';
  return [
    `  staging gates      ${gates(p.gates.staging)}`,
    `  production gates   ${gates(p.gates.production)}`,
    `  approval           ${p.requireApproval ? `required${p.approvers.length ? ` (approvers: ${p.approvers.join(', ')})` : ''}` : 'not required'}`,
    `  archival           ${p.archival.maxAgeDays ? `development/staging after ${p.archival.maxAgeDays} days` : 'no age limit'}; ${p.archival.supersededAfterDays ? `demoted ex-production after ${p.archival.supersededAfterDays} days` : 'demoted ex-production kept'}`,
  ].join('\n');
}

/** Runs the CLI on `argv` (without node and script) and returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let code: number = EXIT.ok;
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
      if (!(e instanceof ModelregError) && e instanceof Error && e.stack) io.err(`${e.stack}\n`);
    }
    return exitCodeOf(e);
  }
}

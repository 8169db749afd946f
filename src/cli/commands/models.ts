/**
 * `modelreg models …`: register, list, info, promote, demote, roll back, archive, compare,
 * fetch and edit versions. Aliases and policies have their own modules.
 */
import { type Command, Option } from 'commander';
import type { Registry } from '../../app/registry.js';
import type { Deployment } from '../../core/deployment.js';
import { GateFailedError, ValidationError } from '../../core/errors.js';
import type { Lineage, ParentModel } from '../../core/model.js';
import {
  BUMP_NAMES,
  type CliContext,
  collect,
  EXIT,
  examples,
  label,
  many,
  modelOptions,
  type Opts,
  pageOf,
  pageOptions,
  sel,
  selectorOptions,
  stageOption,
  useCaseOption,
} from './shared.js';

/** The lineage fields beyond run, dataset and code, one line each, for `models info`. */
function lineageExtras(l: Lineage): string[] {
  const lines: string[] = [];
  if (l.featureSet) lines.push(`               feature set ${l.featureSet.name}@${l.featureSet.version}`);
  if (l.curationRuleset) lines.push(`               curation ruleset ${l.curationRuleset}`);
  if (l.configHash) lines.push(`               config ${l.configHash}`);
  if (l.parent)
    lines.push(
      `               ${l.parent.relation} of ${l.parent.useCase}/${l.parent.modelName}@${l.parent.version}`,
    );
  return lines;
}

/** The running deployments of the model a command names (`--model`, without an @alias). */
/** The deployments still running a version that left use (see Registry.stillRunning). */
function stillRunningOf(
  registry: Pick<Registry, 'stillRunning'>,
  o: Opts,
  version: string | null,
): Promise<Deployment[]> {
  return registry.stillRunning({ useCase: o.useCase as string, modelName: label(o).split('/')[1]! }, version);
}

/** The warning line of a deployment that still runs a version it should not (rollback, archive, deprecate). */
const stillRunning = (d: Deployment) =>
  `  still running ${d.version} on ${d.env} fleet ${d.fleet}, site ${d.site}, customer ${d.customer} [${d.id}]: redeploy, then deployments end --id ${d.id}`;

/** Registers `models` and its verbs on the program. */
export function registerModels(program: Command, ctx: CliContext): Command {
  const { print, withRegistry, setExit } = ctx;
  const models = program
    .command('models')
    .description('register, list, promote, demote, roll back, archive, compare and fetch versions');

  examples(
    modelOptions(
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
      .option('--curation-ruleset <id>', 'lineage: the curation ruleset that selected the training data')
      .option('--config-hash <hash>', 'lineage: a hash of the training configuration')
      .option('--feature-set <name@version>', 'lineage: the feature set it was trained on')
      .option('--parent <[use-case/]model@version>', 'lineage: the model version it was derived from')
      .addOption(
        new Option('--parent-relation <how>', 'how it was derived from --parent')
          .choices(['fine-tune', 'distillation', 'retrain', 'derived'])
          .default('fine-tune'),
      )
      .option('--tag <key=value>', 'a tag (repeatable)', collect)
      .option('--version <version>', 'pin a version (refused if it exists: versions are immutable)')
      .addOption(
        new Option('--bump <part>', 'bump this part of the highest version')
          .choices(BUMP_NAMES as unknown as string[])
          .default('patch'),
      )
      .option('--registered-by <name>', 'who registers it (env MODELREG_ACTOR, default the OS user)')
      .option(
        '--line <line>',
        'release line it targets (hardware class, robot class, customer); default: the default line',
      )
      .option('--description <text>', 'what the version is, in a sentence (editable with models edit)')
      .option('--sign', 'sign the version in the same commit (with --key FILE, or the KMS key on AWS)')
      .option('--key <file>', 'with --sign: the Ed25519 private key file (from keys create)')
      .option('--kms-key-id <arn>', 'with --sign: a KMS signing key')
      .action(
        withRegistry('write', async (registry, o, cmd) => {
          if (!o.sign && (o.key !== undefined || o.kmsKeyId !== undefined)) {
            throw new ValidationError('--key and --kms-key-id sign the version: add --sign.');
          }
          const { parseMetrics, parseTags, readJsonObject, parseFeatureSet, parseParent } = await import(
            '../parse.js'
          );
          const { keyMetrics } = await import('../format.js');
          if (o.metrics !== undefined && o.metricsFile !== undefined) {
            throw new ValidationError('give metrics with --metrics or --metrics-file, not both.');
          }
          const metrics = o.metricsFile
            ? readJsonObject(o.metricsFile as string, 'metrics')
            : o.metrics
              ? parseMetrics(o.metrics as string)
              : {};
          const metadata = o.metadataFile ? readJsonObject(o.metadataFile as string, 'metadata') : {};
          const signer = o.sign ? await signerOf(o, cmd) : null;
          const input = {
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
              curationRuleset: (o.curationRuleset as string | undefined) ?? null,
              configHash: (o.configHash as string | undefined) ?? null,
              featureSet: o.featureSet ? parseFeatureSet(o.featureSet as string) : null,
              parent: o.parent
                ? parseParent(
                    o.parent as string,
                    o.useCase as string,
                    o.parentRelation as ParentModel['relation'],
                  )
                : null,
            },
            tags: parseTags(many(o.tag)),
            ...(o.registeredBy ? { registeredBy: o.registeredBy as string } : {}),
            ...(o.line !== undefined ? { line: String(o.line) } : {}),
            ...(o.description !== undefined ? { description: o.description as string } : {}),
          };
          const v: Awaited<ReturnType<typeof registry.register>> & { signature?: { description: string } } =
            signer ? await registry.registerSigned(input, signer) : await registry.register(input);
          const { refLabel } = await import('../../core/model.js');
          print(cmd, v, () =>
            [
              `Registered ${refLabel(v)} ${v.version} (${v.stage}${v.line ? `, line ${v.line}` : ''})`,
              `  artifact  ${v.artifact.uri}`,
              `  sha256    ${v.artifact.sha256}  (${v.artifact.sizeBytes} bytes)`,
              `  metrics   ${keyMetrics(v.metrics, 10) || '-'}`,
              `  format    ${v.format?.name ?? '-'}`,
              ...(v.signature ? [`  signature ${v.signature.description}`] : []),
            ].join('\n'),
          );
        }),
      ),
    [
      'modelreg models register --use-case fraud --model Risk --artifact model.json --metrics auc=0.91,f1=0.87',
      'modelreg models register --use-case fraud --model Risk --artifact out/ --metrics-file metrics.json --bump minor',
    ],
  );

  examples(
    pageOptions(
      useCaseOption(
        models
          .command('list')
          .description(
            'versions of a model newest first, or the models of a use case with their production version',
          ),
      )
        .option('--model <name>', 'model name (omit to list the models of the use case)')
        .addOption(stageOption('--stage <stage>', 'only versions in this stage'))
        .option('--line <line>', 'only versions of this release line ("default": the default line)')
        .option('--tag <key=value>', 'only versions with this tag (repeatable: all must match)', collect),
    ).action(
      withRegistry('read', async (registry, o, cmd) => {
        const { shortTime, table, versionsTable } = await import('../format.js');
        const tags = many(o.tag);
        if (o.model === undefined) {
          if (o.stage !== undefined || o.line !== undefined || tags.length > 0)
            throw new ValidationError(
              `${o.stage !== undefined ? '--stage' : o.line !== undefined ? '--line' : '--tag'} filters the versions of one model: add --model NAME.`,
            );
          const res = await registry.listModels({ useCase: o.useCase as string, ...pageOf(o) });
          print(cmd, res, () =>
            res.items.length === 0
              ? `No models in use case ${o.useCase}.`
              : table(
                  ['Model', 'Production', 'Latest', 'Versions', 'Aliases', 'Updated'],
                  res.items.map((m) => [
                    m.modelName,
                    `${m.productionVersion ?? '-'}${
                      m.lines
                        ? ` (${Object.entries(m.lines)
                            .map(([l, v]) => `${l}: ${v ?? '-'}`)
                            .join(', ')})`
                        : ''
                    }`,
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
        const { parseTags } = await import('../parse.js');
        const want = Object.entries(parseTags(tags));
        const res = await registry.listVersions({
          useCase: o.useCase as string,
          modelName: o.model as string,
          ...(o.stage ? { stage: o.stage as 'staging' } : {}),
          ...(o.line !== undefined ? { line: String(o.line) } : {}),
          ...pageOf(o),
        });
        // the tag filter applies to the page read (cursor paging stays the store's)
        const filtered =
          want.length === 0
            ? res
            : { ...res, items: res.items.filter((v) => want.every(([k, t]) => v.tags[k] === t)) };
        print(cmd, filtered, () =>
          filtered.items.length === 0
            ? 'No versions match.'
            : versionsTable(filtered.items) +
              (filtered.nextCursor ? `\n(more: --cursor ${filtered.nextCursor})` : ''),
        );
      }),
    ),
    [
      'modelreg models list --use-case fraud',
      'modelreg models list --use-case fraud --model Risk --stage staging --limit 10',
      'modelreg models list --use-case fraud --model Risk --tag team=risk',
    ],
  );

  examples(
    selectorOptions(
      models
        .command('info')
        .description(
          'everything about one version: artifact, metrics, metadata, lineage, tags (the latest version when none is given)',
        ),
      'the latest version',
    ).action(
      withRegistry('read', async (registry, o, cmd) => {
        const { keyMetrics, shortTime } = await import('../format.js');
        const { refLabel } = await import('../../core/model.js');
        const { formatLines, pickleWarning } = await import('../artifact-format.js');
        const latest =
          o.version === undefined &&
          o.stage === undefined &&
          o.alias === undefined &&
          !String(o.model).includes('@');
        let selector = sel(o);
        if (latest) {
          // the latest version: the first of the list, which is newest first by semver precedence
          const page = await registry.listVersions({
            useCase: selector.useCase,
            modelName: selector.modelName,
            limit: 1,
          });
          const first = page.items[0];
          if (first) selector = { ...selector, version: first.version };
        }
        const v = await registry.info(selector);
        // the human view lists the variants and the signature; --json keeps the version contract
        // (models variant list --json and models verify --json have them)
        const variants = await registry.listVariants({
          useCase: v.useCase,
          modelName: v.modelName,
          version: v.version,
        });
        const signature = await registry.signatureStatus({
          useCase: v.useCase,
          modelName: v.modelName,
          version: v.version,
        });
        const deprecation =
          v.stage === 'deprecated'
            ? await registry.deprecation({ useCase: v.useCase, modelName: v.modelName, version: v.version })
            : null;
        print(cmd, v, () =>
          [
            `${refLabel(v)} ${v.version}${latest ? ' (the latest version; pick another with --version, --stage or --alias)' : ''}`,
            `  stage        ${v.stage} (since ${shortTime(v.stageUpdatedAt)})`,
            ...(deprecation
              ? [
                  `  deprecated   ${deprecation.reason.split('\n').join('\n               ')} (by ${deprecation.actor}, ${shortTime(deprecation.at)})`,
                ]
              : []),
            `  line         ${v.line ?? 'default'}`,
            `  aliases      ${v.aliases.join(', ') || '-'}`,
            `  registered   ${shortTime(v.registeredAt)} by ${v.registeredBy}`,
            ...(v.description ? [`  description  ${v.description}`] : []),
            `  artifact     ${v.artifact.uri}`,
            `  sha256       ${v.artifact.sha256} (${v.artifact.sizeBytes} bytes)`,
            `  signature    ${signature.description}`,
            `  lineage      run ${v.lineage.runId ?? '-'}, dataset ${v.lineage.datasetVersion ?? '-'}, code ${v.lineage.codeVersion ?? '-'}`,
            ...lineageExtras(v.lineage),
            `  metrics      ${keyMetrics(v.metrics, 100) || '-'}`,
            `  tags         ${
              Object.entries(v.tags)
                .map(([k, t]) => `${k}=${t}`)
                .join(', ') || '-'
            }`,
            `  metadata     ${JSON.stringify(v.metadata)}`,
            ...formatLines(v.format),
            `  variants     ${variants.map((x) => `${x.target}${x.format ? ` (${x.format}${x.precision ? ` ${x.precision}` : ''})` : ''}`).join(', ') || '-'}`,
          ].join('\n'),
        );
        const warning = pickleWarning(v.format);
        if (warning) ctx.io.err(`warning: ${warning}\n`);
      }),
    ),
    [
      'modelreg models info --use-case fraud --model Risk                 # the latest version',
      'modelreg models info --use-case fraud --model Risk --stage production',
      'modelreg models info --use-case fraud --model Risk@champion --json',
    ],
  );

  examples(
    selectorOptions(
      models
        .command('promote')
        .description('promote one stage up (or --to a stage), through the policy and given gates'),
    )
      .addOption(stageOption('--to <stage>', 'target stage (default: the next stage)'))
      .option(
        '--gate <gate=threshold>',
        'a gate such as min_auc=0.85 (repeatable); added to the policy gates',
        collect,
      )
      .option('--gates-file <file>', 'JSON object of gates ({"min_auc": 0.85, "require_drift_check": true})')
      .option('--promoted-by <name>', 'who promotes')
      .action(
        withRegistry('write', async (registry, o, cmd) => {
          const { readJsonObject } = await import('../parse.js');
          const { parseGates, gateHints } = await import('../gate-args.js');
          const { gatesTable } = await import('../format.js');
          const gates = parseGates(
            o.gatesFile
              ? (readJsonObject(o.gatesFile as string, 'gates') as Record<string, number | boolean>)
              : {},
            many(o.gate),
          );
          const r = await registry.promote({
            ...sel(o),
            ...(o.to ? { to: o.to as 'staging' } : {}),
            gates,
            ...(o.promotedBy ? { promotedBy: o.promotedBy as string } : {}),
          });
          if (!r.promoted) {
            const version = await registry.info({
              useCase: o.useCase as string,
              modelName: o.model as string,
              version: r.version,
            });
            const hints = gateHints(r.gates ?? [], Object.keys(version.metrics));
            // the API names no command; the CLI gives the one that evaluates on the policy's set
            if (
              r.gates?.some(
                (g) =>
                  g.gate === 'require_evaluation' && !g.passed && /^not evaluated on /.test(g.note ?? ''),
              )
            )
              hints.push(
                `evaluate it on the policy's set first: \`modelreg evalsets evaluate --use-case ${o.useCase} --model ${String(o.model).split('@')[0]} --version ${r.version}\``,
              );
            const error = new GateFailedError(`promotion of ${r.version} refused: ${r.reason}`, {
              gates: r.gates,
            });
            print(
              cmd,
              {
                ...r,
                ...(hints.length ? { hints } : {}),
                error: { name: error.name, message: error.message },
              },
              () =>
                [
                  `Refused: ${label(o)} ${r.version} stays in ${r.stage}.`,
                  gatesTable(r.gates ?? []),
                  r.reason ?? '',
                  ...hints,
                ].join('\n'),
            );
            setExit(EXIT.gateFailed);
            return;
          }
          print(cmd, r, () => {
            const lines = [
              r.alreadyPromoted
                ? `${label(o)} ${r.version} is already in ${r.stage}; nothing changed.`
                : `Promoted ${label(o)} ${r.version} → ${r.stage}${r.line ? ` on line ${r.line}` : ''}${r.supersededVersion ? ` (${r.supersededVersion} superseded: still fetchable, a rollback target, archived by the archival policy)` : ''}`,
            ];
            if (r.gates?.length) lines.push(gatesTable(r.gates));
            return lines.join('\n');
          });
        }),
      ),
    [
      'modelreg models promote --use-case fraud --model Risk --version 1.0.0 --to staging',
      'modelreg models promote --use-case fraud --model Risk --version 1.0.0 --to production --gate min_auc=0.9',
    ],
  );

  selectorOptions(
    models
      .command('demote')
      .description('move a version down: production→staging|development, staging→development'),
  )
    .addOption(stageOption('--to <stage>', 'target stage (default staging)'))
    .option('--by <name>', 'who demotes')
    .action(
      withRegistry('write', async (registry, o, cmd) => {
        const r = await registry.demote({
          ...sel(o),
          ...(o.to ? { to: o.to as 'staging' } : {}),
          ...(o.by ? { demotedBy: o.by as string } : {}),
        });
        print(cmd, r, () =>
          r.alreadyDemoted
            ? `${label(o)} ${r.version} is already in ${r.stage}; nothing changed.`
            : `Demoted ${label(o)} ${r.version} → ${r.stage}`,
        );
      }),
    );

  examples(
    selectorOptions(
      models
        .command('rollback')
        .description(
          'return a version (default: the previous production one) to production; the current one is archived. It checks the production gates and approval rule of the policy unless --skip-gates is given with a --reason',
        ),
      'the previous production version',
    )
      .option('--reason <text>', 'why (kept in the audit trail; required with --skip-gates)')
      .option(
        '--skip-gates',
        'emergency: bypass the production gates and approval rule (recorded in the audit trail)',
      )
      .option('--move-alias', 'move aliases on the version being archived to the rolled-back version')
      .option('--by <name>', 'who rolls back')
      .action(
        withRegistry('write', async (registry, o, cmd) => {
          if (o.skipGates && !o.reason)
            throw new ValidationError(
              '--skip-gates needs --reason TEXT: say why the production gates are bypassed.',
            );
          const r = await registry.rollback({
            ...sel(o),
            ...(o.reason ? { reason: o.reason as string } : {}),
            ...(o.by ? { rolledBackBy: o.by as string } : {}),
            ...(o.skipGates ? { skipGates: true } : {}),
            ...(o.moveAlias ? { moveAliases: true } : {}),
          });
          if (!r.rolledBack && !r.alreadyRolledBack) {
            const { gatesTable } = await import('../format.js');
            print(cmd, r, () =>
              [
                `Refused: ${label(o)} ${r.version} is not rolled back.`,
                ...(r.gates?.length ? [gatesTable(r.gates)] : []),
                r.reason ?? '',
                'An emergency rollback can bypass the policy with --skip-gates --reason TEXT.',
              ].join('\n'),
            );
            setExit(EXIT.gateFailed);
            return;
          }
          // deployments still running the version production moved away from
          const stale = await stillRunningOf(registry, o, r.archivedVersion);
          print(cmd, { ...r, stillRunning: stale }, () =>
            [
              r.alreadyRolledBack
                ? `${label(o)} ${r.version} is already in production; nothing changed.`
                : `Rolled back ${label(o)} to ${r.version} in production${r.archivedVersion ? ` (archived ${r.archivedVersion})` : ''}${r.gatesSkipped ? ' — production gates bypassed (recorded in the audit trail)' : ''}${r.movedAliases?.length ? `; moved ${r.movedAliases.map((a) => `@${a}`).join(', ')}` : ''}`,
              ...stale.map(stillRunning),
            ].join('\n'),
          );
        }),
      ),
    [
      'modelreg models rollback --use-case fraud --model Risk                       # through the policy',
      'modelreg models rollback --use-case fraud --model Risk --version 1.0.0 --skip-gates --reason "incident 42"',
    ],
  );

  selectorOptions(
    models.command('archive').description('archive a version (the production version only with --force)'),
  )
    .option('--force', 'allow archiving the production version (leaves nothing in production)')
    .option('--reason <text>', 'why (kept in the audit trail)')
    .option('--by <name>', 'who archives')
    .action(
      withRegistry('write', async (registry, o, cmd) => {
        const r = await registry.archive({
          ...sel(o),
          force: Boolean(o.force),
          ...(o.reason ? { reason: o.reason as string } : {}),
          ...(o.by ? { archivedBy: o.by as string } : {}),
        });
        const running = await stillRunningOf(registry, o, r.version);
        print(cmd, { ...r, stillRunning: running }, () =>
          [
            r.alreadyArchived
              ? `${label(o)} ${r.version} is already archived.`
              : `Archived ${label(o)} ${r.version}`,
            ...running.map(stillRunning),
          ].join('\n'),
        );
      }),
    );

  examples(
    modelOptions(models.command('compare').description('compare the metrics of two versions (delta = B − A)'))
      .requiredOption('--versions <versions...>', 'two versions (or @aliases): A B')
      .action(
        withRegistry('read', async (registry, o, cmd) => {
          const { num, signed, table } = await import('../format.js');
          const versions = o.versions as string[];
          if (versions.length !== 2)
            throw new ValidationError(`--versions takes exactly two versions (A B), got ${versions.length}.`);
          const r = await registry.compare({
            useCase: o.useCase as string,
            modelName: o.model as string,
            a: versions[0] as string,
            b: versions[1] as string,
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
      ),
    ['modelreg models compare --use-case fraud --model Risk --versions 1.0.0 1.1.0'],
  );

  selectorOptions(
    models
      .command('get')
      .description("copy a version's artifact out and verify its sha256 and its signature (if signed)"),
  )
    .requiredOption('--output <dir>', 'directory to copy the artifact into')
    .option('--require-signature', 'refuse a version that is not signed by a trusted key')
    .option('--target <name>', 'fetch the variant built for this target instead (models variant add)')
    .action(
      withRegistry('read', async (registry, o, cmd) => {
        if (o.target !== undefined) {
          const t = await registry.getVariant({
            ...sel(o),
            target: o.target as string,
            output: o.output as string,
          });
          print(
            cmd,
            t,
            () =>
              `Fetched ${t.useCase}/${t.modelName} ${t.version} variant ${t.target} to ${t.path}\n  sha256 ${t.sha256} verified`,
          );
          return;
        }
        const r = await registry.getSignedArtifact({
          ...sel(o),
          output: o.output as string,
          requireSignature: Boolean(o.requireSignature),
        });
        const { pickleWarning } = await import('../artifact-format.js');
        const { format } = await registry.info({
          useCase: r.useCase,
          modelName: r.modelName,
          version: r.version,
        });
        const warning = pickleWarning(format);
        if (warning) ctx.io.err(`warning: ${warning}\n`);
        print(
          cmd,
          { ...r, format: format?.name ?? null, ...(warning ? { warning } : {}) },
          () =>
            `Fetched ${r.useCase}/${r.modelName} ${r.version} to ${r.path}\n  sha256 ${r.sha256} verified\n  signature ${r.signature.status === 'unsigned' ? 'unsigned (no signature; `models sign` signs it, --require-signature refuses unsigned versions)' : r.signature.description}`,
        );
      }),
    );

  // release lines, deprecation, resolve
  examples(
    selectorOptions(
      models
        .command('deprecate')
        .description(
          'deprecate a version: still fetchable, but not eligible for promotion, rollback or traffic (production only with --force)',
        ),
    )
      .requiredOption('--reason <text>', 'why (kept in the audit trail)')
      .option(
        '--force',
        'allow deprecating the production version (leaves its line with nothing in production)',
      )
      .option('--by <name>', 'who deprecates')
      .action(
        withRegistry('write', async (registry, o, cmd) => {
          const r = await registry.deprecate({
            ...sel(o),
            reason: String(o.reason),
            ...(o.force ? { force: true } : {}),
            ...(o.by ? { deprecatedBy: o.by as string } : {}),
          });
          const running = await stillRunningOf(registry, o, r.version);
          print(cmd, { ...r, stillRunning: running }, () =>
            [
              r.alreadyDeprecated
                ? `${label(o)} ${r.version} is already deprecated; nothing changed, the earlier reason stands: ${r.reason}`
                : `Deprecated ${label(o)} ${r.version}: ${r.reason}`,
              ...running.map(stillRunning),
            ].join('\n'),
          );
        }),
      ),
    [
      'modelreg models deprecate --use-case fraud --model Risk --version 1.0.0 --reason "trained on the leaked split"',
    ],
  );

  examples(
    modelOptions(
      models
        .command('resolve')
        .description(
          'what a router needs for a release line: the production version and the weighted and shadow aliases, each with its artifact uri and sha256 (the registry records intent; it does not route)',
        ),
    )
      .option('--alias <alias>', 'only this alias (with production)')
      .option('--line <line>', 'release line ("default" or none: the default line)')
      .action(
        withRegistry('read', async (registry, o, cmd) => {
          const r = await registry.resolve({
            useCase: o.useCase as string,
            modelName: o.model as string,
            ...(o.alias !== undefined ? { alias: String(o.alias) } : {}),
            ...(o.line !== undefined ? { line: String(o.line) } : {}),
          });
          const { table } = await import('../format.js');
          print(cmd, r, () => {
            const rows = [
              ...(r.production
                ? [
                    [
                      'production',
                      r.production.version,
                      String(r.productionWeight),
                      r.production.artifact.uri,
                      r.production.artifact.sha256,
                    ],
                  ]
                : []),
              ...r.aliases.map((a) => [
                `@${a.alias}`,
                a.version,
                a.shadow ? 'shadow' : a.weight !== undefined ? String(a.weight) : '-',
                a.artifact.uri,
                a.artifact.sha256,
              ]),
            ];
            const title = `${label(o)} on line ${r.line ?? 'default'}`;
            return rows.length === 0
              ? `${title}: nothing in production and no weighted or shadow alias.`
              : `${title}\n${table(['Route', 'Version', 'Traffic', 'Artifact', 'sha256'], rows)}`;
          });
        }),
      ),
    [
      'modelreg models resolve --use-case fraud --model Risk --json',
      'modelreg models resolve --use-case fraud --model Risk --line jetson-orin --alias canary',
    ],
  );

  // --- editable description and tags (issue 12 §7) ---
  examples(
    selectorOptions(
      models
        .command('edit')
        .description(
          "change a version's description and tags (audited model.edit; nothing else of a version changes)",
        ),
    )
      .option('--description <text>', 'the new description ("" removes it)')
      .option('--tag <key=value>', 'set a tag (repeatable)', collect)
      .option('--untag <key>', 'remove a tag (repeatable)', collect)
      .option('--by <name>', 'who edits it')
      .action(
        withRegistry('write', async (registry, o, cmd) => {
          const { parseTags } = await import('../parse.js');
          const { refLabel } = await import('../../core/model.js');
          if (
            o.version === undefined &&
            o.stage === undefined &&
            o.alias === undefined &&
            !String(o.model).includes('@')
          ) {
            throw new ValidationError('name the version to edit: --version V (or --stage, --alias).');
          }
          const v = await registry.edit({
            ...sel(o),
            ...(o.description !== undefined ? { description: o.description as string } : {}),
            tags: parseTags(many(o.tag)),
            untag: many(o.untag),
            ...(o.by ? { editedBy: o.by as string } : {}),
          });
          print(cmd, v, () =>
            [
              `Edited ${refLabel(v)} ${v.version}`,
              `  description  ${v.description ?? '-'}`,
              `  tags         ${
                Object.entries(v.tags)
                  .map(([k, t]) => `${k}=${t}`)
                  .join(', ') || '-'
              }`,
            ].join('\n'),
          );
        }),
      ),
    [
      'modelreg models edit --use-case fraud --model Risk --version 1.0.0 --description "Gradient boosting, Q3 data"',
      'modelreg models edit --use-case fraud --model Risk --version 1.0.0 --tag team=growth --untag temp',
    ],
  );

  // ── signing: sign a version's release statement, verify it ──
  /** The signer of `--key` / `--kms-key-id` (or the configured KMS key on AWS). */
  const signerOf = async (o: Record<string, unknown>, cmd: Command) => {
    const g = ctx.globals(cmd);
    const { parseBackend } = await import('../../compose/index.js');
    const { storeDir } = await import('./shared.js');
    const backend = parseBackend(g.backend ?? process.env.MODELREG_BACKEND);
    const { openSigner } = await import('../signing-keys.js');
    return openSigner(o, backend, backend === 'local' ? storeDir(g) : null);
  };
  examples(
    selectorOptions(
      models
        .command('sign')
        .description(
          'sign a version: an in-toto statement (artifact digest, identity, version, lineage) in a DSSE envelope',
        ),
    )
      .option('--key <file>', 'the Ed25519 private key file (from keys create)')
      .option('--kms-key-id <arn>', 'a KMS signing key (default on AWS: MODELREG_SIGNING_KEY_ID)')
      .option('--by <name>', 'who signs')
      .action(
        withRegistry('write', async (registry, o, cmd) => {
          const s = await registry.signVersion(
            { ...sel(o), ...(o.by ? { signedBy: o.by as string } : {}) },
            await signerOf(o, cmd),
          );
          print(
            cmd,
            s,
            () =>
              `Signed ${s.useCase}/${s.modelName} ${s.version} with key ${s.keyName} (${s.keyId})\n  envelope  DSSE, ${s.envelope.payloadType} (in-toto Statement v1)`,
          );
        }),
      ),
    [
      'modelreg models sign --use-case fraud --model Risk --version 1.0.0 --key ~/.config/modelreg/keys/release.pem',
    ],
  );
  selectorOptions(
    models
      .command('verify')
      .description(
        'verify a version: artifact re-hashed, signed statement matched, signature by a trusted unrevoked key',
      ),
  ).action(
    withRegistry('read', async (registry, o, cmd) => {
      const r = await registry.verifyVersion(sel(o));
      print(
        cmd,
        r,
        () =>
          `Verified ${r.useCase}/${r.modelName} ${r.version}\n  artifact  sha256 ${r.sha256} re-hashed\n  statement matches the version (digest, identity, version, lineage, metrics)\n  signature ${r.signature.description}`,
      );
    }),
  );

  return models;
}

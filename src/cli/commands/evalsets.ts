/** `modelreg evalsets register|list|evidence|evaluate`: standard evaluation sets and their evidence. */
import type { Command } from 'commander';
import { type CliContext, examples, modelOptions, useCaseOption } from './shared.js';

/** Registers `evalsets` on the program. */
export function registerEvalSets(program: Command, ctx: CliContext): void {
  const { print, withRegistry } = ctx;
  const evalsets = program
    .command('evalsets')
    .description('standard evaluation sets: the same rows for every version of a model');
  examples(
    useCaseOption(
      evalsets
        .command('register')
        .description(
          'register a new version of an evaluation set (name@1, name@2 …), hashed and kept immutable',
        ),
    )
      .requiredOption('--name <name>', 'evaluation set name (e.g. holdout)')
      .requiredOption('--file <path>', 'the evaluation set: a file or a directory')
      .option('--description <text>', 'what it is')
      .option('--by <name>', 'who registers it')
      .action(
        withRegistry('write', async (registry, o, cmd) => {
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
      ),
    ['modelreg evalsets register --use-case fraud --name holdout --file holdout.jsonl'],
  );
  useCaseOption(evalsets.command('list').description('the versions of an evaluation set'))
    .requiredOption('--name <name>', 'evaluation set name')
    .action(
      withRegistry('read', async (registry, o, cmd) => {
        const { shortTime, table } = await import('../format.js');
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
  modelOptions(evalsets.command('evidence').description('the evaluation evidence attached to a version'))
    .requiredOption('--version <version>', 'version')
    .action(
      withRegistry('read', async (registry, o, cmd) => {
        const { keyMetrics, shortTime, table } = await import('../format.js');
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
  examples(
    modelOptions(
      evalsets
        .command('evaluate')
        .description("evaluate a version on the model's standard evaluation set now"),
    )
      .requiredOption('--version <version>', 'version')
      .option('--by <name>', 'who runs it')
      .action(
        withRegistry('write', async (registry, o, cmd) => {
          const { keyMetrics } = await import('../format.js');
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
      ),
    ['modelreg evalsets evaluate --use-case fraud --model Risk --version 1.1.0 --by ana'],
  );
}

/** `modelreg pipeline run`: the promotion workflow, run locally over the embedded store. */
import type { Command } from 'commander';
import { ValidationError } from '../../core/errors.js';
import { type CliContext, EXIT, examples, storeDir } from './shared.js';

/**
 * The exit code of a finished workflow, from its output (the Succeeded, Refused, Rejected and
 * Expired states of statemachines/promotion.asl.json): 0 promoted, 3 refused by its gates,
 * 10 rejected by the approver, 7 failed or the approval timed out (nobody decided).
 */
export function pipelineExitCode(result: { status: string; output?: unknown }): number {
  if (result.status !== 'SUCCEEDED') return EXIT.incomplete;
  const out = (result.output ?? {}) as Record<string, unknown>;
  if (out.promoted === true) return EXIT.ok;
  const reason = String(out.reason ?? '');
  if (reason === 'approval timed out') return EXIT.incomplete;
  if (reason.startsWith('approval ')) return EXIT.rejected;
  return EXIT.gateFailed;
}

const VERDICTS: Record<number, string> = {
  [EXIT.ok]: 'Promoted.',
  [EXIT.gateFailed]: 'Not promoted: refused by its gates.',
  [EXIT.rejected]: 'Not promoted: the approver rejected it.',
  [EXIT.incomplete]: 'Not promoted: nobody decided the approval in time.',
};

/** Registers `pipeline` on the program. */
export function registerPipeline(program: Command, ctx: CliContext): void {
  const { print, withRegistry, setExit, globals, io } = ctx;
  examples(
    program
      .command('pipeline')
      .description('the promotion workflow, run locally')
      .command('run')
      .description(
        'run the promotion state machine on a training-completed event: register → evaluate → compare → gates → staging → approval → production → notify. Exit 0 promoted, 3 refused by gates, 10 rejected, 7 failed',
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
        const backend = globals(cmd).backend ?? process.env.MODELREG_BACKEND;
        if (backend && backend !== 'local') {
          throw new ValidationError(
            'pipeline run executes the workflow locally over the embedded store; on AWS, start the promotion state machine.',
          );
        }
      })
      .action(
        withRegistry('write', async (registry, o, cmd) => {
          const { dirname, isAbsolute, resolve } = await import('node:path');
          const { readJsonObject } = await import('../parse.js');
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
            event.artifactUri = resolve(dirname(o.event as string), event.artifactUri);
          }
          const { runPipeline } = await import('../pipeline.js');
          const say = g.json ? () => {} : (line: string) => io.out(`${line}\n`);
          const result = await runPipeline({
            registry,
            store: storeDir(g),
            event,
            say,
            ...(o.approve || o.reject
              ? { decide: { decision: o.approve ? 'approve' : 'reject', by: o.by as string } }
              : {}),
          });
          const code = pipelineExitCode(result);
          print(cmd, result, () =>
            result.status === 'SUCCEEDED'
              ? `Workflow ${result.status}: ${JSON.stringify(result.output)}\n${VERDICTS[code] ?? ''} (exit ${code})`
              : `Workflow ${result.status}: ${result.error}${result.cause ? ` (${result.cause})` : ''}`,
          );
          setExit(code);
        }),
      ),
    [
      'modelreg pipeline run --event training-completed.json',
      'modelreg pipeline run --event training-completed.json --approve --by carol',
    ],
  );
}

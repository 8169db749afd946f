/** `modelreg init`, `modelreg aws bootstrap` and `modelreg demo`: making a place to work in. */
import type { Command } from 'commander';
import { type CliContext, checkStore, examples, type Opts, storeDir } from './shared.js';

/** Registers `init` on the program: the one command that creates a store and writes nothing else. */
export function registerInit(program: Command, ctx: CliContext): void {
  const { print, globals } = ctx;
  examples(
    program
      .command('init')
      .description(
        'create an empty registry in the store directory (writing commands also create it the first time)',
      )
      .action(async (...args: unknown[]) => {
        const cmd = args[args.length - 1] as Command;
        const g = globals(cmd);
        const { resolve } = await import('node:path');
        const store = storeDir(g);
        const { created } = checkStore(store, 'write');
        const { openRegistry } = await import('../../index.js');
        const registry = await openRegistry({ backend: 'local', store });
        await registry.close();
        const root = resolve(store);
        print(cmd, { store: root, created }, () =>
          created
            ? `Created a new registry at ${root}.`
            : `A registry already exists at ${root}; nothing changed.`,
        );
      }),
    ['modelreg init --store ./registry'],
  );
}

/** Registers `aws` on the program. */
export function registerAws(program: Command, ctx: CliContext): void {
  const { print } = ctx;
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
      const { createAwsClients } = await import('../../adapters/aws/index.js');
      const { bootstrapAws } = await import('../../adapters/aws/bootstrap.js');
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
}

/** Registers `demo` on the program. */
export function registerDemo(program: Command, ctx: CliContext): void {
  const { print, globals, io } = ctx;
  program
    .command('demo')
    .description(
      'a narrated tour on a fresh temporary store: train, register, gate, promote, compare, roll back, audit',
    )
    .option(
      '--export <dir>',
      'instead of the tour, write its trained models, evaluation set and training events to DIR',
    )
    .option(
      '--robotics',
      'the second tour: a perception model, a variant, deployments, a regression and explain',
    )
    .action(async (...args: unknown[]) => {
      const cmd = args[args.length - 1] as Command;
      const g = globals(cmd);
      const exportDir = (cmd.opts() as Opts).export as string | undefined;
      if ((cmd.opts() as Opts).robotics) {
        const { runRoboticsDemo } = await import('../../demo/robotics.js');
        await runRoboticsDemo({ ...(g.store ? { store: g.store } : {}), out: io.out, json: Boolean(g.json) });
        return;
      }
      const { exportDemoFiles, runDemo } = await import('../../demo/tour.js');
      if (exportDir) {
        const files = await exportDemoFiles(exportDir);
        print(
          cmd,
          { files },
          () => `Wrote ${files.length} files to ${exportDir}:\n${files.map((f) => `  ${f}`).join('\n')}`,
        );
        return;
      }
      const { parseBackend } = await import('../../index.js');
      await runDemo({
        ...(g.store ? { store: g.store } : {}),
        backend: parseBackend(g.backend ?? process.env.MODELREG_BACKEND),
        out: io.out,
        json: Boolean(g.json),
      });
    });
}

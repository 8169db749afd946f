/** `modelreg models variant add|list`: built artifacts of a version per hardware target. */
import type { Command } from 'commander';
import { type CliContext, examples, sel, selectorOptions } from './shared.js';

/** Registers `models variant` under the `models` command. */
export function registerVariants(models: Command, ctx: CliContext): void {
  const { print, withRegistry } = ctx;
  const variant = models
    .command('variant')
    .description('built artifacts of a version for hardware targets (TensorRT engine, int8 ONNX …)');
  examples(
    selectorOptions(
      variant
        .command('add')
        .description('hash and store a built artifact as the variant of a version for a target (immutable)'),
    )
      .requiredOption('--target <name>', 'hardware target, e.g. jetson-orin-int8 (one variant per target)')
      .requiredOption(
        '--artifact <path>',
        'the built file or directory (hashed with sha256 and copied into the store)',
      )
      .option('--format <format>', 'artifact format (tensorrt, onnx, tflite …)')
      .option('--precision <precision>', 'numeric precision (fp32, fp16, int8 …)')
      .option('--builder <builder>', 'what built it (trtexec 10.3, a CI job …)')
      .option('--by <name>', 'who adds it')
      .action(
        withRegistry('write', async (registry, o, cmd) => {
          const v = await registry.addVariant({
            ...sel(o),
            target: o.target as string,
            artifactPath: o.artifact as string,
            ...(o.format ? { format: o.format as string } : {}),
            ...(o.precision ? { precision: o.precision as string } : {}),
            ...(o.builder ? { builder: o.builder as string } : {}),
            ...(o.by ? { addedBy: o.by as string } : {}),
          });
          print(
            cmd,
            v,
            () =>
              `Added variant ${v.target} to ${v.useCase}/${v.modelName} ${v.version}\n  artifact ${v.artifact.uri}\n  sha256   ${v.artifact.sha256} (${v.artifact.sizeBytes} bytes)`,
          );
        }),
      ),
    [
      'modelreg models variant add --use-case robotics --model Perception --version 1.0.0 --target jetson-orin-int8 --artifact model.engine --format tensorrt --precision int8',
    ],
  );
  selectorOptions(variant.command('list').description('the variants of a version, by target')).action(
    withRegistry('read', async (registry, o, cmd) => {
      const { variantRecordsTable } = await import('../explain-view.js');
      const items = await registry.listVariants(sel(o));
      print(cmd, { items }, () => (items.length === 0 ? 'No variants.' : variantRecordsTable(items)));
    }),
  );
}

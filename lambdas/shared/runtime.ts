/**
 * What every handler shares: Powertools Logger and Metrics, the registry built once per
 * container (the AWS composition, from the MODELREG_* settings; tests and the local runner
 * inject theirs with `useRegistry`), and
 * the thin wrapper that validates input with zod, runs the step and reports errors by
 * their stable names (the names the state machines' Retry and Catch match).
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { z } from 'zod';
import { awsConfigFromEnv } from '../../src/adapters/aws/config.js';
import { parseInput } from '../../src/app/inputs.js';
import type { Registry } from '../../src/app/registry.js';
import { openAwsRegistry } from '../../src/compose/aws.js';
import { ValidationError } from '../../src/core/errors.js';

import { logger, metrics } from './telemetry.js';

export { logger, metrics };

let registry: Promise<Registry> | undefined;

/**
 * The registry of this container, opened on first use and kept for warm invocations. A
 * function runs on the AWS backend only: reaching the local one from here would put SQLite
 * into every bundle, so any other MODELREG_BACKEND is refused.
 */
export function getRegistry(): Promise<Registry> {
  registry ??= (async () => {
    const backend = process.env.MODELREG_BACKEND || 'aws';
    if (backend !== 'aws') {
      throw new ValidationError(
        `MODELREG_BACKEND=${JSON.stringify(backend)}: a Lambda handler runs on the aws backend only. ` +
          'Unset it or set it to aws; to run a handler on the embedded backend, inject a registry with useRegistry().',
        { backend },
      );
    }
    return openAwsRegistry(awsConfigFromEnv(process.env), {
      actor: 'modelreg-workflow',
      warn: (m) => logger.warn(m),
    });
  })();
  return registry;
}

/** For tests and the local runner: use this registry instead of opening one from the environment. */
export function useRegistry(r: Registry | Promise<Registry>): void {
  registry = Promise.resolve(r);
}

/** Builds a handler: zod in, the step, metrics and logs; errors keep their names. */
export function step<S extends z.ZodType, O>(
  name: string,
  schema: S,
  run: (registry: Registry, input: z.output<S>) => Promise<O>,
): (event: unknown) => Promise<O> {
  return async (event: unknown) => {
    logger.appendKeys({ step: name });
    try {
      const input = parseInput(schema, event);
      const out = await run(await getRegistry(), input);
      metrics.addMetric(`${name}Succeeded`, MetricUnit.Count, 1);
      logger.info(`${name} done`, { output: out as unknown as Record<string, unknown> });
      return out;
    } catch (e) {
      metrics.addMetric(`${name}Failed`, MetricUnit.Count, 1);
      logger.error(`${name} failed`, e as Error);
      throw e;
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}

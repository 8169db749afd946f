/**
 * What every handler shares: Powertools Logger and Metrics, the registry built once per
 * container (from MODELREG_BACKEND and the AWS settings, or MODELREG_STORE locally), and
 * the thin wrapper that validates input with zod, runs the step and reports errors by
 * their stable names (the names the state machines' Retry and Catch match).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { z } from 'zod';
import { parseInput } from '../../src/app/inputs.js';
import type { Registry } from '../../src/app/registry.js';
import { openRegistry } from '../../src/index.js';

export const logger = new Logger({ serviceName: 'modelreg' });
export const metrics = new Metrics({ namespace: 'modelreg', serviceName: 'modelreg' });

let registry: Promise<Registry> | undefined;

/** The registry of this container, opened on first use and kept for warm invocations. */
export function getRegistry(): Promise<Registry> {
  registry ??= openRegistry({ actor: 'modelreg-workflow', warn: (m) => logger.warn(m) });
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

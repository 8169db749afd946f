/** Ingests a live metric report (from a serving layer, a schedule or a queue): a thin adapter over Registry.reportMetrics. */
import { MonitorReportEventSchema } from '../../src/app/events.js';
import { step } from '../shared/runtime.js';

export const handler = step('monitor-report', MonitorReportEventSchema, (registry, input) =>
  registry.reportMetrics({
    useCase: input.useCase,
    modelName: input.modelName,
    version: input.version,
    metrics: input.metrics,
    ...(input.at !== undefined ? { at: input.at } : {}),
    ...(input.window !== undefined ? { window: input.window } : {}),
    ...(input.reportedBy !== undefined ? { reportedBy: input.reportedBy } : {}),
  }),
);

/**
 * The lineage walk's routes (issue 11): from a dataset version, from a feature set, and
 * from a model version to its parents and children. `lineage show` on the command line.
 */
import * as z from 'zod';
import { type AnyRoute, PathParams, route } from './route.js';

/** The routes of the lineage walk. */
export function lineageRoutes(): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/lineage/datasets/:datasetVersion',
      summary: 'Every version, and every feature set, built from a dataset version',
      cli: 'lineage show --dataset-version D',
      role: 'viewer',
      params: z.object({ datasetVersion: z.string() }),
      handler: ({ registry, params }) => registry.lineageWalk({ datasetVersion: params.datasetVersion }),
    }),
    route({
      method: 'get',
      path: '/lineage/feature-sets/:name/:version',
      summary: 'The versions built on a feature set version',
      cli: 'lineage show --feature-set name@version',
      role: 'viewer',
      params: z.object({ name: z.string(), version: z.string() }),
      handler: ({ registry, params }) =>
        registry.lineageWalk({ featureSet: { name: params.name, version: params.version } }),
    }),
    route({
      method: 'get',
      path: '/models/:useCase/:model/versions/:version/lineage',
      summary: "A version's parents (transitively, with relations) and the versions derived from it",
      cli: 'lineage show --use-case U --model M --version V',
      role: 'viewer',
      params: PathParams.version,
      handler: ({ registry, params }) =>
        registry.lineageWalk({ useCase: params.useCase, modelName: params.model, version: params.version }),
    }),
  ];
}

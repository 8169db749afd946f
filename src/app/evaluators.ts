/**
 * Evaluators measure a model version on an evaluation set. The policy names one:
 * `builtin:logistic-regression` (the demo's JSON model on a CSV set), a module path
 * (locally: a module exporting `evaluate({artifactPath, evalSetPath})`), or a Lambda ARN
 * (on AWS: invoked with `{artifactUri, evalSetUri}`, answering a metrics object).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ValidationError } from '../core/errors.js';
import { type Metrics, MetricsSchema } from '../core/model.js';

/** Where the version's artifact and the evaluation set are (local copies, and their URIs). */
export interface EvaluationInput {
  artifactPath: string;
  evalSetPath: string;
  artifactUri: string;
  evalSetUri: string;
}

/** Measures one version on one evaluation set. */
export interface Evaluator {
  name: string;
  evaluate(input: EvaluationInput): Promise<Metrics>;
  /**
   * Optional: how sure (0–1) the evaluator is that the candidate beats the champion on
   * the evaluation set (the "Comparison Confidence" of notifications).
   */
  confidence?(input: { candidatePath: string; championPath: string; evalSetPath: string }): Promise<number>;
}

/** Turns the policy's evaluator name into an evaluator. */
export type EvaluatorResolver = (spec: string) => Promise<Evaluator>;

/** The single file of an artifact path (a file, or a directory holding exactly one). */
async function singleFile(path: string): Promise<string> {
  if ((await stat(path)).isFile()) return path;
  const files = (await readdir(path, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
  if (files.length !== 1)
    throw new ValidationError(`${path} holds ${files.length} files; the built-in evaluator reads one.`);
  return join(files[0]!.parentPath ?? path, files[0]!.name);
}

/** The demo's evaluator: a logistic-regression JSON model scored on a CSV evaluation set. */
export const logisticRegressionEvaluator: Evaluator = {
  name: 'builtin:logistic-regression',
  async evaluate({ artifactPath, evalSetPath }) {
    const { datasetFromCsv, evaluateClassifier } = await import('../demo/ml.js');
    const model = JSON.parse(await readFile(await singleFile(artifactPath), 'utf8'));
    const data = datasetFromCsv(await readFile(await singleFile(evalSetPath), 'utf8'));
    const m = evaluateClassifier(model, data);
    const round = (x: number) => Math.round(x * 1e4) / 1e4;
    return {
      auc: round(m.auc),
      f1: round(m.f1),
      accuracy: round(m.accuracy),
      precision: round(m.precision),
      recall: round(m.recall),
      logloss: round(m.logloss),
    };
  },
  async confidence({ candidatePath, championPath, evalSetPath }) {
    const { datasetFromCsv, predictProba, pairedBootstrapConfidence } = await import('../demo/ml.js');
    const read = async (path: string) => JSON.parse(await readFile(await singleFile(path), 'utf8'));
    const data = datasetFromCsv(await readFile(await singleFile(evalSetPath), 'utf8'));
    const champion = predictProba(await read(championPath), data);
    const candidate = predictProba(await read(candidatePath), data);
    return Math.round(pairedBootstrapConfidence(champion, candidate, data.y) * 1000) / 1000;
  },
};

function checkedMetrics(name: string, value: unknown): Metrics {
  const parsed = MetricsSchema.safeParse(value);
  if (!parsed.success)
    throw new ValidationError(`evaluator ${name} did not answer a metrics object ({"auc": 0.93, …}).`);
  return parsed.data;
}

/** Resolves built-ins, module paths (relative to `baseDir`) and, on AWS, Lambda ARNs. */
export function defaultEvaluators(baseDir: string = process.cwd()): EvaluatorResolver {
  return async (spec) => {
    if (spec === logisticRegressionEvaluator.name) return logisticRegressionEvaluator;
    if (spec.startsWith('arn:aws:lambda:')) {
      const { LambdaClient, InvokeCommand } = await import('@aws-sdk/client-lambda');
      const client = new LambdaClient({});
      return {
        name: spec,
        async evaluate({ artifactUri, evalSetUri }) {
          const out = await client.send(
            new InvokeCommand({
              FunctionName: spec,
              Payload: Buffer.from(JSON.stringify({ artifactUri, evalSetUri })),
            }),
          );
          const body = out.Payload ? JSON.parse(Buffer.from(out.Payload).toString('utf8')) : null;
          if (out.FunctionError) throw new Error(`evaluator ${spec} failed: ${JSON.stringify(body)}`);
          return checkedMetrics(spec, body);
        },
      };
    }
    if (spec.startsWith('builtin:'))
      throw new ValidationError(`unknown built-in evaluator ${spec}; use builtin:logistic-regression.`);
    const path = isAbsolute(spec) ? spec : resolve(baseDir, spec);
    const mod = (await import(pathToFileURL(path).href)) as {
      evaluate?: (input: EvaluationInput) => Promise<unknown>;
    };
    if (typeof mod.evaluate !== 'function')
      throw new ValidationError(`evaluator module ${path} does not export evaluate().`);
    return { name: spec, evaluate: async (input) => checkedMetrics(spec, await mod.evaluate!(input)) };
  };
}

/**
 * Real model artifacts and a real evaluation set for the workflow tests: logistic
 * regressions trained by the demo's code on its synthetic fraud data, written as the
 * JSON files the built-in evaluator reads, and the held-out rows as CSV.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Registry } from '../../src/app/registry.js';
import {
  type ClassifierMetrics,
  type Dataset,
  DEMO_TRAINING_RUNS,
  datasetToCsv,
  evaluateClassifier,
  type LogisticModel,
  makeFraudDataset,
  splitDataset,
  trainLogisticRegression,
} from '../../src/demo/ml.js';
import { openRegistry } from '../../src/index.js';

/** The demo's training settings by name: baseline (weak), more-features, all-features (strong). */
export type RunName = 'baseline' | 'more-features' | 'all-features';

interface Fixtures {
  models: Record<RunName, LogisticModel>;
  /** The held-out rows: what evaluation set @1 holds. */
  holdout: Dataset;
  /** Other held-out rows (another split): what a second version of the set holds. */
  holdout2: Dataset;
}

let fixtures: Fixtures | undefined;

/** Trains the three demo models once per test file (a few tens of milliseconds). */
export function demoFixtures(): Fixtures {
  if (fixtures) return fixtures;
  const data = makeFraudDataset({ seed: 7, rows: 2000 });
  const { train, eval: holdout } = splitDataset(data, 0.3, 7);
  const { eval: holdout2 } = splitDataset(data, 0.3, 11);
  const models = Object.fromEntries(
    DEMO_TRAINING_RUNS.map((run) => [run.name, trainLogisticRegression(train, run.options)]),
  ) as Record<RunName, LogisticModel>;
  fixtures = { models, holdout, holdout2 };
  return fixtures;
}

/** The metrics the built-in evaluator reports: evaluateClassifier rounded to 4 places. */
export function expectedMetrics(
  model: LogisticModel,
  data: Dataset,
): Record<keyof ClassifierMetrics, number> {
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
}

/** A temp directory with a registry store in it, and files to register from it. */
export interface Workspace {
  dir: string;
  store: string;
  registry: Registry;
  /** Writes a demo model as `model.json` in a fresh directory and returns the file path. */
  model: (run: RunName, salt?: string) => Promise<string>;
  /** Writes a dataset as CSV and returns the file path. */
  csv: (data: Dataset, name?: string) => Promise<string>;
  /** Writes any file under the workspace and returns its path. */
  file: (name: string, content: string) => Promise<string>;
  cleanup: () => Promise<void>;
}

let counter = 0;

/** Opens a registry on the embedded backend (SQLite + filesystem) in a fresh temp directory. */
export async function openWorkspace(options: { clock?: { now: () => Date } } = {}): Promise<Workspace> {
  const dir = await mkdtemp(join(tmpdir(), 'modelreg-workflow-'));
  const store = join(dir, 'store');
  const registry = await openRegistry({
    backend: 'local',
    store,
    actor: 'workflow-tester',
    warn: () => {},
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const file = async (name: string, content: string) => {
    counter += 1;
    const sub = join(dir, 'files', String(counter));
    await mkdir(sub, { recursive: true });
    const path = join(sub, name);
    await writeFile(path, content);
    return path;
  };
  return {
    dir,
    store,
    registry,
    file,
    // a salt changes the bytes (and the sha256) without changing the model's predictions
    model: (run, salt) =>
      file('model.json', JSON.stringify({ ...demoFixtures().models[run], ...(salt ? { salt } : {}) })),
    csv: (data, name = 'holdout.csv') => file(name, datasetToCsv(data)),
    cleanup: async () => {
      await registry.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The number of audit events of a model. */
export async function auditLength(
  registry: Registry,
  ref: { useCase: string; modelName: string },
): Promise<number> {
  return (await registry.auditTrail({ ...ref, limit: 1000 })).items.length;
}

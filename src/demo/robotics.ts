/**
 * `modelreg demo --robotics`: the second tour, the six questions of a robotics registry
 * entry. A perception model (obstacle detection from range, intensity and image features)
 * is trained on generated drive logs, curated, evaluated, approved and promoted; an int8
 * variant is built for a Jetson target, deployments are recorded, a night-time regression
 * is measured and recorded, production is rolled back, and `models explain` answers the
 * six questions from the records. Every number is computed here, never typed in.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Registry } from '../app/registry.js';
import { deploymentsTable, explainView } from '../cli/explain-view.js';
import { num } from '../cli/format.js';
import { ValidationError } from '../core/errors.js';
import type { Explanation } from '../core/explain.js';
import { openRegistry } from '../index.js';
import {
  createRng,
  type Dataset,
  datasetDigest,
  datasetToCsv,
  evaluateClassifier,
  gaussian,
  type LogisticModel,
  splitDataset,
  trainLogisticRegression,
} from './ml.js';

/** Options of the robotics tour (local store only). */
export interface RoboticsDemoOptions {
  /** Store directory (must be new or empty); default: a fresh temporary directory. */
  store?: string;
  out: (text: string) => void;
  /** Print one JSON summary instead of the narration. */
  json?: boolean;
}

/** What the robotics tour did, for `--json` and for tests. */
export interface RoboticsDemoSummary {
  store: string;
  useCase: string;
  modelName: string;
  dataset: { version: string; curationRuleset: string; keptRows: number; droppedRows: number };
  versions: { version: string; features: string[]; auc: number }[];
  variant: { target: string; sha256: string; auc: number; maxWeightError: number };
  deployments: { id: string; version: string; fleet: string }[];
  regression: { dayAuc: number; nightAuc: number };
  rollback: { from: string; to: string; stillRunning: string[] };
  explain: Explanation;
}

const USE_CASE = 'warehouse_robotics';
const MODEL = 'ObstacleDetector';
const SEED = 11;
const ROWS = 3000;
/** Frames darker than this are night frames. */
const NIGHT_LUX = 20;
const FEATURES = ['lidar_min_range_m', 'return_intensity', 'blob_area_px', 'motion_px', 'ambient_lux'];

/**
 * Generated drive-log frames: is there an obstacle in the robot's path? Range and blob size
 * carry the signal by day; at night the camera features get noisy, so a model leaning on
 * them loses accuracy there (the regression the tour finds). Rounded so the CSV is exact.
 */
export function makeDriveLog(seed: number, rows: number): Dataset {
  const rng = createRng(seed);
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < rows; i++) {
    const obstacle = rng() < 0.35 ? 1 : 0;
    const lux = rng() < 0.3 ? rng() * NIGHT_LUX : NIGHT_LUX + rng() * 480;
    const night = lux < NIGHT_LUX;
    const range = Math.max(0.2, (obstacle ? 2.2 : 4.5) + 1.4 * gaussian(rng));
    const intensity = (obstacle ? 0.62 : 0.45) + 0.15 * gaussian(rng);
    const blob = Math.max(0, (obstacle ? 900 : 350) + (night ? 700 : 220) * gaussian(rng));
    const motion = Math.max(0, (obstacle ? 14 : 9) + (night ? 12 : 4) * gaussian(rng));
    X.push([round(range, 3), round(intensity, 3), Math.round(blob), round(motion, 2), round(lux, 1)]);
    y.push(obstacle);
  }
  return { featureNames: [...FEATURES], X, y };
}

/** The curation ruleset: drop frames with an impossible range reading (sensor dropouts). */
export function curate(ds: Dataset): { kept: Dataset; dropped: number } {
  const at = ds.featureNames.indexOf('lidar_min_range_m');
  const keep = ds.X.map((row) => row[at]! > 0.25);
  return {
    kept: {
      featureNames: [...ds.featureNames],
      X: ds.X.filter((_, i) => keep[i]),
      y: ds.y.filter((_, i) => keep[i]),
    },
    dropped: keep.filter((k) => !k).length,
  };
}

/** The rows of `ds` whose ambient light says night (or day). */
function byLight(ds: Dataset, night: boolean): Dataset {
  const at = ds.featureNames.indexOf('ambient_lux');
  const pick = ds.X.map((row) => row[at]! < NIGHT_LUX === night);
  return {
    featureNames: [...ds.featureNames],
    X: ds.X.filter((_, i) => pick[i]),
    y: ds.y.filter((_, i) => pick[i]),
  };
}

/** Symmetric int8 quantization of the weights: what an int8 engine computes with. */
function quantizeInt8(model: LogisticModel): { model: LogisticModel; scale: number; maxError: number } {
  const scale = Math.max(...model.weights.map(Math.abs)) / 127;
  const q = model.weights.map((w) => Math.round(w / scale));
  const weights = q.map((v) => v * scale);
  const maxError = Math.max(...weights.map((w, i) => Math.abs(w - model.weights[i]!)));
  return { model: { ...model, weights }, scale, maxError };
}

function round(x: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `   ${l}`)
    .join('\n');
}

/** Runs the robotics tour and returns its summary. */
export async function runRoboticsDemo(options: RoboticsDemoOptions): Promise<RoboticsDemoSummary> {
  const say = options.json ? () => {} : (text = '') => options.out(`${text}\n`);
  const root = await mkdtemp(join(tmpdir(), 'modelreg-robotics-'));
  const store = options.store ?? join(root, 'store');
  await mkdir(store, { recursive: true });
  if ((await readdir(store)).length > 0) {
    throw new ValidationError(
      `the demo needs a new or empty store, and ${store} is not empty; omit --store to use a temporary one.`,
    );
  }
  const work = join(root, 'work');
  await mkdir(work, { recursive: true });
  const where = `--store ${shellQuote(resolve(store))}`;
  const cmd = (text: string) => say(`  $ modelreg ${text} ${where}`);
  const path = (...parts: string[]) => shellQuote(join(work, ...parts));
  const at = `--use-case ${USE_CASE} --model ${MODEL}`;
  const ref = { useCase: USE_CASE, modelName: MODEL };
  const registry: Registry = await openRegistry({ backend: 'local', store, actor: 'ana', warn: () => {} });
  try {
    say(
      'modelreg robotics tour: a perception model from drive logs to a fleet, a regression and a rollback.',
    );
    say(`Store: ${store}`);
    say();

    // 1. Data and curation
    const raw = makeDriveLog(SEED, ROWS);
    const { kept, dropped } = curate(raw);
    const { train, eval: holdout } = splitDataset(kept, 0.3, SEED);
    const datasetVersion = `drive-logs@sha256:${datasetDigest(raw).slice(0, 12)}`;
    const curationRuleset = 'drop-range-dropouts-v1';
    const featureSet = { name: 'perception-frame', version: '1' };
    say(`1. ${ROWS} generated drive-log frames (seed ${SEED}), dataset ${datasetVersion}.`);
    say(
      `   Curation ruleset ${curationRuleset} drops ${dropped} sensor-dropout frames; ${kept.y.length} kept.`,
    );
    await writeFile(join(work, 'holdout.csv'), datasetToCsv(holdout));
    cmd(
      `evalsets register --use-case ${USE_CASE} --name day-and-night --file ${path('holdout.csv')} --by qa`,
    );
    await registry.registerEvalSet({
      useCase: USE_CASE,
      name: 'day-and-night',
      file: join(work, 'holdout.csv'),
      registeredBy: 'qa',
    });
    const policy = {
      gates: { production: { min_auc: 0.8 } },
      requireApproval: true,
      approvers: ['carol'],
      evaluation: { evalSet: 'day-and-night', evaluator: 'builtin:logistic-regression' },
    };
    await writeFile(join(work, 'policy.json'), `${JSON.stringify(policy, null, 2)}\n`);
    cmd(`models policy set ${at} --file ${path('policy.json')} --by qa`);
    await registry.setPolicy({ ...ref, policy, setBy: 'qa' });
    say("   Production needs auc ≥ 0.80 on day-and-night@1 and carol's approval.");
    say();

    // 2. Two training runs, evaluated, approved, promoted
    const runs = [
      { name: 'range-only', features: ['lidar_min_range_m', 'return_intensity'] },
      { name: 'range+camera', features: FEATURES },
    ];
    const versions: RoboticsDemoSummary['versions'] = [];
    const models: LogisticModel[] = [];
    say('2. Two training runs; each is registered with its lineage, evaluated, approved and promoted.');
    for (const [i, run] of runs.entries()) {
      const training = { learningRate: 0.3, epochs: 300, l2: 0.001, features: run.features };
      const model = trainLogisticRegression(train, training);
      models.push(model);
      const metrics = { auc: round(evaluateClassifier(model, holdout).auc) };
      const configHash = createHash('sha256').update(JSON.stringify(training)).digest('hex').slice(0, 16);
      const runId = `drive-run-${i + 1}-${configHash.slice(0, 6)}`;
      const dir = join(work, runId);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'model.json'), `${JSON.stringify(model)}\n`);
      await writeFile(join(dir, 'metrics.json'), `${JSON.stringify(metrics)}\n`);
      const lineage = { runId, datasetVersion, curationRuleset, configHash, featureSet };
      let version: string;
      if (i === 0) {
        // the first run is taken through by hand
        cmd(
          `models register ${at} --artifact ${path(runId, 'model.json')} --metrics-file ${path(runId, 'metrics.json')} --run-id ${runId} --dataset-version ${datasetVersion} --curation-ruleset ${curationRuleset} --config-hash ${configHash} --feature-set ${featureSet.name}@${featureSet.version} --registered-by ana`,
        );
        const v = await registry.register({
          ...ref,
          artifactPath: join(dir, 'model.json'),
          metrics,
          lineage: { ...lineage, codeVersion: null },
          registeredBy: 'ana',
        });
        version = v.version;
        cmd(`evalsets evaluate ${at} --version ${version} --by ana`);
        await registry.evaluate({ ...ref, version, evaluatedBy: 'ana' });
        cmd(`models promote ${at} --version ${version} --to staging --promoted-by ben`);
        await registry.promote({ ...ref, version, to: 'staging', promotedBy: 'ben' });
        cmd(`approvals request ${at} --version ${version} --by ben`);
        const request = await registry.requestApproval({
          ...ref,
          version,
          requestedBy: 'ben',
          taskToken: `cli-robotics-demo-${version}`,
        });
        cmd(`approvals approve ${request.approvalId} --by carol`);
        await registry.decideApproval({ approvalId: request.approvalId, decision: 'approve', by: 'carol' });
        cmd(`models promote ${at} --version ${version} --to production --promoted-by ben`);
        const promoted = await registry.promote({ ...ref, version, to: 'production', promotedBy: 'ben' });
        if (!promoted.promoted) throw new Error(`the demo expected ${version} to pass: ${promoted.reason}`);
        say(`   ${run.name} → ${version}, evaluated, approved by carol, in production.`);
        // it is rolled out to fleet B before the second run arrives
        cmd(
          `deployments record ${at} --version ${version} --env prod --fleet warehouse-robots-b --site oslo-dc --customer nordic-freight --by fleet-ops`,
        );
        await registry.recordDeployment({
          ...ref,
          version,
          env: 'prod',
          fleet: 'warehouse-robots-b',
          site: 'oslo-dc',
          customer: 'nordic-freight',
          by: 'fleet-ops',
        });
      } else {
        // the second arrives as a training-completed event; the promotion workflow does the rest
        const event = {
          ...ref,
          artifactUri: join(dir, 'model.json'),
          ...lineage,
          requestedBy: 'ana',
          metrics,
        };
        await writeFile(join(dir, 'training-completed.json'), `${JSON.stringify(event, null, 2)}\n`);
        cmd(`pipeline run --event ${path(runId, 'training-completed.json')} --approve --by carol`);
        const { runPipeline } = await import('../cli/pipeline.js');
        const result = await runPipeline({
          registry,
          store,
          event,
          decide: { decision: 'approve', by: 'carol' },
          say: () => {},
          pollMs: 50,
        });
        const output = result.output as { promoted?: boolean; version?: string } | undefined;
        if (result.status !== 'SUCCEEDED' || !output?.promoted || !output.version) {
          throw new Error(`the demo expected the workflow to promote ${run.name}: ${JSON.stringify(result)}`);
        }
        version = output.version;
        say(
          `   ${run.name} → ${version}: registered, evaluated, compared, approved by carol and promoted by the workflow.`,
        );
      }
      const evidence = await registry.evidence({ ...ref, version });
      versions.push({ version, features: run.features, auc: evidence[0]?.metrics.auc ?? Number.NaN });
    }
    const [v1, v2] = versions as [RoboticsDemoSummary['versions'][0], RoboticsDemoSummary['versions'][0]];
    say();

    // 3. An int8 variant for the Jetson target
    const q = quantizeInt8(models[1]!);
    const variantAuc = evaluateClassifier(q.model, holdout).auc;
    await writeFile(
      join(work, 'model.int8.json'),
      `${JSON.stringify({ ...q.model, quantization: { scheme: 'int8-symmetric', scale: q.scale } })}\n`,
    );
    say(`3. The artifact builder quantizes ${v2.version} to int8 for the robots' Jetson Orin boards.`);
    cmd(
      `models variant add ${at} --version ${v2.version} --target jetson-orin-int8 --artifact ${path('model.int8.json')} --format logistic-json --precision int8 --builder modelreg-demo-quantizer`,
    );
    const variant = await registry.addVariant({
      ...ref,
      version: v2.version,
      target: 'jetson-orin-int8',
      artifactPath: join(work, 'model.int8.json'),
      format: 'logistic-json',
      precision: 'int8',
      builder: 'modelreg-demo-quantizer',
    });
    say(
      `   Stored beside the model, sha256 ${variant.artifact.sha256.slice(0, 16)}…; auc ${num(variantAuc)} (fp ${num(v2.auc)}), largest weight error ${num(q.maxError, 6)}.`,
    );
    say();

    // 4. Deployment
    say(`4. Fleet ops roll the int8 variant of ${v2.version} out to fleet A.`);
    cmd(
      `deployments record ${at} --version ${v2.version} --variant jetson-orin-int8 --env prod --fleet warehouse-robots-a --site lyon-dc --customer acme-logistics --by fleet-ops`,
    );
    await registry.recordDeployment({
      ...ref,
      version: v2.version,
      variant: 'jetson-orin-int8',
      env: 'prod',
      fleet: 'warehouse-robots-a',
      site: 'lyon-dc',
      customer: 'acme-logistics',
      by: 'fleet-ops',
    });
    cmd(`deployments list ${at} --running`);
    say(indent(deploymentsTable(await registry.listDeployments({ ...ref, active: true }))));
    say();

    // 5. A regression measured on night frames
    const dayAuc = round(evaluateClassifier(models[1]!, byLight(holdout, false)).auc);
    const nightAuc = round(evaluateClassifier(models[1]!, byLight(holdout, true)).auc);
    const nightAucV1 = round(evaluateClassifier(models[0]!, byLight(holdout, true)).auc);
    const details = `night frames (lux < ${NIGHT_LUX}): auc ${num(nightAuc)} vs ${num(dayAuc)} by day; ${v1.version} scores ${num(nightAucV1)} at night`;
    say(`5. Telemetry from fleet A: ${v2.version} misses obstacles at night.`);
    say(`   ${details}.`);
    cmd(
      `events record ${at} --version ${v2.version} --kind regression --details "${details}" --by telemetry`,
    );
    await registry.recordEvent({
      ...ref,
      version: v2.version,
      kind: 'regression',
      details,
      recordedBy: 'telemetry',
    });
    say();

    // 6. Roll back
    say(`6. Production goes back to ${v1.version}; the registry says which robots still run ${v2.version}.`);
    cmd(`models rollback ${at} --skip-gates --reason "night-time regression" --by oncall`);
    const rb = await registry.rollback({
      ...ref,
      reason: 'night-time regression',
      rolledBackBy: 'oncall',
      skipGates: true,
    });
    const stale = await registry.stillRunning(ref, rb.archivedVersion);
    say(`   ${rb.version} is back in production; ${rb.archivedVersion} archived.`);
    for (const d of stale)
      say(
        `   still running ${d.version}: fleet ${d.fleet}, site ${d.site}, customer ${d.customer} [${d.id}]`,
      );
    say();

    // 7. The six questions
    say(`7. Everything about ${v2.version}, from the registry's own records:`);
    cmd(`models explain ${at} --version ${v2.version}`);
    const explained = await registry.explain({ ...ref, version: v2.version });
    say(indent(explainView(explained)));
    say();
    say('Explore this store yourself (modelreg after npm link; npx modelreg inside the repository):');
    say(`  $ modelreg models explain ${at} --version ${v2.version} --json ${where}`);
    say(`  $ modelreg deployments list --fleet warehouse-robots-a ${where}`);

    const summary: RoboticsDemoSummary = {
      store,
      ...ref,
      dataset: { version: datasetVersion, curationRuleset, keptRows: kept.y.length, droppedRows: dropped },
      versions,
      variant: {
        target: variant.target,
        sha256: variant.artifact.sha256,
        auc: round(variantAuc),
        maxWeightError: q.maxError,
      },
      deployments: (await registry.listDeployments({ ...ref })).map((d) => ({
        id: d.id,
        version: d.version,
        fleet: d.fleet,
      })),
      regression: { dayAuc, nightAuc },
      rollback: { from: v2.version, to: rb.version, stillRunning: stale.map((d) => d.id) },
      explain: explained,
    };
    if (options.json) options.out(`${JSON.stringify(summary, null, 2)}\n`);
    return summary;
  } finally {
    await registry.close();
  }
}

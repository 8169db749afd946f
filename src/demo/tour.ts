/**
 * `modelreg demo` (and `npm start`): a narrated tour of the registry on a fresh store.
 * Everything it shows is computed on the spot: the data is generated from a fixed seed,
 * three logistic regressions are trained and evaluated on a held-out set, and the
 * registry decides what gets promoted.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Registry } from '../app/registry.js';
import { auditTable, gatesTable, num, signed, table, versionsTable } from '../cli/format.js';
import { ValidationError } from '../core/errors.js';
import type { ModelVersion } from '../core/model.js';
import type { RegistryEvent } from '../core/ports.js';
import { openRegistry } from '../index.js';
import {
  DEMO_TRAINING_RUNS,
  datasetDigest,
  datasetToCsv,
  driftCheck,
  evaluateClassifier,
  type LogisticModel,
  makeFraudDataset,
  splitDataset,
  trainLogisticRegression,
} from './ml.js';

/** Options of the tour. */
export interface DemoOptions {
  /** Store directory (must be new or empty); default: a fresh temporary directory. */
  store?: string;
  out: (text: string) => void;
  /** Print one JSON summary instead of the narration. */
  json?: boolean;
  /** Run on the embedded store (default) or on the AWS backend configured in the environment. */
  backend?: 'local' | 'aws';
}

/** What the tour did, for `--json` and for tests. */
export interface DemoSummary {
  store: string;
  useCase: string;
  modelName: string;
  dataset: { rows: number; trainRows: number; evalRows: number; positiveRate: number; version: string };
  runs: {
    name: string;
    version: string;
    runId: string;
    metrics: Record<string, number>;
    drift: { passed: boolean; maxPsi: number };
  }[];
  refused: { version: string; failedGates: string[] };
  promotedToProduction: string[];
  /** The evaluator's confidence that the workflow's version beats the one it replaced (local runs). */
  workflowConfidence: number | null;
  rollback: { from: string; to: string };
  finalProduction: string;
  artifactCheck: { version: string; sha256: string; rescoredAuc: number; registeredAuc: number };
  audit: { events: number; valid: boolean };
  /** Events the local outbox received (0 on AWS, where they go to SNS). */
  notifications: number;
  /** Signing: the production version, signed with a key the tour made and the use case trusts. */
  signature: { version: string; keyId: string; status: string };
}

const LOCAL_USE_CASE = 'fraud_detection';
const MODEL = 'FraudRiskModel';
const SEED = 7;
const ROWS = 4000;

/** Runs the tour and returns its summary. */
export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const say = options.json ? () => {} : (text = '') => options.out(`${text}\n`);
  const root = await mkdtemp(join(tmpdir(), 'modelreg-demo-'));
  const aws = options.backend === 'aws';
  // every command shown is complete, so it can be pasted against the tour's store
  let where = '';
  const cmd = (text: string) => say(`  $ modelreg ${text} ${where}`);
  // On AWS the tour writes to a use case of its own, so it never touches real models.
  const USE_CASE = aws
    ? `fraud_detection_demo_${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}`
    : LOCAL_USE_CASE;
  const store = aws
    ? 'aws (MODELREG_TABLE, MODELREG_BUCKET, MODELREG_TOPIC_ARN)'
    : (options.store ?? join(root, 'store'));
  if (!aws) {
    await mkdir(store, { recursive: true });
    if ((await readdir(store)).length > 0) {
      throw new ValidationError(
        `the demo needs a new or empty store, and ${store} is not empty; omit --store to use a temporary one.`,
      );
    }
  }
  const work = join(root, 'work');
  await mkdir(work, { recursive: true });
  where = aws ? '--backend aws' : `--store ${shellQuote(resolve(store))}`;
  const path = (...parts: string[]) => shellQuote(join(work, ...parts));

  const notifications: RegistryEvent[] = [];
  const onEvent = (e: RegistryEvent) => {
    notifications.push(e);
    if (e.toStage === 'production')
      say(`    ↳ notification: ${e.type} ${e.version} → production (written to notifications.jsonl)`);
  };
  const registry: Registry = aws
    ? await openRegistry({ backend: 'aws', actor: 'ana' })
    : await openRegistry({ backend: 'local', store, onEvent, actor: 'ana' });
  const at = `--use-case ${USE_CASE} --model ${MODEL}`;
  try {
    say('modelreg tour: a fraud model from first training run to production, rollback and audit.');
    say(`Store: ${store}`);
    say();

    // 1. Data
    const data = makeFraudDataset({ seed: SEED, rows: ROWS });
    const { train, eval: evalSet } = splitDataset(data, 0.3, SEED);
    const datasetVersion = `sha256:${datasetDigest(data).slice(0, 12)}`;
    await writeFile(join(work, 'train.csv'), datasetToCsv(train));
    await writeFile(join(work, 'eval.csv'), datasetToCsv(evalSet));
    const positiveRate = data.y.reduce((s, v) => s + v, 0) / data.y.length;
    say(
      `1. Data: ${ROWS} generated card transactions (seed ${SEED}), ${(positiveRate * 100).toFixed(1)}% fraud.`,
    );
    say(
      `   ${train.y.length} rows to train on, ${evalSet.y.length} held out as the evaluation set. Dataset version ${datasetVersion}.`,
    );
    say();

    // 2. Evaluation set and policy
    say('2. The standard evaluation set and the policy, both kept in the registry.');
    cmd(
      `evalsets register --use-case ${USE_CASE} --name holdout --file ${path('eval.csv')} --by platform-team`,
    );
    const holdout = await registry.registerEvalSet({
      useCase: USE_CASE,
      name: 'holdout',
      file: join(work, 'eval.csv'),
      description: `${evalSet.y.length} held-out transactions, seed ${SEED}`,
      registeredBy: 'platform-team',
    });
    say(
      `   ${holdout.id}: sha256 ${holdout.artifact.sha256.slice(0, 16)}…, every version is measured on these same rows.`,
    );
    const policy = {
      gates: {
        staging: { min_auc: 0.7 },
        production: { min_auc: 0.8, min_f1: 0.5, require_drift_check: true, min_delta_auc: 0.005 },
      },
      requireApproval: true,
      approvers: ['carol'],
      evaluation: { evalSet: 'holdout', evaluator: 'builtin:logistic-regression' },
    };
    await writeFile(join(work, 'policy.json'), `${JSON.stringify(policy, null, 2)}\n`);
    cmd(`models policy set ${at} --file ${path('policy.json')} --by platform-team`);
    await registry.setPolicy({ useCase: USE_CASE, modelName: MODEL, policy, setBy: 'platform-team' });
    say('   Production needs auc ≥ 0.80, f1 ≥ 0.50, a passed drift check, +0.005 AUC over the current');
    say("   production version on the same evaluation set, and carol's approval.");
    say();

    // 3. Train; the first two runs are registered and evaluated by hand
    say('3. Three training runs on the same training rows, with computed metrics and drift checks.');
    const codeVersion = `modelreg-demo@${createHash('sha256').update(trainLogisticRegression.toString()).digest('hex').slice(0, 10)}`;
    const runs: DemoSummary['runs'] = [];
    const trained: {
      runId: string;
      artifact: string;
      metrics: Record<string, number>;
      metadata: Record<string, unknown>;
      name: string;
    }[] = [];
    for (const [i, run] of DEMO_TRAINING_RUNS.entries()) {
      const started = performance.now();
      const model = trainLogisticRegression(train, run.options);
      const m = evaluateClassifier(model, evalSet);
      const drift = driftCheck(train, evalSet);
      const ms = performance.now() - started;
      const runId = `run-${i + 1}-${createHash('sha256').update(JSON.stringify(run.options)).digest('hex').slice(0, 8)}`;
      const dir = join(work, runId);
      await mkdir(dir, { recursive: true });
      const artifact = join(dir, 'model.json');
      await writeFile(artifact, `${JSON.stringify(model)}\n`);
      const metrics = {
        auc: round(m.auc),
        f1: round(m.f1),
        accuracy: round(m.accuracy),
        precision: round(m.precision),
        recall: round(m.recall),
        logloss: round(m.logloss),
      };
      const metadata = {
        framework: 'plain-typescript-logistic-regression',
        training: run.options,
        description: run.description,
        drift_check_passed: drift.passed,
        drift_max_psi: round(drift.maxPsi),
      };
      trained.push({ runId, artifact, metrics, metadata, name: run.name });
      runs.push({
        name: run.name,
        version: '',
        runId,
        metrics,
        drift: { passed: drift.passed, maxPsi: round(drift.maxPsi) },
      });
      say(
        `   ${run.name.padEnd(14)} trained in ${ms.toFixed(0).padStart(3)} ms  auc=${num(metrics.auc)} f1=${num(metrics.f1)} accuracy=${num(metrics.accuracy)}  drift PSI ${num(drift.maxPsi, 3)}`,
      );
    }
    const versions: ModelVersion[] = [];
    for (const [i, t] of trained.slice(0, 2).entries()) {
      await writeFile(join(work, t.runId, 'metrics.json'), `${JSON.stringify(t.metrics)}\n`);
      await writeFile(join(work, t.runId, 'metadata.json'), `${JSON.stringify(t.metadata)}\n`);
      cmd(
        `models register ${at} --artifact ${path(t.runId, 'model.json')} --metrics-file ${path(t.runId, 'metrics.json')} --metadata-file ${path(t.runId, 'metadata.json')} --run-id ${t.runId} --dataset-version ${datasetVersion} --code-version ${codeVersion} --tag run=${t.name} --registered-by ana`,
      );
      const v = await registry.register({
        useCase: USE_CASE,
        modelName: MODEL,
        artifactPath: t.artifact,
        metrics: t.metrics,
        metadata: t.metadata,
        lineage: { runId: t.runId, datasetVersion, codeVersion },
        tags: { run: t.name },
        registeredBy: 'ana',
      });
      const e = await registry.evaluate({
        useCase: USE_CASE,
        modelName: MODEL,
        version: v.version,
        evaluatedBy: 'ana',
      });
      versions.push(v);
      runs[i]!.version = v.version;
      say(`   ${t.name} registered as ${v.version}.`);
      cmd(`evalsets evaluate ${at} --version ${v.version} --by ana`);
      say(`   Evaluated on ${e.evalSetId} by ana: auc=${num(e.metrics.auc)}`);
    }
    say();

    // 4. The weak model is refused at the production gate
    const [v1, v2] = versions as [ModelVersion, ModelVersion];
    say(`4. The production gate refuses ${v1.version} (${runs[0]!.name}), after it clears the staging gate.`);
    cmd(`models promote ${at} --version ${v1.version} --to staging --promoted-by ben`);
    await registry.promote({
      useCase: USE_CASE,
      modelName: MODEL,
      version: v1.version,
      to: 'staging',
      promotedBy: 'ben',
    });
    cmd(`models promote ${at} --version ${v1.version} --to production --promoted-by ben`);
    const refused = await registry.promote({
      useCase: USE_CASE,
      modelName: MODEL,
      version: v1.version,
      to: 'production',
      promotedBy: 'ben',
    });
    if (refused.promoted) throw new Error(`the demo expected ${v1.version} to be refused`);
    say(`   ${v1.version} → staging.`);
    say(`   Refused (exit code 3); ${v1.version} stays in ${refused.stage}:`);
    say(indent(gatesTable(refused.gates ?? [])));
    say();

    // 5. A human approves the better model; the approval is audited
    const promoted: string[] = [];
    say(`5. ${v2.version} goes to staging; production waits for carol's approval.`);
    cmd(`models promote ${at} --version ${v2.version} --to staging --promoted-by ben`);
    await registry.promote({
      useCase: USE_CASE,
      modelName: MODEL,
      version: v2.version,
      to: 'staging',
      promotedBy: 'ben',
    });
    cmd(`approvals request ${at} --version ${v2.version} --by ben`);
    const request = await registry.requestApproval({
      useCase: USE_CASE,
      modelName: MODEL,
      version: v2.version,
      requestedBy: 'ben',
      taskToken: `cli-demo-${v2.version}`,
    });
    cmd(`approvals approve ${request.approvalId} --by carol`);
    await registry.decideApproval({ approvalId: request.approvalId, decision: 'approve', by: 'carol' });
    cmd(`models promote ${at} --version ${v2.version} --to production --promoted-by ben`);
    const r2 = await registry.promote({
      useCase: USE_CASE,
      modelName: MODEL,
      version: v2.version,
      to: 'production',
      promotedBy: 'ben',
    });
    if (!r2.promoted) throw new Error(`the demo expected ${v2.version} to pass its gates: ${r2.reason}`);
    promoted.push(v2.version);
    say(`   Approved by carol; ${v2.version} → production (nothing in production to beat yet).`);
    say();

    // 6. The third run arrives as a training-completed event and the workflow takes it from there
    const t3 = trained[2]!;
    const event = {
      useCase: USE_CASE,
      modelName: MODEL,
      artifactUri: t3.artifact,
      runId: t3.runId,
      datasetVersion,
      codeVersion,
      requestedBy: 'ana',
      metrics: t3.metrics,
      metadata: t3.metadata,
      tags: { run: t3.name },
    };
    await writeFile(join(work, 'training-completed.json'), `${JSON.stringify(event, null, 2)}\n`);
    say(
      `6. Run ${t3.name} finishes and emits a training-completed event; the promotion workflow does the rest`,
    );
    say('   (the same state machine that runs on AWS Step Functions, executed locally):');
    let v3Version: string;
    let confidence: number | null = null;
    if (aws) {
      // On AWS the state machine runs in Step Functions; the tour walks its steps through the API.
      const reg3 = await registry.registerFromEvent(event);
      await registry.evaluate({ useCase: USE_CASE, modelName: MODEL, version: reg3.version });
      await registry.promote({
        useCase: USE_CASE,
        modelName: MODEL,
        version: reg3.version,
        to: 'staging',
        promotedBy: 'ana',
      });
      const req3 = await registry.requestApproval({
        useCase: USE_CASE,
        modelName: MODEL,
        version: reg3.version,
        requestedBy: 'ana',
        taskToken: `cli-demo-${reg3.version}`,
      });
      await registry.decideApproval({ approvalId: req3.approvalId, decision: 'approve', by: 'carol' });
      const r3 = await registry.promote({
        useCase: USE_CASE,
        modelName: MODEL,
        version: reg3.version,
        to: 'production',
        promotedBy: 'ana',
      });
      if (!r3.promoted) throw new Error(`the demo expected ${reg3.version} to be promoted: ${r3.reason}`);
      v3Version = reg3.version;
    } else {
      cmd(`pipeline run --event ${path('training-completed.json')} --approve --by carol`);
      const { runPipeline } = await import('../cli/pipeline.js');
      const result = await runPipeline({
        registry,
        store,
        event,
        decide: { decision: 'approve', by: 'carol' },
        say: (line) => say(`     ${line}`),
        pollMs: 50,
      });
      const output = result.output as
        | { promoted?: boolean; version?: string; supersededVersion?: string | null }
        | undefined;
      if (result.status !== 'SUCCEEDED' || !output?.promoted || !output.version) {
        throw new Error(`the demo expected the workflow to promote the third run: ${JSON.stringify(result)}`);
      }
      v3Version = output.version;
      const trail = await registry.auditTrail({ useCase: USE_CASE, modelName: MODEL, limit: 1000 });
      const promotion = trail.items.find(
        (e) => e.action === 'promote' && e.version === v3Version && e.toStage === 'production',
      );
      confidence = typeof promotion?.details.confidence === 'number' ? promotion.details.confidence : null;
      say(
        `   ${v3Version} → production; ${output.supersededVersion} superseded in the same transaction (a rollback target; the archival policy archives it later).`,
      );
      if (confidence !== null) {
        say(
          `   Comparison confidence (paired bootstrap on holdout@1): ${(confidence * 100).toFixed(1)}% that ${v3Version} ranks better than ${output.supersededVersion}.`,
        );
      }
    }
    promoted.push(v3Version);
    runs[2]!.version = v3Version;
    const v3 = await registry.info({ useCase: USE_CASE, modelName: MODEL, version: v3Version });
    const again = await registry.promote({
      useCase: USE_CASE,
      modelName: MODEL,
      version: v3.version,
      to: 'production',
      promotedBy: 'ben',
    });
    say(
      `   Promoting ${v3.version} again changes nothing: alreadyPromoted=${again.alreadyPromoted === true}.`,
    );
    cmd(`models alias set ${at} --alias champion --version ${v3.version} --by ben`);
    await registry.setAlias({
      useCase: USE_CASE,
      modelName: MODEL,
      version: v3.version,
      name: 'champion',
      setBy: 'ben',
    });
    say();

    // 7. Compare
    const cmp = await registry.compare({ useCase: USE_CASE, modelName: MODEL, a: v2.version, b: v3.version });
    say(`7. What changed between ${cmp.a} and ${cmp.b}:`);
    cmd(`models compare ${at} --versions ${cmp.a} ${cmp.b}`);
    say(
      indent(
        table(
          ['Metric', `v${cmp.a}`, `v${cmp.b}`, 'Delta'],
          Object.entries(cmp.metrics).map(([k, d]) => [k, num(d.a), num(d.b), signed(d.delta)]),
        ),
      ),
    );
    say();

    // 8. Roll back
    say(`8. Suppose ${v3.version} misbehaves in production. One command puts the previous version back.`);
    say('   The policy wants an approval for production, which an emergency cannot wait for: the rollback');
    say('   bypasses it explicitly, with a reason the audit trail keeps, and takes @champion along.');
    cmd(`models rollback ${at} --skip-gates --move-alias --reason "false positives spiked" --by oncall`);
    const rb = await registry.rollback({
      useCase: USE_CASE,
      modelName: MODEL,
      reason: 'false positives spiked',
      rolledBackBy: 'oncall',
      skipGates: true,
      moveAliases: true,
    });
    if (!rb.rolledBack)
      throw new Error(`the demo expected the rollback to ${rb.version} to happen: ${rb.reason}`);
    say(`   ${rb.version} is back in production; ${rb.archivedVersion} archived.`);
    say(
      `   @champion moved to ${rb.version} with it (${(rb.movedAliases ?? []).map((a) => `@${a}`).join(', ') || 'no alias'} moved); consumers of ${MODEL}@champion follow it.`,
    );
    say();

    // 9. Fetch the production artifact, verify it and re-score it
    say('9. Consumers fetch the production model by stage; the bytes are checked against their sha256.');
    cmd(`models get ${at} --stage production --output ${path('fetched')}`);
    const got = await registry.getArtifact({
      useCase: USE_CASE,
      modelName: MODEL,
      stage: 'production',
      output: join(work, 'fetched'),
    });
    const reloaded = JSON.parse(await readFile(got.path, 'utf8')) as LogisticModel;
    const rescored = round(evaluateClassifier(reloaded, evalSet).auc);
    const registered =
      (await registry.info({ useCase: USE_CASE, modelName: MODEL, version: got.version })).metrics.auc ??
      Number.NaN;
    say(
      `   ${got.version} verified (sha256 ${got.sha256.slice(0, 16)}…); re-scored from the artifact: auc=${num(rescored)}, registered auc=${num(registered)}.`,
    );
    say();

    // 10. Sign the production model with a key of the tour's own, and verify it
    say('10. The production model is signed: an in-toto statement (digest, identity, version, lineage) in a');
    say(
      '    DSSE envelope, with an Ed25519 key the registry never holds; the use case trusts its public key.',
    );
    const { Ed25519KeyFileSigner } = await import('../adapters/local/ed25519-key-file.js');
    const keyFile = join(root, 'keys', 'tour-release.pem');
    cmd(`keys create --name tour-release --out ${shellQuote(keyFile)}`);
    const signer = await Ed25519KeyFileSigner.open(keyFile, { create: true });
    await writeFile(`${keyFile}.pub`, signer.publicKeyPem());
    cmd(`keys trust --use-case ${USE_CASE} --name tour-release --public-key ${shellQuote(`${keyFile}.pub`)}`);
    const key = await registry.trustKey({
      useCase: USE_CASE,
      name: 'tour-release',
      publicKeyPem: signer.publicKeyPem(),
      trustedBy: 'carol',
    });
    cmd(`models sign ${at} --version ${got.version} --key ${shellQuote(keyFile)}`);
    await registry.signVersion(
      { useCase: USE_CASE, modelName: MODEL, version: got.version, signedBy: 'carol' },
      signer,
    );
    cmd(`models verify ${at} --version ${got.version}`);
    const verified = await registry.verifyVersion({
      useCase: USE_CASE,
      modelName: MODEL,
      version: got.version,
    });
    say(`   ${got.version}: artifact re-hashed, statement matches, ${verified.signature.description}.`);
    say();

    // 11. The registry now
    const list = await registry.listVersions({ useCase: USE_CASE, modelName: MODEL });
    say('11. The registry now:');
    cmd(`models list ${at}`);
    say(indent(versionsTable(list.items)));
    say();

    // 12. Audit
    const trail = await registry.auditTrail({ useCase: USE_CASE, modelName: MODEL, limit: 1000 });
    const check = await registry.verifyAudit({ useCase: USE_CASE, modelName: MODEL });
    say('12. Every change is in a hash-chained audit trail: who, what, when.');
    cmd(`audit show ${at}`);
    say(indent(auditTable(trail.items)));
    cmd(`audit verify ${at}`);
    say(
      `   ${check.valid ? `verified: ${check.checked} events, chain intact` : `NOT intact at seq ${check.firstBadSeq}`}.`,
    );
    say();
    say(
      aws
        ? 'Explore it yourself (from the repository, with the same environment):'
        : 'Explore this store yourself (modelreg after npm link; npx modelreg inside the repository):',
    );
    say(`  $ modelreg models list --use-case ${USE_CASE} --model ${MODEL} ${where}`);
    say(`  $ modelreg lineage show --run-id ${runs[2]!.runId} ${where}`);

    const production = await registry.info({ useCase: USE_CASE, modelName: MODEL, stage: 'production' });
    const summary: DemoSummary = {
      store,
      useCase: USE_CASE,
      modelName: MODEL,
      dataset: {
        rows: ROWS,
        trainRows: train.y.length,
        evalRows: evalSet.y.length,
        positiveRate: round(positiveRate),
        version: datasetVersion,
      },
      runs,
      refused: {
        version: v1.version,
        failedGates: (refused.gates ?? []).filter((g) => !g.passed).map((g) => g.gate),
      },
      promotedToProduction: promoted,
      workflowConfidence: confidence,
      rollback: { from: v3.version, to: rb.version },
      finalProduction: production.version,
      artifactCheck: {
        version: got.version,
        sha256: got.sha256,
        rescoredAuc: rescored,
        registeredAuc: registered,
      },
      audit: { events: trail.items.length, valid: check.valid },
      notifications: notifications.length,
      signature: { version: got.version, keyId: key.keyId, status: verified.signature.status },
    };
    if (options.json) options.out(`${JSON.stringify(summary, null, 2)}\n`);
    return summary;
  } finally {
    await registry.close();
  }
}

/**
 * Writes the tour's inputs for people who want to drive the workflow themselves: the three
 * trained models, the evaluation set and one training-completed event per model (relative
 * paths, so run the commands from `dir`).
 */
export async function exportDemoFiles(dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const data = makeFraudDataset({ seed: SEED, rows: ROWS });
  const { train, eval: evalSet } = splitDataset(data, 0.3, SEED);
  const datasetVersion = `sha256:${datasetDigest(data).slice(0, 12)}`;
  const written: string[] = [];
  const put = async (name: string, text: string) => {
    await writeFile(join(dir, name), text);
    written.push(name);
  };
  await put('eval.csv', datasetToCsv(evalSet));
  for (const [i, run] of DEMO_TRAINING_RUNS.entries()) {
    const model = trainLogisticRegression(train, run.options);
    const drift = driftCheck(train, evalSet);
    await put(`model-${run.name}.json`, `${JSON.stringify(model)}\n`);
    const event = {
      useCase: LOCAL_USE_CASE,
      modelName: MODEL,
      artifactUri: `model-${run.name}.json`,
      runId: `run-${i + 1}-${run.name}`,
      datasetVersion,
      codeVersion: 'modelreg-demo',
      requestedBy: 'ana',
      metadata: { drift_check_passed: drift.passed, description: run.description },
      tags: { run: run.name },
    };
    await put(`event-${run.name}.json`, `${JSON.stringify(event, null, 2)}\n`);
  }
  return written;
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `   ${l}`)
    .join('\n');
}

/** A path as a shell word: quoted only when it needs to be. */
function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
}

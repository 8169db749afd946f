/**
 * The workflow commands of the built CLI, run as a user would in a temp directory:
 * evaluation sets, the promotion pipeline run locally (with and without a human approval,
 * the approval decided from a second terminal), approval requests and their gate, and
 * what `pipeline run` refuses. Each test uses its own store; the model files and the
 * evaluation set are the demo's, trained once for the file.
 */
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetToCsv } from '../../src/demo/ml.js';
import { demoFixtures, expectedMetrics, type RunName } from '../support/workflow-fixtures.js';
import {
  type CliResult,
  cliAt,
  describeRun,
  expectExit,
  type Json,
  makeTempDir,
  okJson,
  parseJson,
  removeTempDir,
  requireBuiltCli,
  runCli,
  startCli,
} from './run-cli.js';

const USE_CASE = 'fraud';
const MODEL_NAME = 'FraudRiskModel';
const MODEL = ['--use-case', USE_CASE, '--model', MODEL_NAME];
const EVALUATION = { evalSet: 'holdout', evaluator: 'builtin:logistic-regression' };
const PRODUCTION_GATES = { staging: {}, production: { min_auc: 0.8, min_delta_auc: 0 } };
/**
 * A backstop: an approval nobody decides expires after 3 minutes and the run then ends by
 * itself, so a failed test never leaves a pipeline waiting for a day.
 */
const APPROVAL_POLICY = {
  gates: PRODUCTION_GATES,
  evaluation: EVALUATION,
  requireApproval: true,
  approvers: ['carol'],
  approvalTimeoutHours: 0.05,
};

type Run = (...args: string[]) => Promise<CliResult>;

let root: string;
let stores = 0;

/** Writes a file under the test directory and returns its path. */
async function put(name: string, content: string): Promise<string> {
  const path = join(root, name);
  await writeFile(path, content);
  return path;
}

/** The path of a demo model's JSON file (written in beforeAll). */
const modelFile = (run: RunName) => join(root, 'models', run, 'model.json');

/** A training-completed event file: the project's sample event for one of the demo models. */
async function eventFile(run: RunName, overrides: Record<string, unknown> = {}): Promise<string> {
  const sample = JSON.parse(
    await readFile(new URL('../events/training-completed.json', import.meta.url), 'utf8'),
  ) as Record<string, unknown>;
  const event = {
    ...sample,
    artifactUri: modelFile(run),
    runId: `run-${run}`,
    requestedBy: 'ci-bot',
    ...overrides,
  };
  stores += 1;
  return put(`event-${stores}-${run}.json`, JSON.stringify(event, null, 2));
}

/** A fresh store with the holdout evaluation set registered and the given policy set. */
async function newStore(policy: Record<string, unknown>): Promise<{ mr: Run; store: string }> {
  stores += 1;
  const store = join(root, `store-${stores}`);
  const mr = cliAt(root, store);
  okJson(
    await mr(
      'evalsets',
      'register',
      '--use-case',
      USE_CASE,
      '--name',
      'holdout',
      '--file',
      'eval.csv',
      '--json',
    ),
  );
  const policyFile = await put(`policy-${stores}.json`, JSON.stringify(policy));
  okJson(await mr('models', 'policy', 'set', ...MODEL, '--file', policyFile, '--json'));
  return { mr, store };
}

/**
 * The run's answer from its `Workflow SUCCEEDED: {...}` line, after checking the exit code
 * (0 promoted, 3 refused by gates, 10 rejected) and the verdict line that closes the output.
 */
function workflowOutput(r: CliResult, code = 0): Json {
  expectExit(r, code);
  const lines = r.stdout.trimEnd().split('\n');
  const line = lines.at(-2) as string;
  expect(line, describeRun(r)).toMatch(/^Workflow SUCCEEDED: \{/);
  expect(lines.at(-1), describeRun(r)).toMatch(new RegExp(`\\(exit ${code}\\)$`));
  return JSON.parse(line.slice('Workflow SUCCEEDED: '.length));
}

/** The states the narration says were entered, in order. */
const statesEntered = (r: CliResult) =>
  r.stdout
    .split('\n')
    .filter((l) => l.startsWith('▶ '))
    .map((l) => l.slice(2));

const stagesOf = async (mr: Run): Promise<Record<string, string>> =>
  Object.fromEntries(
    okJson(await mr('models', 'list', ...MODEL, '--json')).items.map((v: Json) => [v.version, v.stage]),
  );

/** The types of what the store's outbox (notifications.jsonl) received: registry and workflow events. */
async function notificationTypes(store: string): Promise<string[]> {
  const path = join(store, 'notifications.jsonl');
  if (!existsSync(path)) return [];
  return (await readFile(path, 'utf8'))
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l).type as string);
}

const auditOf = async (mr: Run): Promise<Json[]> =>
  okJson(await mr('audit', 'show', ...MODEL, '--limit', '1000', '--json')).items;

beforeAll(async () => {
  requireBuiltCli();
  root = await makeTempDir('workflow');
  const { models, holdout } = demoFixtures();
  for (const run of Object.keys(models) as RunName[]) {
    await mkdir(join(root, 'models', run), { recursive: true });
    await writeFile(modelFile(run), JSON.stringify(models[run]));
  }
  await put('eval.csv', datasetToCsv(holdout));
});
afterAll(() => removeTempDir(root));

describe('evalsets', () => {
  it('numbers the versions of a set holdout@1, holdout@2 and answers the documented shape', async () => {
    // Prepare
    const mr = cliAt(root, join(root, 'store-evalsets-register'));
    const args = ['evalsets', 'register', '--use-case', USE_CASE, '--name', 'holdout', '--file', 'eval.csv'];

    // Act
    const first = okJson(
      await mr(...args, '--description', 'held-out rows', '--by', 'platform-team', '--json'),
    );
    const second = okJson(await mr(...args, '--json'));

    // Assess
    expect(Object.keys(first).sort()).toEqual([
      'artifact',
      'description',
      'id',
      'name',
      'registeredAt',
      'registeredBy',
      'useCase',
      'version',
    ]);
    expect(first).toMatchObject({
      useCase: USE_CASE,
      name: 'holdout',
      version: 1,
      id: 'holdout@1',
      description: 'held-out rows',
      registeredBy: 'platform-team',
      artifact: {
        uri: expect.stringMatching(/^store:.*eval\.csv$/),
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        sizeBytes: (await readFile(join(root, 'eval.csv'))).length,
      },
    });
    expect(Date.parse(first.registeredAt)).not.toBeNaN();
    expect(second).toMatchObject({ version: 2, id: 'holdout@2', description: null, registeredBy: 'tester' });
    expect(second.artifact.sha256).toBe(first.artifact.sha256);
    expect(second.artifact.uri).not.toBe(first.artifact.uri);
  });

  it('lists the versions of a set oldest first', async () => {
    // Prepare
    const mr = cliAt(root, join(root, 'store-evalsets-list'));
    const other = await put('holdout2.csv', datasetToCsv(demoFixtures().holdout2));
    const register = (file: string) =>
      mr('evalsets', 'register', '--use-case', USE_CASE, '--name', 'holdout', '--file', file, '--json');
    const one = okJson(await register('eval.csv'));
    const two = okJson(await register(other));

    // Act
    const listed = okJson(
      await mr('evalsets', 'list', '--use-case', USE_CASE, '--name', 'holdout', '--json'),
    );

    // Assess
    expect(listed.items).toEqual([one, two]);
    expect(two.artifact.sha256).not.toBe(one.artifact.sha256);
  });

  it('refuses a file that does not exist with exit 2 and registers nothing', async () => {
    // Prepare
    const mr = cliAt(root, join(root, 'store-evalsets-missing'));

    // Act
    const r = await mr(
      'evalsets',
      'register',
      '--use-case',
      USE_CASE,
      '--name',
      'holdout',
      '--file',
      'no-such.csv',
      '--json',
    );

    // Assess
    expectExit(r, 2);
    expect(parseJson(r).error).toMatchObject({ name: 'ValidationError' });
    expect(parseJson(r).error.message).toContain('no-such.csv');
    const listed = okJson(
      await mr('evalsets', 'list', '--use-case', USE_CASE, '--name', 'holdout', '--json'),
    );
    expect(listed.items).toEqual([]);
  });

  it('evaluates a version on the standard set once and keeps the result as its evidence', async () => {
    // Prepare
    const { mr } = await newStore({ gates: PRODUCTION_GATES, evaluation: EVALUATION });
    okJson(await mr('models', 'register', ...MODEL, '--artifact', modelFile('more-features'), '--json'));
    const evaluate = () =>
      mr('evalsets', 'evaluate', ...MODEL, '--version', '1.0.0', '--by', 'dana', '--json');

    // Act
    const first = okJson(await evaluate());
    const again = okJson(await evaluate());
    const evidence = okJson(await mr('evalsets', 'evidence', ...MODEL, '--version', '1.0.0', '--json'));

    // Assess
    const { models, holdout } = demoFixtures();
    expect(first).toEqual({
      evaluated: true,
      evalSetId: 'holdout@1',
      metrics: expectedMetrics(models['more-features'], holdout),
      evaluator: 'builtin:logistic-regression',
      reason: null,
    });
    expect(again).toEqual(first);
    expect(evidence.items).toEqual([
      expect.objectContaining({ evalSetId: 'holdout@1', evaluatedBy: 'dana', metrics: first.metrics }),
    ]);
    expect((await auditOf(mr)).filter((e) => e.action === 'evaluate')).toHaveLength(1);
  });
});

describe('models promote under a policy that names an evaluation set', () => {
  it('refuses production without evidence with the exact command to evaluate first, which then lets it pass', async () => {
    // Prepare
    const { mr } = await newStore({ gates: PRODUCTION_GATES, evaluation: EVALUATION });
    okJson(await mr('models', 'register', ...MODEL, '--artifact', modelFile('more-features'), '--json'));
    okJson(await mr('models', 'promote', ...MODEL, '--version', '1.0.0', '--to', 'staging', '--json'));

    // Act
    const refused = await mr(
      'models',
      'promote',
      ...MODEL,
      '--version',
      '1.0.0',
      '--to',
      'production',
      '--json',
    );
    const hint = (parseJson(refused).hints as string[]).find((h) => h.includes('evalsets evaluate')) ?? '';
    const command = /`modelreg ([^`]+)`/.exec(hint)?.[1];
    const evaluated = await mr(...(command ?? '').split(' '), '--json');
    const again = await mr(
      'models',
      'promote',
      ...MODEL,
      '--version',
      '1.0.0',
      '--to',
      'production',
      '--json',
    );

    // Assess
    expectExit(refused, 3);
    expect(command).toBe(`evalsets evaluate ${MODEL.join(' ')} --version 1.0.0`);
    expect(okJson(evaluated)).toMatchObject({ evaluated: true, evalSetId: 'holdout@1' });
    expect(okJson(again)).toMatchObject({ promoted: true, stage: 'production' });
  });
});

describe('pipeline run without approval', () => {
  const POLICY = { gates: PRODUCTION_GATES, evaluation: EVALUATION };

  it('refuses the weak baseline on its evaluated auc, whatever auc the event reports', async () => {
    // Prepare
    const { mr } = await newStore(POLICY);
    const event = await eventFile('baseline'); // the sample event reports auc 0.91

    // Act
    const r = await mr('pipeline', 'run', '--event', event);

    // Assess: a refusal by the gates exits 3, as models promote does
    const out = workflowOutput(r, 3);
    const measured = expectedMetrics(demoFixtures().models.baseline, demoFixtures().holdout).auc;
    expect(measured).toBeLessThan(0.8);
    expect(out).toMatchObject({ promoted: false, version: '1.0.0', archivedVersion: null });
    expect(out.reason).toContain(`min_auc: ${measured} < 0.8`);
    expect(statesEntered(r)).toEqual(
      expect.arrayContaining(['Register', 'Evaluate', 'Compare', 'GatesFailed', 'NotifyRefused', 'Refused']),
    );
    expect(statesEntered(r)).not.toContain('PromoteToStaging');
    expect(await stagesOf(mr)).toEqual({ '1.0.0': 'development' });
  });

  it('takes a good model to production, reading a relative artifactUri from the event file directory', async () => {
    // Prepare
    const { mr } = await newStore(POLICY);
    const event = await eventFile('more-features', { artifactUri: 'models/more-features/model.json' });

    // Act
    const r = await mr('pipeline', 'run', '--event', event);

    // Assess
    expect(workflowOutput(r)).toEqual({
      promoted: true,
      version: '1.0.0',
      archivedVersion: null,
      supersededVersion: null,
    });
    expect(statesEntered(r)).toEqual(
      expect.arrayContaining(['PromoteToStaging', 'PromoteToProduction', 'NotifyPromoted', 'Succeeded']),
    );
    expect(statesEntered(r)).not.toContain('RequestApproval');
    const production = okJson(await mr('models', 'list', ...MODEL, '--stage', 'production', '--json'));
    expect(production.items).toEqual([
      expect.objectContaining({ version: '1.0.0', stage: 'production', registeredBy: 'ci-bot' }),
    ]);
    expect(production.items[0].lineage).toMatchObject({
      runId: 'run-more-features',
      codeVersion: 'git:3f9c2ab',
    });
    // the evaluation is the event's requester's, not the OS user running the CLI
    const evaluations = (await auditOf(mr)).filter((e) => e.action === 'evaluate');
    expect(evaluations.map((e) => e.actor)).toEqual(['ci-bot']);
  });

  it('with --json prints only {status, output} and supersedes the production version a better model replaces', async () => {
    // Prepare
    const { mr } = await newStore(POLICY);
    workflowOutput(await mr('pipeline', 'run', '--event', await eventFile('more-features')));

    // Act
    const r = await mr('pipeline', 'run', '--event', await eventFile('all-features'), '--json');

    // Assess
    const doc = okJson(r);
    expect(doc).toMatchObject({
      status: 'SUCCEEDED',
      output: { promoted: true, version: '1.0.1', supersededVersion: '1.0.0' },
    });
    expect(Object.keys(doc).sort()).toEqual(['executionId', 'output', 'status']);
    expect(r.stdout).not.toContain('▶');
    expect(r.stderr).toBe('');
    expect(await stagesOf(mr)).toEqual({ '1.0.1': 'production', '1.0.0': 'superseded' });
  });

  it('answers the same event twice with the same version in production and writes no new audit event', async () => {
    // Prepare
    const { mr } = await newStore(POLICY);
    const event = await eventFile('all-features');
    const first = okJson(await mr('pipeline', 'run', '--event', event, '--json'));
    const auditBefore = await auditOf(mr);

    // Act
    const second = await mr('pipeline', 'run', '--event', event, '--json');

    // Assess
    expect(first.output).toEqual({
      promoted: true,
      version: '1.0.0',
      archivedVersion: null,
      supersededVersion: null,
    });
    expect(okJson(second)).toMatchObject({
      status: 'SUCCEEDED',
      output: { promoted: true, version: '1.0.0', archivedVersion: null },
    });
    expect(await auditOf(mr)).toEqual(auditBefore);
    expect(await stagesOf(mr)).toEqual({ '1.0.0': 'production' });
    const lineage = okJson(await mr('lineage', 'show', '--run-id', 'run-all-features', '--json'));
    expect(lineage.items).toHaveLength(1);
  });

  it('answers the same event twice the same way when the policy asks for approval', async () => {
    // Prepare
    const { mr } = await newStore(APPROVAL_POLICY);
    const event = await eventFile('all-features');
    const first = okJson(
      await mr('pipeline', 'run', '--event', event, '--approve', '--by', 'carol', '--json'),
    );
    const auditBefore = await auditOf(mr);

    // Act
    const second = await mr('pipeline', 'run', '--event', event, '--json');

    // Assess
    expect(first.output).toEqual({
      promoted: true,
      version: '1.0.0',
      archivedVersion: null,
      supersededVersion: null,
    });
    expect(okJson(second).output).toEqual(first.output);
    expect(await auditOf(mr)).toEqual(auditBefore);
    expect(okJson(await mr('approvals', 'list', '--json')).items).toEqual([]);
  });
});

describe('pipeline run with approval', () => {
  it('waits for an approver deciding from a second terminal, refusing the requester and non-approvers', async () => {
    // Prepare
    const { mr, store } = await newStore(APPROVAL_POLICY);
    const event = await eventFile('all-features');
    const pipeline = startCli(['pipeline', 'run', '--event', event, '--store', store], { cwd: root });
    let pending: Json[] = [];
    let finished = false;
    void pipeline.then(() => {
      finished = true;
    });
    for (const deadline = Date.now() + 20_000; Date.now() < deadline && !finished; ) {
      pending = okJson(await mr('approvals', 'list', '--json')).items;
      if (pending.length > 0) break;
      await new Promise((done) => setTimeout(done, 250));
    }
    try {
      expect(pending, finished ? describeRun(await pipeline) : 'no request after 20 s').toHaveLength(1);
      const id = pending[0].approvalId as string;
      expect(pending[0]).toMatchObject({ version: '1.0.0', status: 'pending', requestedBy: 'ci-bot' });

      // Act
      const byRequester = await mr('approvals', 'approve', id, '--by', 'ci-bot', '--json');
      const byOutsider = await mr('approvals', 'approve', id, '--by', 'mallory', '--json');
      const byApprover = await mr('approvals', 'approve', id, '--by', 'carol', '--json');
      const run = await pipeline;

      // Assess
      expectExit(byRequester, 5);
      expect(parseJson(byRequester).error).toMatchObject({ name: 'ConflictError' });
      expect(parseJson(byRequester).error.message).toContain('ci-bot requested');
      expectExit(byOutsider, 5);
      expect(parseJson(byOutsider).error).toMatchObject({ name: 'ConflictError' });
      expect(parseJson(byOutsider).error.message).toContain('mallory is not an approver');
      expect(okJson(byApprover)).toMatchObject({ approvalId: id, status: 'approved', decidedBy: 'carol' });
      expect(workflowOutput(run)).toEqual({
        promoted: true,
        version: '1.0.0',
        archivedVersion: null,
        supersededVersion: null,
      });
      expect(run.stdout).toContain(`⏸ waiting for approval ${id}`);
      expect(run.stdout).toContain('✓ approved by carol');
      const audit = await auditOf(mr);
      expect(audit.map((e) => [e.action, e.actor])).toEqual(
        expect.arrayContaining([
          ['approval.request', 'ci-bot'],
          ['approval.approve', 'carol'],
        ]),
      );
      expect(audit.at(-1)).toMatchObject({ action: 'promote', version: '1.0.0', toStage: 'production' });
      expect(okJson(await mr('audit', 'verify', ...MODEL, '--json'))).toMatchObject({ valid: true });
    } finally {
      // a failed assertion must not leave the run waiting: reject what is still pending
      for (const a of okJson(await mr('approvals', 'list', '--json')).items)
        await mr('approvals', 'reject', a.approvalId, '--by', 'carol');
      await pipeline;
    }
  });

  it('ends with promoted: false when --reject decides, leaving the version in staging', async () => {
    // Prepare
    const { mr } = await newStore(APPROVAL_POLICY);
    const event = await eventFile('all-features');

    // Act
    const r = await mr('pipeline', 'run', '--event', event, '--reject', '--by', 'carol');

    // Assess: a rejection exits with its own code, 10
    expect(workflowOutput(r, 10)).toEqual({
      promoted: false,
      version: '1.0.0',
      archivedVersion: null,
      reason: 'approval rejected by carol',
    });
    expect(statesEntered(r)).toEqual(
      expect.arrayContaining(['RequestApproval', 'NotifyRejected', 'Rejected']),
    );
    expect(statesEntered(r)).not.toContain('PromoteToProduction');
    expect(await stagesOf(mr)).toEqual({ '1.0.0': 'staging' });
    const rejected = okJson(await mr('approvals', 'list', '--status', 'rejected', '--json')).items;
    expect(rejected).toEqual([expect.objectContaining({ version: '1.0.0', decidedBy: 'carol' })]);
  });
});

describe('approvals request', () => {
  const POLICY = { requireApproval: true, approvers: ['carol'] };

  it('refuses a development version with exit 2', async () => {
    // Prepare
    const { mr } = await newStore(POLICY);
    okJson(await mr('models', 'register', ...MODEL, '--artifact', modelFile('all-features'), '--json'));

    // Act
    const r = await mr('approvals', 'request', ...MODEL, '--version', '1.0.0', '--by', 'dave', '--json');

    // Assess
    expectExit(r, 2);
    expect(parseJson(r).error).toMatchObject({ name: 'ValidationError' });
    expect(parseJson(r).error.message).toContain('is development');
    expect(okJson(await mr('approvals', 'list', '--json')).items).toEqual([]);
  });

  it('lists the request of a staging version, and production stays shut with exit 3 while it is pending', async () => {
    // Prepare
    const { mr } = await newStore(POLICY);
    okJson(await mr('models', 'register', ...MODEL, '--artifact', modelFile('all-features'), '--json'));
    okJson(await mr('models', 'promote', ...MODEL, '--version', '1.0.0', '--to', 'staging', '--json'));

    // Act
    const request = okJson(
      await mr('approvals', 'request', ...MODEL, '--version', '1.0.0', '--by', 'dave', '--json'),
    );
    const pending = okJson(await mr('approvals', 'list', '--json')).items;
    const promote = await mr(
      'models',
      'promote',
      ...MODEL,
      '--version',
      '1.0.0',
      '--to',
      'production',
      '--json',
    );

    // Assess
    expect(request).toMatchObject({ version: '1.0.0', status: 'pending', requestedBy: 'dave' });
    expect(pending.map((a: Json) => a.approvalId)).toEqual([request.approvalId]);
    expectExit(promote, 3);
    const refusal = parseJson(promote);
    expect(refusal).toMatchObject({ promoted: false, stage: 'staging', error: { name: 'GateFailedError' } });
    expect(refusal.gates).toEqual([
      expect.objectContaining({
        gate: 'require_approval',
        passed: false,
        note: `approval ${request.approvalId} is still pending`,
      }),
    ]);
    expect(await stagesOf(mr)).toEqual({ '1.0.0': 'staging' });
  });
});

describe('what pipeline run refuses', () => {
  it('refuses the aws backend with exit 2 naming the local-only rule, before any AWS setting is read', async () => {
    // Prepare
    const env = { MODELREG_TABLE: undefined, MODELREG_BUCKET: undefined, MODELREG_TOPIC_ARN: undefined };
    const event = await eventFile('all-features');
    const store = join(root, 'store-aws-flag');

    // Act
    const byFlag = await runCli(
      ['pipeline', 'run', '--event', event, '--backend', 'aws', '--store', store, '--json'],
      {
        cwd: root,
        env,
      },
    );
    const byEnv = await runCli(['pipeline', 'run', '--event', event], {
      cwd: root,
      env: { ...env, MODELREG_BACKEND: 'aws' },
    });

    // Assess
    expectExit(byFlag, 2);
    expect(parseJson(byFlag).error).toMatchObject({ name: 'ValidationError' });
    expect(parseJson(byFlag).error.message).toContain('executes the workflow locally');
    expect(parseJson(byFlag).error.message).not.toContain('MODELREG_TABLE');
    expectExit(byEnv, 2);
    expect(byEnv.stderr).toContain('start the promotion state machine');
  });

  it('sends no request to AWS when AWS is configured', async () => {
    // Prepare: an "AWS endpoint" that counts connections
    const connections: Socket[] = [];
    const server = createServer((socket) => {
      connections.push(socket);
      socket.destroy();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    const env = {
      MODELREG_BACKEND: 'aws',
      MODELREG_TABLE: 'modelreg',
      MODELREG_BUCKET: 'modelreg-artifacts',
      MODELREG_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:modelreg-events',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
      AWS_MAX_ATTEMPTS: '1',
    };
    const event = await eventFile('all-features');
    try {
      // Act
      const pipeline = await runCli(['pipeline', 'run', '--event', event, '--json'], { cwd: root, env });
      const seenByPipeline = connections.length;
      const control = await runCli(['models', 'list', '--use-case', USE_CASE, '--json'], { cwd: root, env });

      // Assess
      expectExit(pipeline, 2);
      expect(parseJson(pipeline).error.message).toContain('executes the workflow locally');
      expect(seenByPipeline).toBe(0);
      expect(control.code, describeRun(control)).not.toBe(0);
      expect(connections.length, 'the control command reaches the fake endpoint').toBeGreaterThan(0);
    } finally {
      server.close();
    }
  });

  it('fails the workflow with exit 1 and PromotionWorkflowFailed naming artifactUri for an invalid event', async () => {
    // Prepare
    const { mr, store } = await newStore({ gates: PRODUCTION_GATES, evaluation: EVALUATION });
    const invalid = fileURLToPath(new URL('../events/training-completed-invalid.json', import.meta.url));

    // Act
    const r = await mr('pipeline', 'run', '--event', invalid, '--json');

    // Assess
    expectExit(r, 7);
    const doc = parseJson(r);
    expect(doc).toMatchObject({ status: 'FAILED', error: 'PromotionWorkflowFailed' });
    expect(JSON.parse(doc.cause)).toMatchObject({
      errorType: 'ValidationError',
      errorMessage: expect.stringContaining('artifactUri'),
    });
    const workflowNotifications = (await notificationTypes(store)).filter((t) => t.startsWith('workflow.'));
    expect(workflowNotifications).toEqual(['workflow.promotion.failed']);
    expect(okJson(await mr('models', 'list', '--use-case', USE_CASE, '--json')).items).toEqual([]);
  });

  it('refuses an event file that is not JSON with exit 2 before running anything', async () => {
    // Prepare
    const { mr, store } = await newStore({ gates: PRODUCTION_GATES, evaluation: EVALUATION });
    const notJson = await put('not-json.json', 'useCase: fraud\n');
    const before = await notificationTypes(store);

    // Act
    const r = await mr('pipeline', 'run', '--event', notJson, '--json');

    // Assess
    expectExit(r, 2);
    expect(parseJson(r).error).toMatchObject({ name: 'ValidationError' });
    expect(parseJson(r).error.message).toContain('not valid JSON');
    expect(await notificationTypes(store)).toEqual(before);
    expect(okJson(await mr('models', 'list', '--use-case', USE_CASE, '--json')).items).toEqual([]);
  });
});

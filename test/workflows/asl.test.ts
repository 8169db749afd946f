import { describe, expect, it } from 'vitest';
import {
  loadDefinition,
  PLACEHOLDERS,
  placeholdersOf,
  substitute,
  validateDefinition,
  WORKFLOWS,
  type WorkflowName,
} from '../../src/workflows/asl.js';
import { LOCAL_PLACEHOLDER_VALUES, localDefinition } from '../../src/workflows/local-runner.js';

type State = Record<string, unknown>;

const TRANSIENT_RETRY = {
  ErrorEquals: [
    'ConcurrentModificationError',
    'Lambda.ServiceException',
    'Lambda.AWSLambdaException',
    'Lambda.SdkClientException',
    'Lambda.TooManyRequestsException',
  ],
  IntervalSeconds: 1,
  MaxAttempts: 3,
  BackoffRate: 2,
  JitterStrategy: 'FULL',
};

const EXPECTED_PLACEHOLDERS: Record<WorkflowName, string[]> = {
  promotion: [
    'ApprovalDecisionFunctionArn',
    'CompareFunctionArn',
    'EvaluateFunctionArn',
    'NotificationTopicArn',
    'PromoteFunctionArn',
    'RegisterFunctionArn',
    'RequestApprovalFunctionArn',
  ],
  rollback: ['NotificationTopicArn', 'RollbackFunctionArn'],
  archive: ['ArchiveFunctionArn', 'NotificationTopicArn'],
};

const PROMOTION_STATES = [
  'Register',
  'Evaluate',
  'Compare',
  'GatesPassed?',
  'GatesFailed',
  'PromoteToStaging',
  'ApprovalRequired?',
  'RequestApproval',
  'ExpireApproval',
  'PromoteToProduction',
  'Promoted?',
  'NotifyPromoted',
  'NotifyRefused',
  'NotifyRejected',
  'NotifyExpired',
  'NotifyFailure',
  'Succeeded',
  'Refused',
  'Rejected',
  'Expired',
  'Done',
  'Failed',
];

async function states(name: WorkflowName): Promise<Record<string, State>> {
  return JSON.parse(await loadDefinition(name)).States as Record<string, State>;
}

const isLambdaTask = (s: State) =>
  s.Type === 'Task' && String(s.Resource).startsWith('arn:aws:states:::lambda:invoke');

describe('workflow definitions', () => {
  it.each(WORKFLOWS)('%s passes asl-validator once its placeholders are substituted', async (name) => {
    // Prepare
    const definition = await localDefinition(name);

    // Act
    const problems = validateDefinition(definition);

    // Assess
    expect(problems).toEqual([]);
  });

  it.each(WORKFLOWS)('%s uses exactly its known placeholders', async (name) => {
    // Prepare
    const text = await loadDefinition(name);

    // Act
    const used = placeholdersOf(text);

    // Assess
    expect(used).toEqual(EXPECTED_PLACEHOLDERS[name]);
    for (const p of used) expect(PLACEHOLDERS).toContain(p);
  });

  it.each(WORKFLOWS)('%s is JSONPath only: no JSONata, no Assign', async (name) => {
    // Prepare
    const text = await loadDefinition(name);

    // Act
    const definition = JSON.parse(text) as State;

    // Assess
    expect(definition.QueryLanguage ?? 'JSONPath').toBe('JSONPath');
    expect(text).not.toMatch(/"QueryLanguage"\s*:\s*"JSONata"|"Assign"|\{%/);
  });

  it('names the promotion states as infra and tests expect, in order', async () => {
    // Act
    const names = Object.keys(await states('promotion'));

    // Assess
    expect(names).toEqual(PROMOTION_STATES);
  });

  it.each(WORKFLOWS)(
    '%s retries every Lambda task on transient errors only and catches the rest',
    async (name) => {
      // Prepare
      const lambdaTasks = Object.entries(await states(name)).filter(([, s]) => isLambdaTask(s));

      // Act
      const shapes = lambdaTasks.map(([n, s]) => ({
        n,
        retry: s.Retry,
        lastCatch: (s.Catch as State[] | undefined)?.at(-1),
        selector: s.ResultSelector,
        timeout: s.TimeoutSeconds,
      }));

      // Assess
      expect(shapes.length).toBeGreaterThan(0);
      for (const shape of shapes) {
        expect(shape, shape.n).toMatchObject({
          retry: [TRANSIENT_RETRY],
          lastCatch: { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'NotifyFailure' },
        });
        if (shape.n === 'RequestApproval') continue;
        // Lambda's own limit: the interpreter's 60 s default would cut long local steps short.
        expect(shape, shape.n).toMatchObject({ selector: { 'Payload.$': '$.Payload' }, timeout: 900 });
      }
    },
  );

  it('catches a rejection and a timeout of the approval before the catch-all', async () => {
    // Act
    const request = (await states('promotion')).RequestApproval as State;

    // Assess
    expect(request.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
    expect(request.TimeoutSecondsPath).toBe('$.comparison.Payload.approvalTimeoutSeconds');
    expect((request.Catch as State[]).map((c) => [c.ErrorEquals, c.Next])).toEqual([
      [['ApprovalRejected'], 'NotifyRejected'],
      [['States.Timeout'], 'ExpireApproval'],
      [['States.ALL'], 'NotifyFailure'],
    ]);
  });

  it.each(WORKFLOWS)(
    '%s publishes every notification with an event type and leaves the state unchanged',
    async (name) => {
      // Prepare
      const publishers = Object.entries(await states(name)).filter(
        ([, s]) => s.Resource === 'arn:aws:states:::sns:publish',
      );

      // Act
      const parameters = publishers.map(([n, s]) => ({
        n,
        resultPath: s.ResultPath,
        p: s.Parameters as State,
      }));

      // Assess
      expect(parameters.length).toBeGreaterThanOrEqual(2);
      for (const { n, resultPath, p } of parameters) {
        expect(resultPath, n).toBeNull();
        expect(p.TopicArn, n).toBe(`\${NotificationTopicArn}`);
        expect(String(p.Subject), n).toMatch(/^\[modelreg\] \w+ workflow: /);
        expect(p.MessageAttributes, n).toMatchObject({
          eventType: {
            DataType: 'String',
            StringValue: expect.stringMatching(new RegExp(`^workflow\\.${name}\\.`)),
          },
          useCase: { DataType: 'String', 'StringValue.$': '$.useCase' },
          modelName: { DataType: 'String', 'StringValue.$': '$.modelName' },
        });
      }
    },
  );

  it('refuses to load a workflow that does not exist', async () => {
    // Act
    const loading = loadDefinition('deploy' as WorkflowName);

    // Assess
    await expect(loading).rejects.toThrow(/unknown workflow 'deploy'/);
  });
});

describe('placeholdersOf', () => {
  it('lists each placeholder once, sorted, and ignores JSONPath and intrinsic braces', () => {
    // Prepare
    const text = `{"a": "\${B}", "b": "\${A}", "c": "\${B}", "d.$": "$$.Task.Token", "e.$": "States.Format('{}', $.x)"}`;

    // Act
    const names = placeholdersOf(text);

    // Assess
    expect(names).toEqual(['A', 'B']);
  });
});

describe('substitute', () => {
  it('replaces every occurrence of every placeholder', () => {
    // Prepare
    const text = `["\${A}", "\${B}", "\${A}"]`;

    // Act
    const out = substitute(text, { A: 'arn:a', B: 'arn:b' });

    // Assess
    expect(JSON.parse(out)).toEqual(['arn:a', 'arn:b', 'arn:a']);
  });

  it('refuses a placeholder without a value and names it', () => {
    // Act
    const run = () => substitute(`["\${A}", "\${B}"]`, { A: 'arn:a' });

    // Assess
    expect(run).toThrow(/no value for placeholder\(s\) \$\{B\}/);
  });

  it('refuses a value the definition does not use and names it', () => {
    // Act
    const run = () => substitute(`["\${A}"]`, { A: 'arn:a', Typo: 'arn:t' });

    // Assess
    expect(run).toThrow(/value\(s\) for Typo not used/);
  });

  it('gives the local runner a well-formed ARN for every known placeholder', () => {
    // Act
    const values = PLACEHOLDERS.map((p) => LOCAL_PLACEHOLDER_VALUES[p]);

    // Assess
    for (const v of values)
      expect(v).toMatch(/^arn:aws:(lambda|sns):us-east-1:000000000000:(function:)?modelreg-[a-z-]+$/);
    expect(new Set(values).size).toBe(PLACEHOLDERS.length);
  });
});

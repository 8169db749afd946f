import { readdirSync } from 'node:fs';
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HANDLERS } from '../../infra/handlers.js';
import { ArchivalPolicyInputSchema } from '../../src/app/steps.js';
import {
  type CfnTemplate,
  logicalIdOf,
  resourcesOf,
  type SynthesizedApp,
  synthesizeApp,
  TEST_CONTEXT,
} from './synth-app.js';

type Props = Record<string, unknown>;

describe('ModelregStatelessStack', () => {
  let synth: SynthesizedApp;
  let json: CfnTemplate;
  let fnId: (dir: string) => string;
  let props: (logicalId: string) => Props;

  afterAll(() => synth?.dispose());

  beforeAll(() => {
    synth = synthesizeApp();
    json = synth.statelessJson;
    const fns = synth.stacks.stateless.functions as Record<
      string,
      { function: Parameters<typeof logicalIdOf>[0] }
    >;
    fnId = (dir) => logicalIdOf(fns[dir]!.function);
    props = (id) => json.Resources[id]?.Properties ?? {};
  });

  it('deploys every handler under lambdas/ and nothing else', () => {
    // Prepare
    const dirs = readdirSync(new URL('../../lambdas/', import.meta.url), { withFileTypes: true })
      .filter((d) => d.isDirectory() && d.name !== 'shared')
      .map((d) => d.name)
      .sort();

    // Assess
    expect(HANDLERS.map((h) => h.dir).sort()).toEqual(dirs);
    synth.stateless.resourceCountIs('AWS::Lambda::Function', dirs.length);
  });

  it('has three state machines, two rules, two schedules (archival, webhooks), one pipe and an alarm per function, machine and DLQ', () => {
    // Assess
    synth.stateless.resourceCountIs('AWS::StepFunctions::StateMachine', 3);
    synth.stateless.resourceCountIs('AWS::Events::Rule', 2);
    synth.stateless.resourceCountIs('AWS::Scheduler::Schedule', 2);
    synth.stateless.resourceCountIs('AWS::Pipes::Pipe', 1);
    synth.stateless.resourceCountIs('AWS::CloudWatch::Alarm', HANDLERS.length + 3 + 1);
  });

  describe('functions', () => {
    it('run on nodejs22.x, arm64, traced, each logging to its own log group with a retention', () => {
      // Assess
      for (const { dir } of HANDLERS) {
        const fn = props(fnId(dir));
        expect(fn.Runtime, dir).toBe('nodejs22.x');
        expect(fn.Architectures, dir).toEqual(['arm64']);
        expect(fn.TracingConfig, dir).toEqual({ Mode: 'Active' });
        expect(fn.Handler, dir).toBe('index.handler');
        const logGroup = (fn.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
        expect(props(logGroup).RetentionInDays, dir).toBe(90);
      }
    });

    it('stage artifacts in a 4 GiB /tmp where they download them (register, evaluate), 2 GiB for uploads (http)', () => {
      // Assess
      for (const { dir } of HANDLERS) {
        const size = (props(fnId(dir)).EphemeralStorage as { Size: number } | undefined)?.Size;
        expect(size, dir).toBe(dir === 'register' || dir === 'evaluate' ? 4096 : dir === 'http' ? 2048 : 512);
      }
    });

    it('keep every log of the stack for 90 days, and drop it with the stack', () => {
      // Assess
      const groups = resourcesOf(json, 'AWS::Logs::LogGroup');
      expect(groups).toHaveLength(HANDLERS.length + 3 + 1);
      for (const [id, group] of groups) {
        expect(group.Properties.RetentionInDays, id).toBe(90);
        expect(json.Resources[id]?.DeletionPolicy, id).toBe('Delete');
      }
    });

    it('get the settings their code reads, and only those', () => {
      // Prepare
      const registry = [
        'MODELREG_BACKEND',
        'MODELREG_BUCKET',
        'MODELREG_ENVIRONMENT',
        'MODELREG_KMS_KEY_ID',
        'MODELREG_TABLE',
        'MODELREG_TOPIC_ARN',
      ];
      const expected: Record<string, string[]> = {
        register: [...registry, 'MODELREG_SIGNING_KEY_ID'],
        evaluate: registry,
        compare: registry,
        promote: registry,
        rollback: registry,
        archive: registry,
        'archival-policy': registry,
        'monitor-report': registry,
        webhooks: registry,
        'request-approval': [...registry, 'MODELREG_APPROVAL_API_URL', 'MODELREG_APPROVAL_SECRET_ARN'],
        'approval-decision': [...registry, 'MODELREG_APPROVAL_SECRET_ARN'],
        http: [...registry, 'MODELREG_APPROVAL_SECRET_ARN'],
        'notify-slack': [
          'MODELREG_APPROVAL_API_URL',
          'MODELREG_APPROVAL_SECRET_ARN',
          'MODELREG_ENVIRONMENT',
          'MODELREG_SLACK_WEBHOOK_SECRET_ARN',
        ],
      };

      // Assess
      for (const { dir } of HANDLERS) {
        const vars = (props(fnId(dir)).Environment as { Variables: Record<string, unknown> }).Variables;
        expect(
          Object.keys(vars)
            .filter((k) => k.startsWith('MODELREG_'))
            .sort(),
          dir,
        ).toEqual([...(expected[dir] ?? [])].sort());
        expect(vars.MODELREG_ENVIRONMENT).toBe('test');
        if ('MODELREG_BACKEND' in vars) expect(vars.MODELREG_BACKEND).toBe('aws');
      }
    });

    it('point approval links at the approval API', () => {
      // Prepare
      const apiId = logicalIdOf(synth.stacks.stateless.approvalApi);

      // Assess
      const vars = (props(fnId('request-approval')).Environment as { Variables: Record<string, unknown> })
        .Variables;
      expect(JSON.stringify(vars.MODELREG_APPROVAL_API_URL)).toContain(apiId);
    });
  });

  describe('state machines', () => {
    it('log everything with execution data and are traced', () => {
      // Assess
      for (const [, machine] of resourcesOf(json, 'AWS::StepFunctions::StateMachine')) {
        expect(machine.Properties.LoggingConfiguration).toEqual({
          Level: 'ALL',
          IncludeExecutionData: true,
          Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: expect.anything() } }],
        });
        expect(machine.Properties.TracingConfiguration).toEqual({ Enabled: true });
      }
    });

    it('are named after the environment', () => {
      // Assess
      const names = resourcesOf(json, 'AWS::StepFunctions::StateMachine').map(
        ([, m]) => m.Properties.StateMachineName,
      );
      expect(names.sort()).toEqual([
        'modelreg-test-archive',
        'modelreg-test-promotion',
        'modelreg-test-rollback',
      ]);
    });
  });

  describe('the app behind the HTTP API', () => {
    const routes = () =>
      resourcesOf(json, 'AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties as Record<string, unknown>);

    it('sends every route to the http function, and no route to approval-decision (GET never decides)', () => {
      // Prepare
      const integrations = resourcesOf(json, 'AWS::ApiGatewayV2::Integration');

      // Assess
      expect(integrations).toHaveLength(1);
      expect(integrations[0]?.[1].Properties).toMatchObject({
        IntegrationType: 'AWS_PROXY',
        PayloadFormatVersion: '2.0',
        IntegrationUri: { 'Fn::GetAtt': [fnId('http'), 'Arn'] },
      });
      expect(routes().map((r) => r.RouteKey)).not.toContain('GET /approvals/{approvalId}/{decision}');
    });

    it("asks for a JWT of the stack's user pool on every route but the login page, assets and API description", () => {
      // Prepare
      const pool = resourcesOf(json, 'AWS::Cognito::UserPool');
      const authorizers = resourcesOf(json, 'AWS::ApiGatewayV2::Authorizer');

      // Assess
      expect(pool).toHaveLength(1);
      expect(authorizers).toHaveLength(1);
      expect(authorizers[0]?.[1].Properties).toMatchObject({
        AuthorizerType: 'JWT',
        IdentitySource: ['$request.header.Authorization'],
        JwtConfiguration: {
          Audience: [{ Ref: expect.stringMatching(/^UserPoolAppClient/) }],
          Issuer: expect.anything(),
        },
      });
      const open = routes()
        .filter((r) => r.AuthorizationType === 'NONE')
        .map((r) => r.RouteKey)
        .sort();
      expect(open).toEqual(
        [
          'GET /api/v1/docs',
          'GET /api/v1/docs.css',
          'GET /api/v1/openapi.json',
          'GET /assets/{proxy+}',
          'GET /login',
        ].sort(),
      );
      const guarded = routes().filter((r) => r.AuthorizationType === 'JWT');
      expect(guarded.map((r) => r.RouteKey).sort()).toEqual(['ANY /', 'ANY /{proxy+}']);
    });

    it('creates the four role groups the app reads from cognito:groups', () => {
      // Assess
      const groups = resourcesOf(json, 'AWS::Cognito::UserPoolGroup').map(([, g]) => g.Properties.GroupName);
      expect(groups.sort()).toEqual(['admin', 'approver', 'editor', 'viewer']);
    });

    it('throttles and logs access on its stage', () => {
      // Assess
      synth.stateless.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: { ThrottlingRateLimit: 25, ThrottlingBurstLimit: 50 },
        AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.anyValue() },
      });
    });
  });

  describe('the app with an identity provider from context', () => {
    it('uses the given issuer and audience and creates no user pool', () => {
      // Prepare
      const other = synthesizeApp({
        context: { jwtIssuer: 'https://login.example.com/', jwtAudience: 'modelreg-app' },
      });
      try {
        const t = other.statelessJson;

        // Assess
        expect(resourcesOf(t, 'AWS::Cognito::UserPool')).toHaveLength(0);
        expect(resourcesOf(t, 'AWS::ApiGatewayV2::Authorizer')[0]?.[1].Properties).toMatchObject({
          JwtConfiguration: { Audience: ['modelreg-app'], Issuer: 'https://login.example.com/' },
        });
      } finally {
        other.dispose();
      }
    });
  });

  describe('notifications', () => {
    it('subscribes the notification emails, and the operations emails to the operations topic', () => {
      // Prepare
      const opsTopic = logicalIdOf(synth.stacks.stateless.operationsTopic);
      const emails = resourcesOf(json, 'AWS::SNS::Subscription').filter(
        ([, s]) => s.Properties.Protocol === 'email',
      );

      // Assess
      expect(emails.map(([, s]) => s.Properties.Endpoint).sort()).toEqual(
        [...TEST_CONTEXT.notificationEmails.split(','), TEST_CONTEXT.operationsEmails].sort(),
      );
      const ops = emails.filter(
        ([, s]) => JSON.stringify(s.Properties.TopicArn) === JSON.stringify({ Ref: opsTopic }),
      );
      expect(ops.map(([, s]) => s.Properties.Endpoint)).toEqual([TEST_CONTEXT.operationsEmails]);
    });

    it('delivers to notify-slack with a dead-letter queue, on the subscription and on the function', () => {
      // Prepare
      const dlq = logicalIdOf(synth.stacks.stateless.deadLetterQueue);

      // Assess
      synth.stateless.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'lambda',
        Endpoint: { 'Fn::GetAtt': [fnId('notify-slack'), 'Arn'] },
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] } },
      });
      expect(props(fnId('notify-slack')).DeadLetterConfig).toEqual({
        TargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] },
      });
    });

    it('keeps dead letters encrypted and refuses them without TLS', () => {
      // Assess
      for (const [id, queue] of resourcesOf(json, 'AWS::SQS::Queue')) {
        expect(queue.Properties.SqsManagedSseEnabled, id).toBe(true);
        synth.stateless.hasResourceProperties('AWS::SQS::QueuePolicy', {
          Queues: [{ Ref: id }],
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            ]),
          },
        });
      }
    });

    it('publishes ModelVersionPromoted from the registry promotion events through a pipe', () => {
      // Assess
      synth.stateless.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'sqs',
        RawMessageDelivery: true,
        FilterPolicy: { eventType: ['model.promote'] },
      });
      synth.stateless.hasResourceProperties('AWS::Pipes::Pipe', {
        TargetParameters: {
          InputTemplate: '<$.body>',
          EventBridgeEventBusParameters: { Source: 'modelreg', DetailType: 'ModelVersionPromoted' },
        },
      });
    });
  });

  /** The schedule whose target is the function of `dir`. */
  const scheduleOf = (dir: string) =>
    resourcesOf(json, 'AWS::Scheduler::Schedule').find(([, r]) =>
      JSON.stringify((r.Properties.Target as { Arn: unknown }).Arn).includes(fnId(dir)),
    );

  describe('archival schedule', () => {
    it('invokes archival-policy daily with the configured use cases as its documented input', () => {
      // Prepare
      const schedule = scheduleOf('archival-policy');
      const target = schedule?.[1].Properties.Target as { Arn: unknown; Input: string };

      // Act
      const input = ArchivalPolicyInputSchema.parse(JSON.parse(target.Input));

      // Assess
      expect(schedule?.[1].Properties.ScheduleExpression).toBe('cron(0 3 * * ? *)');
      expect(target.Arn).toEqual({ 'Fn::GetAtt': [fnId('archival-policy'), 'Arn'] });
      expect(input).toEqual({ useCases: ['fraud', 'churn'], dryRun: false });
    });

    it('is left out when no use case is configured (the webhook schedule stays)', () => {
      // Act
      const bare = synthesizeApp({ context: { archivalUseCases: '' } });

      // Assess
      bare.stateless.resourceCountIs('AWS::Scheduler::Schedule', 1);
      bare.dispose();
    });
  });

  describe('webhook schedule', () => {
    it('runs the webhook worker every minute, failed runs to the dead-letter queue', () => {
      // Prepare
      const schedule = scheduleOf('webhooks');
      const target = schedule?.[1].Properties.Target as {
        Input: string;
        DeadLetterConfig: { Arn: unknown };
        RetryPolicy: { MaximumRetryAttempts: number };
      };

      // Assess
      expect(schedule?.[1].Properties.ScheduleExpression).toBe('rate(1 minute)');
      expect(JSON.parse(target.Input)).toEqual({});
      expect(target.DeadLetterConfig.Arn).toBeDefined();
      expect(target.RetryPolicy.MaximumRetryAttempts).toBe(2);
    });
  });

  describe('alarms', () => {
    it('watch every function for errors, every state machine for failed executions and the DLQ depth', () => {
      // Prepare
      const alarms = resourcesOf(json, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
      const dimension = (a: Props) => JSON.stringify(a.Dimensions);

      // Assess
      for (const { dir } of HANDLERS) {
        expect(
          alarms.some((a) => a.MetricName === 'Errors' && dimension(a).includes(fnId(dir))),
          `${dir} errors`,
        ).toBe(true);
      }
      for (const machine of Object.values(synth.stacks.stateless.stateMachines)) {
        expect(
          alarms.some(
            (a) => a.MetricName === 'ExecutionsFailed' && dimension(a).includes(logicalIdOf(machine)),
          ),
        ).toBe(true);
      }
      expect(alarms.some((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible')).toBe(true);
    });

    it('all notify the operations topic', () => {
      // Prepare
      const opsTopic = logicalIdOf(synth.stacks.stateless.operationsTopic);

      // Assess
      for (const [id, alarm] of resourcesOf(json, 'AWS::CloudWatch::Alarm')) {
        expect(alarm.Properties.AlarmActions, id).toEqual([{ Ref: opsTopic }]);
      }
    });
  });

  it('outputs the state machine ARNs and the approval API URL', () => {
    // Assess
    expect(Object.keys(json.Outputs ?? {})).toEqual(
      expect.arrayContaining([
        'PromotionStateMachineArn',
        'RollbackStateMachineArn',
        'ArchiveStateMachineArn',
        'ApprovalApiUrl',
      ]),
    );
  });
});

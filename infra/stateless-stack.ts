/**
 * The code and its wiring: a function per handler, the three state machines loaded from
 * statemachines/*.asl.json, the events that start them, the approval API, the
 * notification subscribers, the daily archival schedule and the alarms. Holds no state
 * worth keeping: it can be destroyed and deployed again at any time.
 */
import {
  CfnOutput,
  Duration,
  Fn,
  RemovalPolicy,
  SecretValue,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as pipes from 'aws-cdk-lib/aws-pipes';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import {
  PLACEHOLDERS,
  type Placeholder,
  placeholdersOf,
  WORKFLOWS,
  type WorkflowName,
} from '../src/workflows/asl.js';
import { HANDLER_FOR_PLACEHOLDER, HANDLERS, type HandlerDir, type HandlerSpec } from './handlers.js';
import { definitionText } from './paths.js';
import { RegistryFunction } from './registry-function.js';
import { artifactBucketArnExport } from './stateful-stack.js';
import {
  MODEL_VERSION_PROMOTED_EVENT,
  sagemakerTrainingCompletedPattern,
  sagemakerTrainingInput,
  trainingCompletedInput,
  trainingCompletedPattern,
} from './training-events.js';

/** Settings of the stateless stack. */
export interface ModelregStatelessStackProps extends StackProps {
  /** The deployment's name (`dev`, `prod` …): MODELREG_ENVIRONMENT, and part of the state machine names. */
  readonly environment: string;
  /** The registry table (stateful stack). */
  readonly table: dynamodb.Table;
  /** Its global secondary indexes, by name: queries are granted on exactly these. */
  readonly tableIndexNames: readonly string[];
  /** The artifact bucket (stateful stack). */
  readonly artifactBucket: s3.Bucket;
  /** The notification topic (stateful stack). */
  readonly notificationTopic: sns.Topic;
  /** The key of the table and the artifacts (stateful stack). */
  readonly dataKey: kms.IKey;
  /** The key of the topics (stateful stack): the operations topic uses it too. */
  readonly messagingKey: kms.IKey;
  /** Signing: the KMS key that signs release statements (granted only to the functions that sign). */
  readonly signingKey?: kms.IKey;
  /**
   * Email addresses subscribed to the notification topic (each confirms by email).
   * @default none
   */
  readonly notificationEmails?: readonly string[];
  /**
   * Email addresses subscribed to the operations topic (alarms).
   * @default the notification emails
   */
  readonly operationsEmails?: readonly string[];
  /**
   * Use cases the daily archival policy runs over.
   * @default none, and then no schedule (the policy needs at least one use case)
   */
  readonly archivalUseCases?: readonly string[];
  /**
   * When the archival policy runs: an EventBridge Scheduler expression, in UTC.
   * @default 'cron(0 3 * * ? *)' (every day at 03:00 UTC)
   */
  readonly archivalSchedule?: string;
  /**
   * ARNs of the evaluator Lambdas that models' policies name (`evaluation.evaluator`);
   * the evaluate function may invoke exactly these.
   * @default none (only built-in evaluators)
   */
  readonly evaluatorArns?: readonly string[];
  /**
   * Buckets that training jobs write their output to (SageMaker `ModelArtifacts`): the
   * register function reads `s3://` artifacts from them (GetObject, ListBucket).
   * @default none (artifacts must be given as local paths or sit in the artifact bucket)
   */
  readonly trainingOutputBuckets?: readonly string[];
  /**
   * The complete ARN of an existing secret holding the Slack incoming webhook URL.
   * @default a new secret, holding a placeholder until you put the URL in it
   */
  readonly slackWebhookSecretArn?: string;
  /**
   * How long function, state machine and API logs are kept.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Steady-state requests per second of the HTTP API (the app: JSON API, web UI, approval links).
   * @default 25
   */
  readonly approvalApiRateLimit?: number;
  /**
   * Burst of requests of the HTTP API.
   * @default 50
   */
  readonly approvalApiBurstLimit?: number;
  /**
   * The JWT issuer (and `jwtAudience`) of an existing identity provider whose tokens the HTTP
   * API accepts; roles come from the tokens' `cognito:groups` claim.
   * @default a Cognito user pool created here, with groups viewer, editor, approver, admin
   */
  readonly jwtIssuer?: string;
  /** The audiences (client ids) accepted with `jwtIssuer`. */
  readonly jwtAudience?: readonly string[];
}

/** The functions, by handler directory. */
type Functions = Readonly<Record<HandlerDir, RegistryFunction>>;

/** The registry's functions, workflows, triggers, API, subscribers and alarms. */
export class ModelregStatelessStack extends Stack {
  /** One function per handler under lambdas/, by directory name. */
  readonly functions: Functions;
  /** The promotion, rollback and archive state machines. */
  readonly stateMachines: Readonly<Record<WorkflowName, sfn.StateMachine>>;
  /** The HTTP API in front of the app (JSON API at /api/v1, web UI, approval links); its ID is frozen. */
  readonly approvalApi: apigw.HttpApi;
  /** The user pool whose tokens the HTTP API accepts, unless an issuer was given. */
  readonly userPool: cognito.UserPool | undefined;
  /** Where alarms go. */
  readonly operationsTopic: sns.Topic;
  /** What could not be delivered: Slack notifications, rule targets, the schedule, promotion events. */
  readonly deadLetterQueue: sqs.Queue;
  /** Signs and verifies approve/reject links. */
  readonly approvalSecret: secretsmanager.Secret;
  /** Holds the Slack incoming webhook URL. */
  readonly slackWebhookSecret: secretsmanager.ISecret;

  constructor(scope: Construct, id: string, props: ModelregStatelessStackProps) {
    super(scope, id, props);
    const logRetention = props.logRetention ?? logs.RetentionDays.THREE_MONTHS;
    const notificationEmails = props.notificationEmails ?? [];
    const operationsEmails = props.operationsEmails ?? notificationEmails;

    // ---- operations: alarms topic, dead letters ------------------------------------------
    this.operationsTopic = new sns.Topic(this, 'OperationsTopic', {
      displayName: `modelreg ${props.environment} operations`,
      masterKey: props.messagingKey,
      enforceSSL: true,
      signatureVersion: '2',
    });
    operationsEmails.forEach((email, i) => {
      new sns.Subscription(this, `OperationsEmail${i}`, {
        topic: this.operationsTopic,
        protocol: sns.SubscriptionProtocol.EMAIL,
        endpoint: email,
      });
    });
    // Queues are encrypted with SQS-managed keys: SNS, EventBridge, Scheduler and Lambda then
    // deliver into them without key policy statements naming each sender (which, for the
    // notification topic, would make its key depend on the topic that depends on the key).
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    // ---- secrets ---------------------------------------------------------------------------
    this.approvalSecret = new secretsmanager.Secret(this, 'ApprovalSigningSecret', {
      description: `modelreg ${props.environment}: HMAC key of the approve/reject links`,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    Validations.of(this.approvalSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'ApprovalSigningSecret signs approve/reject links that stay valid until their approval expires; ' +
        'rotating it invalidates every pending link, so it is rotated by hand between approval rounds.',
    });
    if (props.slackWebhookSecretArn) {
      this.slackWebhookSecret = secretsmanager.Secret.fromSecretCompleteArn(
        this,
        'SlackWebhookSecret',
        props.slackWebhookSecretArn,
      );
    } else {
      const created = new secretsmanager.Secret(this, 'SlackWebhookSecret', {
        description: `modelreg ${props.environment}: Slack incoming webhook URL (replace the placeholder)`,
        // A placeholder, not a secret and not a URL: notify-slack fails (and alarms) until the URL is put in.
        secretStringValue: SecretValue.unsafePlainText('set-me: the Slack incoming webhook URL'),
      });
      Validations.of(created).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'SlackWebhookSecret holds a webhook URL issued by Slack; it can only be rotated by creating a ' +
          'new webhook in Slack, which no rotation Lambda can do.',
      });
      this.slackWebhookSecret = created as secretsmanager.ISecret;
    }

    // ---- the approval API (created before the functions that write its URL into links) ----
    const apiLogGroup = new logs.LogGroup(this, 'ApprovalApiLogs', {
      retention: logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.approvalApi = new apigw.HttpApi(this, 'ApprovalApi', {
      description: `modelreg ${props.environment}: the app (JSON API, web UI, approval links)`,
      createDefaultStage: false,
    });
    new apigw.HttpStage(this, 'ApprovalApiStage', {
      httpApi: this.approvalApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: {
        rateLimit: props.approvalApiRateLimit ?? 25,
        burstLimit: props.approvalApiBurstLimit ?? 50,
      },
      accessLogSettings: { destination: new apigw.LogGroupLogDestination(apiLogGroup) },
    });
    const approvalApiUrl = this.approvalApi.apiEndpoint;

    // ---- functions ------------------------------------------------------------------------
    const registryEnvironment = {
      MODELREG_BACKEND: 'aws',
      MODELREG_TABLE: props.table.tableName,
      MODELREG_BUCKET: props.artifactBucket.bucketName,
      MODELREG_TOPIC_ARN: props.notificationTopic.topicArn,
      MODELREG_KMS_KEY_ID: props.dataKey.keyArn,
    };
    const environmentOf = (spec: HandlerSpec): Record<string, string> => ({
      MODELREG_ENVIRONMENT: props.environment,
      ...(spec.registry ? registryEnvironment : {}),
      ...(spec.approvalLinks ? { MODELREG_APPROVAL_API_URL: approvalApiUrl } : {}),
      ...(spec.approvalSecret ? { MODELREG_APPROVAL_SECRET_ARN: this.approvalSecret.secretArn } : {}),
      ...(spec.slackWebhook ? { MODELREG_SLACK_WEBHOOK_SECRET_ARN: this.slackWebhookSecret.secretArn } : {}),
      ...(spec.signs && props.signingKey ? { MODELREG_SIGNING_KEY_ID: props.signingKey.keyArn } : {}),
    });
    const functions = {} as Record<HandlerDir, RegistryFunction>;
    for (const spec of HANDLERS) {
      functions[spec.dir] = new RegistryFunction(this, spec.id, {
        spec,
        environment: environmentOf(spec),
        logRetention,
        // notify-slack is invoked asynchronously by SNS: what still fails after retries lands here
        ...(spec.dir === 'notify-slack' ? { deadLetterQueue: this.deadLetterQueue } : {}),
      });
      this.grantWhatTheCodeUses(functions[spec.dir], spec, props);
    }
    this.functions = functions;

    this.userPool = this.httpRoutes(functions.http, props);

    // ---- state machines -------------------------------------------------------------------
    const stateMachineName = (workflow: WorkflowName) => `modelreg-${props.environment}-${workflow}`;
    const machines = {} as Record<WorkflowName, sfn.StateMachine>;
    for (const workflow of WORKFLOWS) {
      machines[workflow] = this.stateMachine(
        workflow,
        stateMachineName(workflow),
        functions,
        props,
        logRetention,
      );
    }
    this.stateMachines = machines;

    // approval-decision answers the task tokens of the promotion workflow. The machine is
    // named by its fixed name, not referenced: it references the function (ExpireApproval),
    // so a reference back would be a cycle.
    const promotion = sfn.StateMachine.fromStateMachineName(
      this,
      'PromotionTaskTokens',
      stateMachineName('promotion'),
    );
    for (const spec of HANDLERS.filter((h) => h.answersTasks)) {
      promotion.grant(functions[spec.dir].function, 'states:SendTaskSuccess', 'states:SendTaskFailure');
    }

    // ---- what starts the promotion workflow ----------------------------------------------
    new events.Rule(this, 'SageMakerTrainingCompletedRule', {
      description: 'Completed SageMaker training jobs tagged for modelreg start the promotion workflow',
      eventPattern: sagemakerTrainingCompletedPattern(),
      targets: [
        new eventTargets.SfnStateMachine(machines.promotion, {
          input: sagemakerTrainingInput(),
          deadLetterQueue: this.deadLetterQueue,
        }),
      ],
    });
    new events.Rule(this, 'TrainingCompletedRule', {
      description: 'modelreg TrainingCompleted events start the promotion workflow',
      eventPattern: trainingCompletedPattern(),
      targets: [
        new eventTargets.SfnStateMachine(machines.promotion, {
          input: trainingCompletedInput(),
          deadLetterQueue: this.deadLetterQueue,
        }),
      ],
    });

    // ---- notification subscribers ---------------------------------------------------------
    notificationEmails.forEach((email, i) => {
      new sns.Subscription(this, `NotificationEmail${i}`, {
        topic: props.notificationTopic,
        protocol: sns.SubscriptionProtocol.EMAIL,
        endpoint: email,
      });
    });
    props.notificationTopic.addSubscription(
      new subscriptions.LambdaSubscription(functions['notify-slack'].function, {
        deadLetterQueue: this.deadLetterQueue,
      }),
    );
    this.modelVersionPromotedEvents(props);

    // ---- the archival policy, daily ---------------------------------------------------------
    const useCases = props.archivalUseCases ?? [];
    if (useCases.length > 0) {
      // The L1 schedule with its own role: the L2 target grants invoke on every version of the
      // function (`<arn>:*`); the schedule invokes the unqualified ARN only.
      const archival = functions['archival-policy'].function;
      const role = new iam.Role(this, 'ArchivalPolicyScheduleRole', {
        assumedBy: new iam.PrincipalWithConditions(new iam.ServicePrincipal('scheduler.amazonaws.com'), {
          StringEquals: { 'aws:SourceAccount': this.account },
        }),
        description: 'modelreg: invokes the archival policy on its schedule',
      });
      archival.grantInvokeLatestVersion(role);
      this.deadLetterQueue.grantSendMessages(role);
      new scheduler.CfnSchedule(this, 'ArchivalPolicySchedule', {
        description: `modelreg ${props.environment}: archival rules of ${useCases.join(', ')}`,
        scheduleExpression: props.archivalSchedule ?? 'cron(0 3 * * ? *)',
        scheduleExpressionTimezone: 'UTC',
        flexibleTimeWindow: { mode: 'OFF' },
        target: {
          arn: archival.functionArn,
          roleArn: role.roleArn,
          input: JSON.stringify({ useCases: [...useCases] }),
          retryPolicy: { maximumRetryAttempts: 2 },
          deadLetterConfig: { arn: this.deadLetterQueue.queueArn },
        },
      });
    }

    // ---- webhook deliveries, every minute ---------------------------------------------------
    {
      const worker = functions.webhooks.function;
      const role = new iam.Role(this, 'WebhooksScheduleRole', {
        assumedBy: new iam.PrincipalWithConditions(new iam.ServicePrincipal('scheduler.amazonaws.com'), {
          StringEquals: { 'aws:SourceAccount': this.account },
        }),
        description: 'modelreg: invokes the webhook worker on its schedule',
      });
      worker.grantInvokeLatestVersion(role);
      this.deadLetterQueue.grantSendMessages(role);
      new scheduler.CfnSchedule(this, 'WebhooksSchedule', {
        description: `modelreg ${props.environment}: sends pending webhook deliveries`,
        scheduleExpression: 'rate(1 minute)',
        flexibleTimeWindow: { mode: 'OFF' },
        target: {
          arn: worker.functionArn,
          roleArn: role.roleArn,
          input: JSON.stringify({}),
          retryPolicy: { maximumRetryAttempts: 2 },
          deadLetterConfig: { arn: this.deadLetterQueue.queueArn },
        },
      });
    }

    // ---- alarms -------------------------------------------------------------------------------
    const alarmAction = new cloudwatchActions.SnsAction(this.operationsTopic);
    for (const spec of HANDLERS) {
      functions[spec.dir].function
        .metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM })
        .createAlarm(this, `${spec.id}Errors`, {
          alarmDescription: `modelreg ${props.environment}: the ${spec.dir} function failed`,
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        })
        .addAlarmAction(alarmAction);
    }
    for (const workflow of WORKFLOWS) {
      machines[workflow]
        .metricFailed({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM })
        .createAlarm(this, `${pascal(workflow)}ExecutionsFailed`, {
          alarmDescription: `modelreg ${props.environment}: a ${workflow} workflow execution failed`,
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        })
        .addAlarmAction(alarmAction);
    }
    this.deadLetterQueue
      .metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.MAXIMUM,
      })
      .createAlarm(this, 'DeadLettersWaiting', {
        alarmDescription: `modelreg ${props.environment}: undelivered messages wait in the dead-letter queue`,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      })
      .addAlarmAction(alarmAction);

    // ---- outputs -------------------------------------------------------------------------------
    for (const workflow of WORKFLOWS) {
      new CfnOutput(this, `${pascal(workflow)}StateMachineArn`, {
        value: machines[workflow].stateMachineArn,
        description: `The ${workflow} workflow`,
      });
    }
    new CfnOutput(this, 'ApprovalApiUrl', {
      value: approvalApiUrl,
      description: 'MODELREG_APPROVAL_API_URL: base of the approve/reject links, and the URL of the app',
    });
    if (this.userPool) {
      new CfnOutput(this, 'UserPoolId', {
        value: this.userPool.userPoolId,
        description: 'Users of the app: add them to a group (viewer, editor, approver, admin)',
      });
    }
    new CfnOutput(this, 'ApprovalDecisionFunctionName', {
      value: functions['approval-decision'].function.functionName,
      description: 'Decides an approval by hand: invoke with {approvalId, decision, by}',
    });
    new CfnOutput(this, 'ApprovalSecretArn', {
      value: this.approvalSecret.secretArn,
      description: 'MODELREG_APPROVAL_SECRET_ARN: the link signing secret',
    });
    new CfnOutput(this, 'SlackWebhookSecretArn', {
      value: this.slackWebhookSecret.secretArn,
      description: 'Put the Slack incoming webhook URL in this secret',
    });
    new CfnOutput(this, 'OperationsTopicArn', {
      value: this.operationsTopic.topicArn,
      description: 'Alarms of the functions, workflows and dead letters',
    });
  }

  /**
   * Puts the app behind the HTTP API: every route needs a JWT the authorizer verified
   * (a Cognito user pool created here, or the issuer given), except the login page, the
   * static assets and the API's description. GET never decides an approval: the link's
   * GET shows the approval page, and only an authenticated POST decides.
   */
  private httpRoutes(fn: RegistryFunction, props: ModelregStatelessStackProps): cognito.UserPool | undefined {
    let userPool: cognito.UserPool | undefined;
    let issuer = props.jwtIssuer;
    let audience = [...(props.jwtAudience ?? [])];
    if (issuer === undefined) {
      userPool = new cognito.UserPool(this, 'UserPool', {
        userPoolName: `modelreg-${props.environment}`,
        selfSignUpEnabled: false,
        signInAliases: { email: true },
        mfa: cognito.Mfa.REQUIRED,
        mfaSecondFactor: { sms: false, otp: true },
        passwordPolicy: {
          minLength: 12,
          requireLowercase: true,
          requireUppercase: true,
          requireDigits: true,
          requireSymbols: true,
        },
        accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      Validations.of(userPool).acknowledge({
        id: 'AwsSolutions-COG8',
        reason:
          'UserPool holds the few people who approve and promote models; they are invited by an admin (no self sign-up) ' +
          'and need MFA, so threat protection (the Plus feature plan, billed per user) is left to deployments that want it.',
      });
      const client = userPool.addClient('AppClient', {
        generateSecret: false,
        authFlows: { userSrp: true, userPassword: true },
      });
      for (const role of ['viewer', 'editor', 'approver', 'admin']) {
        new cognito.CfnUserPoolGroup(this, `UserPoolGroup${pascal(role)}`, {
          userPoolId: userPool.userPoolId,
          groupName: role,
          description: `modelreg ${role}s (cognito:groups gives the app its role)`,
        });
      }
      issuer = `https://cognito-idp.${Stack.of(this).region}.amazonaws.com/${userPool.userPoolId}`;
      audience = [client.userPoolClientId];
    }
    if (audience.length === 0)
      throw new Error('jwtIssuer needs jwtAudience: the client ids whose tokens it accepts');
    const authorizer = new HttpJwtAuthorizer('HttpAuthorizer', issuer, { jwtAudience: audience });
    const integration = new HttpLambdaIntegration('HttpIntegration', fn.function);
    this.approvalApi.addRoutes({ path: '/', methods: [apigw.HttpMethod.ANY], integration, authorizer });
    this.approvalApi.addRoutes({
      path: '/{proxy+}',
      methods: [apigw.HttpMethod.ANY],
      integration,
      authorizer,
    });
    const open = [
      ['/login', 'the sign-in page, which must load before the caller holds a token'],
      ['/assets/{proxy+}', 'the static style sheets and scripts of the pages, the same for everyone'],
      ['/api/v1/openapi.json', 'the description of the API, generated from its schemas and holding no data'],
      ['/api/v1/docs', 'the documentation page rendered from openapi.json, holding no data'],
      ['/api/v1/docs.css', 'the style sheet of the documentation page'],
    ] as const;
    for (const [path, what] of open) {
      for (const route of this.approvalApi.addRoutes({
        path,
        methods: [apigw.HttpMethod.GET],
        integration,
      })) {
        Validations.of(route).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: `ApprovalApi route GET ${path} serves ${what}; HttpFunction answers nothing else on it without a verified JWT.`,
        });
      }
    }
    return userPool;
  }

  /** Grants one function exactly what its handler's code calls (handlers.ts), and says why where cdk-nag asks. */
  private grantWhatTheCodeUses(
    fn: RegistryFunction,
    spec: HandlerSpec,
    props: ModelregStatelessStackProps,
  ): void {
    const grantee = fn.function;
    const table = props.table.tableArn;
    if (spec.table !== 'none') {
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem'],
        resourceArns: [table],
      });
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['dynamodb:Query'],
        resourceArns: [table, ...props.tableIndexNames.map((name) => `${table}/index/${name}`)],
      });
      props.table.grantOnKey(grantee, 'kms:Decrypt', 'kms:DescribeKey');
    }
    if (spec.table === 'readWrite') {
      // TransactWriteItems is authorized per item: Put, Update (and Delete) on the table.
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        resourceArns: [table],
      });
      props.table.grantOnKey(grantee, 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*');
    }
    const objects = `${Fn.importValue(artifactBucketArnExport(props.environment))}/*`;
    if (spec.artifacts !== 'none') {
      iam.Grant.addToPrincipal({ grantee, actions: ['s3:GetObject'], resourceArns: [objects] });
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['s3:ListBucket'],
        resourceArns: [props.artifactBucket.bucketArn],
      });
      props.dataKey.grant(grantee, 'kms:Decrypt');
    }
    if (spec.artifacts === 'readWrite') {
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:DeleteObject'],
        resourceArns: [objects],
      });
      props.dataKey.grant(grantee, 'kms:GenerateDataKey');
    }
    if (spec.publishes) props.notificationTopic.grants.publish(grantee);
    const readSecret = (secret: secretsmanager.ISecret) =>
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['secretsmanager:GetSecretValue'],
        resourceArns: [secret.secretArn],
      });
    if (spec.approvalSecret) readSecret(this.approvalSecret as secretsmanager.ISecret);
    if (spec.slackWebhook) readSecret(this.slackWebhookSecret);
    // signing: kms:Sign only where the code signs; verifiers use the stored public keys (no KMS call)
    if (spec.signs && props.signingKey) props.signingKey.grant(grantee, 'kms:Sign', 'kms:GetPublicKey');
    if (spec.dir === 'register') {
      for (const name of props.trainingOutputBuckets ?? []) {
        const bucketArn = `arn:${Stack.of(this).partition}:s3:::${name}`;
        iam.Grant.addToPrincipal({ grantee, actions: ['s3:GetObject'], resourceArns: [`${bucketArn}/*`] });
        iam.Grant.addToPrincipal({ grantee, actions: ['s3:ListBucket'], resourceArns: [bucketArn] });
        Validations.of(fn.role).acknowledge({
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${name}/*]`,
          reason: `${spec.id}: reads a training job's output objects, under keys SageMaker chooses, in training output bucket ${name}`,
        });
      }
    }
    if (spec.invokesEvaluators) {
      (props.evaluatorArns ?? []).forEach((arn, i) => {
        // an import, not a resource: its ID only has to be unique
        lambda.Function.fromFunctionAttributes(
          this,
          spec.dir === 'evaluate' ? `Evaluator${i}` : `${spec.id}Evaluator${i}`,
          {
            functionArn: arn,
            skipPermissions: true,
          },
        ).grantInvokeLatestVersion(grantee);
      });
    }

    // What cdk-nag flags in this role's policy, each with the reason it is what the code needs.
    const acknowledge = (id: string, reason: string) =>
      Validations.of(fn.role).acknowledge({
        id: `AwsSolutions-IAM5[${id}]`,
        reason: `${spec.id}: ${reason}`,
      });
    acknowledge(
      'Resource::*',
      'X-Ray tracing (active) needs xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level permissions.',
    );
    if (spec.table === 'readWrite') {
      acknowledge(
        'Action::kms:ReEncrypt*',
        'writes items of the registry table, which DataKey (a customer managed key) encrypts; DynamoDB needs these key actions of the writer.',
      );
    }
    if (spec.table === 'readWrite' || spec.publishes) {
      acknowledge(
        'Action::kms:GenerateDataKey*',
        [
          spec.table === 'readWrite' ? 'writes items of the DataKey-encrypted registry table' : '',
          spec.publishes ? 'publishes to the MessagingKey-encrypted notification topic' : '',
        ]
          .filter(Boolean)
          .join(' and ') +
          '; DynamoDB and SNS need kms:GenerateDataKey* of the caller for a customer managed key.',
      );
    }
    if (spec.artifacts !== 'none') {
      acknowledge(
        `Resource::${artifactBucketArnExport(props.environment)}/*`,
        `${spec.artifacts === 'readWrite' ? 'writes and reads' : 'reads'} model artifacts and evaluation sets, ` +
          'whose keys ({useCase}/{modelName}/versions/…, {useCase}/_evalsets/…) span the whole artifact bucket.',
      );
    }
  }

  /**
   * One workflow: its ASL file as is, every placeholder substituted, logging everything
   * to its log group, traced; its role may invoke exactly the functions the definition
   * names and publish to the notification topic.
   */
  private stateMachine(
    workflow: WorkflowName,
    name: string,
    functions: Functions,
    props: ModelregStatelessStackProps,
    logRetention: logs.RetentionDays,
  ): sfn.StateMachine {
    const text = definitionText(workflow);
    const used = placeholdersOf(text);
    const unknown = used.filter((p) => !(PLACEHOLDERS as readonly string[]).includes(p));
    if (unknown.length > 0) {
      throw new Error(`${workflow}.asl.json uses unknown placeholder(s) ${unknown.join(', ')}`);
    }
    const referenced = (used as Placeholder[])
      .filter((p): p is Exclude<Placeholder, 'NotificationTopicArn'> => p !== 'NotificationTopicArn')
      .map((p) => [p, functions[HANDLER_FOR_PLACEHOLDER[p]].function] as const);
    const substitutions: Record<string, string> = Object.fromEntries(
      referenced.map(([p, fn]) => [p, fn.functionArn]),
    );
    if (used.includes('NotificationTopicArn'))
      substitutions.NotificationTopicArn = props.notificationTopic.topicArn;

    const id = pascal(workflow);
    const machine = new sfn.StateMachine(this, `${id}StateMachine`, {
      stateMachineName: name,
      definitionBody: sfn.DefinitionBody.fromString(text),
      definitionSubstitutions: substitutions,
      logs: {
        destination: new logs.LogGroup(this, `${id}StateMachineLogs`, {
          retention: logRetention,
          removalPolicy: RemovalPolicy.DESTROY,
        }),
        level: sfn.LogLevel.ALL,
        includeExecutionData: true,
      },
      tracingEnabled: true,
    });
    for (const [, fn] of referenced) fn.grantInvokeLatestVersion(machine);
    if (used.includes('NotificationTopicArn')) props.notificationTopic.grants.publish(machine);
    Validations.of(machine.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        `${id}StateMachine logs to CloudWatch Logs through vended log delivery (logs:CreateLogDelivery, ` +
        'logs:DescribeResourcePolicies …) and traces to X-Ray; neither API supports resource-level permissions.',
    });
    if (used.includes('NotificationTopicArn')) {
      Validations.of(machine.role).acknowledge({
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason: `${id}StateMachine publishes to the MessagingKey-encrypted notification topic; SNS needs kms:GenerateDataKey* of the publisher.`,
      });
    }
    return machine;
  }

  /**
   * `ModelVersionPromoted` on the default event bus, for every promotion the registry
   * commits (workflow or CLI, staging or production): the registry's own `model.promote`
   * event, taken from the notification topic by an SQS subscription with a filter policy
   * and forwarded by an EventBridge pipe. Its detail is the registry event as published
   * (`{type, useCase, modelName, version, fromStage, toStage, actor, at, seq, details}`).
   */
  private modelVersionPromotedEvents(props: ModelregStatelessStackProps): void {
    const queue = new sqs.Queue(this, 'PromotionEventsQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
    });
    props.notificationTopic.addSubscription(
      new subscriptions.SqsSubscription(queue, {
        rawMessageDelivery: true,
        filterPolicy: {
          eventType: sns.SubscriptionFilter.stringFilter({ allowlist: ['model.promote'] }),
        },
      }),
    );
    const role = new iam.Role(this, 'PromotionEventsPipeRole', {
      assumedBy: new iam.ServicePrincipal('pipes.amazonaws.com'),
      description: 'modelreg: forwards promotion events from the queue to the default event bus',
    });
    queue.grantConsumeMessages(role);
    const bus = events.EventBus.fromEventBusName(this, 'DefaultEventBus', 'default');
    bus.grantPutEventsTo(role);
    new pipes.CfnPipe(this, 'PromotionEventsPipe', {
      description: 'modelreg: registry promotions as ModelVersionPromoted events',
      roleArn: role.roleArn,
      source: queue.queueArn,
      sourceParameters: { sqsQueueParameters: { batchSize: 1 } },
      target: bus.eventBusArn,
      targetParameters: {
        inputTemplate: '<$.body>',
        eventBridgeEventBusParameters: {
          source: MODEL_VERSION_PROMOTED_EVENT.source,
          detailType: MODEL_VERSION_PROMOTED_EVENT.detailType,
        },
      },
    });
  }
}

const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * The modelreg CDK app: its settings (from CDK context), both stacks wired together, and
 * the cdk-nag AWS Solutions checks on everything. `infra/app.ts` runs it for the CLI; the
 * infra tests build the same app in-process.
 */
import { type App, type Environment, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Node } from 'constructs';
import { ModelregStatefulStack } from './stateful-stack.js';
import { ModelregStatelessStack } from './stateless-stack.js';

/** What a deployment is configured with (CDK context keys of the same names). */
export interface ModelregAppSettings {
  /** `environment`: the deployment's name. @default 'dev' */
  readonly environment: string;
  /** `notificationEmails`: subscribed to registry and workflow notifications. @default none */
  readonly notificationEmails: readonly string[];
  /** `operationsEmails`: subscribed to alarms. @default the notification emails */
  readonly operationsEmails: readonly string[];
  /** `archivalUseCases`: the daily archival policy's use cases. @default none (no schedule) */
  readonly archivalUseCases: readonly string[];
  /** `evaluatorArns`: evaluator Lambdas the evaluate step may invoke. @default none */
  readonly evaluatorArns: readonly string[];
  /** `trainingOutputBuckets`: buckets the register step reads `s3://` training outputs from. @default none */
  readonly trainingOutputBuckets: readonly string[];
  /** `slackWebhookSecretArn`: an existing secret with the webhook URL. @default a new secret */
  readonly slackWebhookSecretArn?: string;
  /** `jwtIssuer`: an identity provider whose JWTs the app accepts. @default a Cognito user pool of the stack */
  readonly jwtIssuer?: string;
  /** `jwtAudience`: the client ids accepted with `jwtIssuer` (required with it). */
  readonly jwtAudience: readonly string[];
}

const ENVIRONMENT = /^[a-z][a-z0-9-]{0,19}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const NAME = /^[^#\s]+$/;
const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$/;
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/;

/**
 * A list from context: a JSON array (cdk.json, `-c 'k=["a","b"]'`) or a comma-separated
 * string (`-c k=a,b`), each item checked.
 */
function listFrom(node: Node, key: string, pattern: RegExp, what: string): string[] {
  const raw: unknown = node.tryGetContext(key);
  if (raw === undefined || raw === null || raw === '') return [];
  let items: unknown[];
  if (Array.isArray(raw)) items = raw;
  else if (typeof raw === 'string' && raw.trim().startsWith('[')) items = JSON.parse(raw) as unknown[];
  else if (typeof raw === 'string') items = raw.split(',');
  else
    throw new Error(
      `context ${key} must be a list (JSON array or comma-separated), not ${JSON.stringify(raw)}`,
    );
  return items.map((item) => {
    const value = String(item).trim();
    if (!pattern.test(value)) {
      throw new Error(`context ${key}: ${JSON.stringify(value)} is not ${what}`);
    }
    return value;
  });
}

/** Reads and checks the settings from CDK context (`-c key=value` or cdk.json). */
export function settingsFromContext(node: Node): ModelregAppSettings {
  const environment = String(node.tryGetContext('environment') ?? 'dev');
  if (!ENVIRONMENT.test(environment)) {
    throw new Error(
      `context environment ${JSON.stringify(environment)} must be lowercase letters, digits and dashes (e.g. prod)`,
    );
  }
  const notificationEmails = listFrom(node, 'notificationEmails', EMAIL, 'an email address');
  const operations = listFrom(node, 'operationsEmails', EMAIL, 'an email address');
  const slack: unknown = node.tryGetContext('slackWebhookSecretArn');
  if (slack !== undefined && (typeof slack !== 'string' || !SECRET_ARN.test(slack))) {
    throw new Error(
      'context slackWebhookSecretArn must be the complete ARN of a secret (arn:aws:secretsmanager:…:secret:name-AbCdEf)',
    );
  }
  const issuer: unknown = node.tryGetContext('jwtIssuer');
  if (issuer !== undefined && (typeof issuer !== 'string' || !/^https:\/\/[^\s]+$/.test(issuer))) {
    throw new Error('context jwtIssuer must be the https:// issuer URL of the identity provider');
  }
  const jwtAudience = listFrom(node, 'jwtAudience', NAME, 'a client id');
  if ((issuer === undefined) !== (jwtAudience.length === 0)) {
    throw new Error(
      'context jwtIssuer and jwtAudience go together: give both, or neither (a user pool is created)',
    );
  }
  return {
    environment,
    jwtAudience,
    ...(typeof issuer === 'string' ? { jwtIssuer: issuer } : {}),
    notificationEmails,
    operationsEmails: operations.length > 0 ? operations : notificationEmails,
    archivalUseCases: listFrom(node, 'archivalUseCases', NAME, 'a use case name'),
    evaluatorArns: listFrom(node, 'evaluatorArns', LAMBDA_ARN, 'a Lambda function ARN'),
    trainingOutputBuckets: listFrom(node, 'trainingOutputBuckets', BUCKET_NAME, 'an S3 bucket name'),
    ...(typeof slack === 'string' ? { slackWebhookSecretArn: slack } : {}),
  };
}

/** The two stacks of a deployment. */
export interface ModelregStacks {
  readonly stateful: ModelregStatefulStack;
  readonly stateless: ModelregStatelessStack;
}

/**
 * Adds both stacks to an app, and the AWS Solutions checks: synthesis fails on any
 * finding not acknowledged on its resource with a reason.
 */
export function addModelregStacks(
  app: App,
  settings: ModelregAppSettings,
  env?: Environment,
): ModelregStacks {
  const common = {
    environment: settings.environment,
    ...(env ? { env } : {}),
    tags: { application: 'modelreg', environment: settings.environment },
  };
  const stateful = new ModelregStatefulStack(app, 'ModelregStatefulStack', {
    ...common,
    stackName: `modelreg-${settings.environment}-stateful`,
    description: `modelreg ${settings.environment}: registry table, artifact bucket, notification topic, keys`,
  });
  const stateless = new ModelregStatelessStack(app, 'ModelregStatelessStack', {
    ...common,
    stackName: `modelreg-${settings.environment}-stateless`,
    description: `modelreg ${settings.environment}: functions, workflows, triggers, the app's HTTP API, alarms`,
    table: stateful.table,
    tableIndexNames: stateful.tableIndexNames,
    artifactBucket: stateful.artifactBucket,
    notificationTopic: stateful.notificationTopic,
    dataKey: stateful.dataKey,
    signingKey: stateful.signingKey,
    messagingKey: stateful.messagingKey,
    notificationEmails: settings.notificationEmails,
    operationsEmails: settings.operationsEmails,
    archivalUseCases: settings.archivalUseCases,
    evaluatorArns: settings.evaluatorArns,
    trainingOutputBuckets: settings.trainingOutputBuckets,
    ...(settings.slackWebhookSecretArn ? { slackWebhookSecretArn: settings.slackWebhookSecretArn } : {}),
    ...(settings.jwtIssuer ? { jwtIssuer: settings.jwtIssuer, jwtAudience: settings.jwtAudience } : {}),
  });
  // the bucket ARN export the stateless stack imports by name is no CDK reference
  stateless.addStackDependency(stateful, 'imports the artifact bucket ARN export');
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { stateful, stateless };
}

/**
 * Each function's IAM policy against its code: the SDK commands its handler can reach
 * (found in the modules esbuild bundles for it) give the actions it may hold, and what
 * its step does on AWS gives the actions it must hold.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HANDLERS } from '../../infra/handlers.js';
import { handlerEntry, repoRoot } from '../../infra/paths.js';
import type { RegistryFunction } from '../../infra/registry-function.js';
import {
  type CfnTemplate,
  logicalIdOf,
  resourcesOf,
  type SynthesizedApp,
  synthesizeApp,
  TEST_CONTEXT,
} from './synth-app.js';

/**
 * The IAM actions each SDK command needs. A command the code uses and this table lacks
 * fails the test: add it here with its actions (and grant them in infra/handlers.ts).
 */
const ACTIONS_OF_COMMAND: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  '@aws-sdk/lib-dynamodb': {
    GetCommand: ['dynamodb:GetItem'],
    BatchGetCommand: ['dynamodb:BatchGetItem'],
    QueryCommand: ['dynamodb:Query'],
    PutCommand: ['dynamodb:PutItem'],
    DeleteCommand: ['dynamodb:DeleteItem'],
    // authorized per item: Put, Update, Delete and ConditionCheck items
    TransactWriteCommand: [
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:ConditionCheckItem',
    ],
  },
  '@aws-sdk/client-s3': {
    PutObjectCommand: ['s3:PutObject'],
    CreateMultipartUploadCommand: ['s3:PutObject'],
    UploadPartCommand: ['s3:PutObject'],
    CompleteMultipartUploadCommand: ['s3:PutObject'],
    AbortMultipartUploadCommand: ['s3:AbortMultipartUpload'],
    GetObjectCommand: ['s3:GetObject'],
    HeadObjectCommand: ['s3:GetObject'],
    ListObjectsV2Command: ['s3:ListBucket'],
    DeleteObjectsCommand: ['s3:DeleteObject'],
  },
  '@aws-sdk/client-sns': { PublishCommand: ['sns:Publish'] },
  '@aws-sdk/client-sfn': {
    SendTaskSuccessCommand: ['states:SendTaskSuccess'],
    SendTaskFailureCommand: ['states:SendTaskFailure'],
  },
  '@aws-sdk/client-secrets-manager': { GetSecretValueCommand: ['secretsmanager:GetSecretValue'] },
  '@aws-sdk/client-lambda': { InvokeCommand: ['lambda:InvokeFunction'] },
  // signing: the register step signs with the stack's KMS key
  '@aws-sdk/client-kms': { SignCommand: ['kms:Sign'], GetPublicKeyCommand: ['kms:GetPublicKey'] },
};

/** What each step calls on AWS (read from its use case): the grants it cannot work without. */
const REQUIRED: Readonly<Record<string, readonly string[]>> = {
  register: [
    'dynamodb:GetItem',
    'dynamodb:Query',
    'dynamodb:PutItem',
    's3:PutObject',
    's3:GetObject',
    's3:ListBucket',
    's3:DeleteObject',
    'sns:Publish',
  ],
  evaluate: [
    'dynamodb:GetItem',
    'dynamodb:Query',
    'dynamodb:PutItem',
    's3:GetObject',
    's3:ListBucket',
    'lambda:InvokeFunction',
    'sns:Publish',
  ],
  compare: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'],
  promote: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'sns:Publish'],
  'request-approval': [
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'sns:Publish',
    'secretsmanager:GetSecretValue',
  ],
  'approval-decision': [
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'sns:Publish',
    'secretsmanager:GetSecretValue',
    'states:SendTaskSuccess',
    'states:SendTaskFailure',
  ],
  'notify-slack': ['secretsmanager:GetSecretValue'],
  http: [
    'dynamodb:GetItem',
    'dynamodb:BatchGetItem',
    'dynamodb:Query',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    's3:PutObject',
    's3:GetObject',
    's3:ListBucket',
    's3:DeleteObject',
    'sns:Publish',
    'secretsmanager:GetSecretValue',
    'states:SendTaskSuccess',
    'states:SendTaskFailure',
    'lambda:InvokeFunction',
  ],
  rollback: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'sns:Publish'],
  archive: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'sns:Publish'],
  webhooks: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
  'monitor-report': [
    'dynamodb:GetItem',
    'dynamodb:Query',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'sns:Publish',
  ],
  'archival-policy': [
    'dynamodb:GetItem',
    'dynamodb:Query',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'sns:Publish',
  ],
};

/** What a step must not be able to do although its bundle reaches the code for it. */
const FORBIDDEN: Readonly<Record<string, readonly string[]>> = {
  compare: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'sns:Publish', 's3:GetObject'],
  promote: ['s3:GetObject', 's3:PutObject', 'lambda:InvokeFunction', 'states:SendTaskSuccess'],
  'notify-slack': ['dynamodb:GetItem', 'sns:Publish', 's3:GetObject'],
};

/** Actions of the runtime, not of the handler code: logs, traces, the function's own DLQ, keys. */
const PLATFORM = /^(logs|xray|kms):|^sqs:SendMessage$/;

/** The repository modules a handler's bundle holds (esbuild's own module graph). */
async function modulesOf(entry: string): Promise<string[]> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'silent',
    absWorkingDir: repoRoot(),
  });
  return Object.keys(result.metafile.inputs).filter((p) => !p.includes('node_modules'));
}

/** The `new XxxCommand(` calls of a module, with the SDK package each command comes from. */
function sdkCommandsIn(source: string): { pkg: string; command: string }[] {
  const imported: { pkg: string; names: string[] }[] = [];
  const patterns = [
    /import\s*\{([^}]*)\}\s*from\s*'(@aws-sdk\/[^']+)'/g,
    /const\s*\{([^}]*)\}\s*=\s*await\s+import\(\s*'(@aws-sdk\/[^']+)'\s*\)/g,
  ];
  for (const pattern of patterns) {
    for (const m of source.matchAll(pattern)) {
      const names = (m[1] ?? '')
        .split(',')
        .map((n) => n.trim().replace(/^type\s+/, ''))
        .filter((n) => n.endsWith('Command'));
      imported.push({ pkg: m[2] ?? '', names });
    }
  }
  return imported.flatMap(({ pkg, names }) =>
    names.filter((command) => source.includes(`new ${command}(`)).map((command) => ({ pkg, command })),
  );
}

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

const list = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x]);

describe('function permissions, from the code', () => {
  let synth: SynthesizedApp;
  let json: CfnTemplate;
  const reachable = new Map<string, Map<string, string[]>>();

  /** The statements of a function role's policies. */
  const statementsOf = (dir: string): Statement[] => {
    const fn = (synth.stacks.stateless.functions as Record<string, RegistryFunction>)[dir]!;
    const role = logicalIdOf(fn.role);
    return resourcesOf(json, 'AWS::IAM::Policy')
      .filter(([, p]) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: role }]))
      .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
  };
  const actionsOf = (dir: string) => new Set(statementsOf(dir).flatMap((s) => list(s.Action)));

  afterAll(() => synth?.dispose());

  beforeAll(async () => {
    synth = synthesizeApp();
    json = synth.statelessJson;
    for (const { dir } of HANDLERS) {
      const commands = new Map<string, string[]>();
      for (const file of await modulesOf(handlerEntry(dir))) {
        for (const { pkg, command } of sdkCommandsIn(readFileSync(join(repoRoot(), file), 'utf8'))) {
          const actions = ACTIONS_OF_COMMAND[pkg]?.[command];
          if (!actions)
            throw new Error(`${file} calls ${command} of ${pkg}: add its IAM actions to ACTIONS_OF_COMMAND`);
          commands.set(`${pkg}#${command}`, [...actions]);
        }
      }
      reachable.set(dir, commands);
    }
  });

  it('finds the registry data access in the bundles (DynamoDB, S3, SNS) and the handlers own calls', () => {
    // Assess
    const register = [...(reachable.get('register')?.keys() ?? [])];
    expect(register).toEqual(
      expect.arrayContaining([
        '@aws-sdk/lib-dynamodb#TransactWriteCommand',
        '@aws-sdk/client-s3#PutObjectCommand',
        '@aws-sdk/client-sns#PublishCommand',
      ]),
    );
    expect([...(reachable.get('approval-decision')?.keys() ?? [])]).toEqual(
      expect.arrayContaining([
        '@aws-sdk/client-sfn#SendTaskSuccessCommand',
        '@aws-sdk/client-secrets-manager#GetSecretValueCommand',
      ]),
    );
  });

  it.each(HANDLERS.map((h) => h.dir))('%s holds no action its code cannot call', (dir) => {
    // Prepare
    const allowed = new Set([...(reachable.get(dir)?.values() ?? [])].flat());

    // Assess
    const extra = [...actionsOf(dir)].filter((a) => !PLATFORM.test(a) && !allowed.has(a));
    expect(extra).toEqual([]);
  });

  it.each(HANDLERS.map((h) => h.dir))(
    '%s holds every action its step calls, and nothing it must not do',
    (dir) => {
      // Act
      const actions = actionsOf(dir);

      // Assess
      expect([...(REQUIRED[dir] ?? [])].filter((a) => !actions.has(a))).toEqual([]);
      expect([...(FORBIDDEN[dir] ?? [])].filter((a) => actions.has(a))).toEqual([]);
    },
  );

  it('scopes every action to the resource it is for', () => {
    // Prepare
    const expectations: [RegExp, (resource: string) => boolean][] = [
      [/^dynamodb:/, (r) => r.includes('RegistryTable')],
      [
        /^s3:ListBucket$/,
        (r) => r.includes('ArtifactBucket') || r.includes(`:s3:::${TEST_CONTEXT.trainingOutputBuckets}"`),
      ],
      [
        /^s3:/,
        (r) =>
          r ===
            JSON.stringify({
              'Fn::Join': ['', [{ 'Fn::ImportValue': 'modelreg-test-artifact-bucket-arn' }, '/*']],
            }) || r.includes(`:s3:::${TEST_CONTEXT.trainingOutputBuckets}/*`),
      ],
      [/^sns:Publish$/, (r) => r.includes('NotificationTopic')],
      [/^kms:/, (r) => r.includes('DataKey') || r.includes('MessagingKey') || r.includes('SigningKey')],
      [/^states:/, (r) => r.includes(':stateMachine:modelreg-test-promotion')],
      [/^lambda:InvokeFunction$/, (r) => r.includes(TEST_CONTEXT.evaluatorArns)],
      [/^secretsmanager:/, (r) => r.includes('ApprovalSigningSecret') || r.includes('SlackWebhookSecret')],
      [/^logs:/, (r) => r.includes('LogGroup')],
      [/^sqs:SendMessage$/, (r) => r.includes('DeadLetterQueue')],
      [/^xray:/, (r) => r === '"*"'],
    ];

    // Assess
    for (const { dir } of HANDLERS) {
      for (const statement of statementsOf(dir)) {
        expect(statement.Effect).toBe('Allow');
        for (const action of list(statement.Action)) {
          const check = expectations.find(([pattern]) => pattern.test(action));
          expect(check, `${dir}: no expectation for ${action}`).toBeDefined();
          for (const resource of list(statement.Resource)) {
            expect(
              check?.[1](JSON.stringify(resource)),
              `${dir}: ${action} on ${JSON.stringify(resource)}`,
            ).toBe(true);
          }
        }
      }
    }
  });

  it('lets only the register function read the training output buckets, and only GetObject and ListBucket', () => {
    // Assess
    for (const { dir } of HANDLERS) {
      const reads = statementsOf(dir).filter((st) =>
        JSON.stringify(st.Resource).includes(TEST_CONTEXT.trainingOutputBuckets),
      );
      if (dir === 'register') {
        expect(reads.flatMap((st) => list(st.Action)).sort()).toEqual(['s3:GetObject', 's3:ListBucket']);
      } else {
        expect(reads, dir).toEqual([]);
      }
    }
  });

  it('grants Query on the table and on its three indexes by name, never index/*', () => {
    // Assess
    for (const { dir } of HANDLERS.filter((h) => h.table !== 'none')) {
      const query = statementsOf(dir).find((s) => list(s.Action).includes('dynamodb:Query'));
      const resources = JSON.stringify(query?.Resource);
      expect(resources).toContain('/index/GSI1');
      expect(resources).toContain('/index/GSI2');
      expect(resources).toContain('/index/GSI3');
      expect(resources).not.toContain('/index/*');
    }
  });
});

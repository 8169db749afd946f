/**
 * One handler of lambdas/ as a Lambda function: bundled from its TypeScript by the local
 * esbuild (ESM, Node 22, arm64), with its own role (no managed policies: the stack grants
 * what the code uses), its own log group with a retention, and X-Ray tracing.
 */
import { Duration, RemovalPolicy, Size, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ESM_REQUIRE_BANNER, HANDLER_BUNDLE } from './bundle-options.js';
import type { HandlerSpec } from './handlers.js';
import { handlerEntry, lockFile, repoRoot } from './paths.js';

export { ESM_REQUIRE_BANNER };

/** Settings of one handler's function. */
export interface RegistryFunctionProps {
  /** Which handler, and its memory and timeout. */
  readonly spec: HandlerSpec;
  /** Its environment variables (the MODELREG_* settings its code reads). */
  readonly environment: Readonly<Record<string, string>>;
  /** How long its logs are kept. */
  readonly logRetention: logs.RetentionDays;
  /**
   * Where asynchronous invocations that still fail after Lambda's retries go.
   * @default none (the function is only invoked synchronously)
   */
  readonly deadLetterQueue?: sqs.IQueue;
}

/** A handler of lambdas/ deployed as a function, with its role and log group. */
export class RegistryFunction extends Construct {
  /** The function. */
  readonly function: nodejs.NodejsFunction;
  /** Its execution role: logs and tracing only, until the stack grants more. */
  readonly role: iam.Role;
  /** Its log group. */
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: RegistryFunctionProps) {
    super(scope, id);
    const { spec } = props;

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${spec.id}: ${spec.description}`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: handlerEntry(spec.dir),
      handler: 'handler',
      projectRoot: repoRoot(),
      depsLockFilePath: lockFile(),
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      description: spec.description,
      memorySize: spec.memorySize,
      timeout: Duration.seconds(spec.timeoutSeconds),
      ephemeralStorageSize: Size.mebibytes(spec.ephemeralStorageMiB),
      role: this.role,
      logGroup: this.logGroup,
      tracing: lambda.Tracing.ACTIVE,
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      ...(props.deadLetterQueue ? { deadLetterQueue: props.deadLetterQueue } : {}),
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: HANDLER_BUNDLE.target,
        mainFields: [...HANDLER_BUNDLE.mainFields],
        banner: HANDLER_BUNDLE.banner,
        // The hot-path SDK clients are bundled, not taken from the runtime: the code relies on
        // recent S3 features (conditional writes, checksums), so it runs on the versions it was
        // tested with. The rare-path clients are the runtime's (bundle-options.ts says why).
        bundleAwsSDK: true,
        externalModules: [...HANDLER_BUNDLE.external],
        minify: HANDLER_BUNDLE.minify,
        keepNames: HANDLER_BUNDLE.keepNames,
        sourceMap: true,
        sourcesContent: false,
        forceDockerBundling: false,
        logLevel: nodejs.LogLevel.WARNING,
        ...(spec.packageFiles?.length
          ? {
              commandHooks: {
                beforeBundling: () => [],
                beforeInstall: () => [],
                // offline: the files come from the project's own node_modules, no npm install
                afterBundling: (inputDir: string, outputDir: string) =>
                  (spec.packageFiles ?? []).flatMap((name) => [
                    `mkdir -p "${outputDir}/node_modules/${name}"`,
                    `cp -RL "${inputDir}/node_modules/${name}/package.json" "${inputDir}/node_modules/${name}/dist" "${outputDir}/node_modules/${name}/"`,
                  ]),
              },
            }
          : {}),
      },
    });

    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        `${spec.id} runs on nodejs22.x on purpose: the handlers, the local workflow runner and the tests ` +
        'are built and run on Node 22; moving to a newer runtime is an upgrade with its own test run.',
    });
  }
}

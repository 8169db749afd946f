/**
 * How every handler is bundled, as plain data: the CDK functions (registry-function.ts),
 * the bundle test and the bench all build from this one description, so what is measured
 * and tested is what is deployed.
 */
import type { BuildOptions } from 'esbuild';

/**
 * Defines `require` in the ESM bundle: CommonJS dependencies bundled into it (the AWS SDK's
 * and Powertools' internals) call `require` for Node built-ins.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __modelregCreateRequire } from 'node:module'; const require = __modelregCreateRequire(import.meta.url);";

/**
 * SDK clients left out of the bundles and taken from the nodejs22.x runtime, which ships AWS
 * SDK v3. Each is loaded with a dynamic import on a rare path only (an evaluator call, the
 * approval secret on first use, answering a waiting workflow) and uses one long-stable
 * command (Invoke, GetSecretValue, SendTaskSuccess/SendTaskFailure), so the runtime's
 * version is enough. The clients of the hot path (DynamoDB, S3, SNS) stay bundled at the
 * versions the tests ran: the S3 store relies on conditional writes and checksums.
 */
export const RUNTIME_PROVIDED_MODULES = [
  '@aws-sdk/client-lambda',
  '@aws-sdk/client-secrets-manager',
  '@aws-sdk/client-sfn',
] as const;

/** The esbuild settings of a handler bundle (NodejsFunction passes the same flags). */
export const HANDLER_BUNDLE = {
  format: 'esm',
  target: 'node22',
  platform: 'node',
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_BANNER,
  external: RUNTIME_PROVIDED_MODULES,
  minify: true,
  keepNames: true,
} as const;

/** esbuild options that bundle one handler entry exactly as infra does, with a metafile. */
export function handlerBuildOptions(entry: string, outfile: string): BuildOptions {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: HANDLER_BUNDLE.format,
    target: HANDLER_BUNDLE.target,
    platform: HANDLER_BUNDLE.platform,
    mainFields: [...HANDLER_BUNDLE.mainFields],
    banner: { js: HANDLER_BUNDLE.banner },
    external: [...HANDLER_BUNDLE.external],
    minify: HANDLER_BUNDLE.minify,
    keepNames: HANDLER_BUNDLE.keepNames,
    metafile: true,
    logLevel: 'warning',
  };
}

/**
 * Builds the CDK app the way `cdk synth` does (the feature flags of cdk.json, the settings
 * as context) and synthesizes it once, for one test file. Bundling the ten handlers is
 * skipped unless asked for (it is what `bundling.test.ts` checks); the templates are the
 * same either way, only the code assets differ.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { addModelregStacks, type ModelregStacks, settingsFromContext } from '../../infra/modelreg-app.js';

/** The settings the test app is built with (as `-c key=value` would give them). */
export const TEST_CONTEXT = {
  environment: 'test',
  notificationEmails: 'ml-team@example.com,risk-oncall@example.com',
  operationsEmails: 'platform-oncall@example.com',
  archivalUseCases: 'fraud,churn',
  evaluatorArns: 'arn:aws:lambda:eu-west-1:123456789012:function:fraud-evaluator',
  trainingOutputBuckets: 'ml-training-output',
} as const;

/** One synthesized app and its two templates. */
export interface SynthesizedApp {
  app: App;
  stacks: ModelregStacks;
  stateful: Template;
  stateless: Template;
  /** The raw stateless template (Resources, Outputs …). */
  statelessJson: CfnTemplate;
  statefulJson: CfnTemplate;
  outdir: string;
  /** Removes the cloud assembly (and its bundles). */
  dispose: () => void;
}

/** A CloudFormation template as JSON. */
export interface CfnTemplate {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string }>;
  Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
}

const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};

/** Synthesizes the app; a cdk-nag failure is reported finding by finding. */
export function synthesizeApp(
  options: { bundle?: boolean; context?: Record<string, unknown> } = {},
): SynthesizedApp {
  const outdir = mkdtempSync(join(tmpdir(), 'modelreg-cdk-'));
  const app = new App({
    outdir,
    context: {
      ...cdkJson.context,
      ...TEST_CONTEXT,
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...options.context,
    },
  });
  const stacks = addModelregStacks(app, settingsFromContext(app.node));
  try {
    app.synth();
  } catch (e) {
    const findings = new AwsSolutionsChecks()
      .validateScope(app)
      .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`));
    throw new Error(`${(e as Error).message}\n${findings.join('\n')}`);
  }
  const stateful = Template.fromStack(stacks.stateful);
  const stateless = Template.fromStack(stacks.stateless);
  return {
    app,
    stacks,
    stateful,
    stateless,
    statefulJson: stateful.toJSON() as CfnTemplate,
    statelessJson: stateless.toJSON() as CfnTemplate,
    outdir,
    dispose: () => rmSync(outdir, { recursive: true, force: true }),
  };
}

/** The logical ID a construct's CloudFormation resource has in its stack's template. */
export function logicalIdOf(construct: IConstruct): string {
  const resource = (construct.node.defaultChild ?? construct) as CfnResource;
  return Stack.of(construct).resolve(resource.logicalId) as string;
}

/** The resources of one type in a template, by logical ID. */
export function resourcesOf(
  template: CfnTemplate,
  type: string,
): [string, { Type: string; Properties: Record<string, unknown> }][] {
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === type)
    .map(([id, r]) => [id, { Type: r.Type, Properties: r.Properties ?? {} }]);
}

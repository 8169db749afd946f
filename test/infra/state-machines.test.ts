import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegistryFunction } from '../../infra/registry-function.js';
import { RegisterInputSchema } from '../../src/app/steps.js';
import {
  loadDefinition,
  placeholdersOf,
  substitute,
  WORKFLOWS,
  type WorkflowName,
} from '../../src/workflows/asl.js';
import {
  LAMBDA_PLACEHOLDERS,
  LOCAL_PLACEHOLDER_VALUES,
  localDefinition,
  type PublishedNotification,
  runWorkflowLocally,
} from '../../src/workflows/local-runner.js';
import { applyInputTransformer } from './eventbridge.js';
import { logicalIdOf, resourcesOf, type SynthesizedApp, synthesizeApp } from './synth-app.js';

type Payload = Record<string, unknown>;

/** `requestApproval` → `request-approval`: the handler directory of a local binding. */
const dirOf = (binding: string) => binding.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

interface MachineProps {
  DefinitionString: unknown;
  DefinitionSubstitutions: Record<string, unknown>;
  RoleArn: { 'Fn::GetAtt': [string, string] };
}

describe('state machines', () => {
  let synth: SynthesizedApp;
  let machine: (workflow: WorkflowName) => MachineProps;
  let fnArn: (dir: string) => unknown;

  afterAll(() => synth?.dispose());

  beforeAll(() => {
    synth = synthesizeApp();
    const json = synth.statelessJson;
    machine = (workflow) =>
      json.Resources[logicalIdOf(synth.stacks.stateless.stateMachines[workflow])]
        ?.Properties as unknown as MachineProps;
    const functions = synth.stacks.stateless.functions as Record<string, RegistryFunction>;
    fnArn = (dir) => ({ 'Fn::GetAtt': [logicalIdOf(functions[dir]!.function), 'Arn'] });
  });

  describe.each(WORKFLOWS)('%s', (workflow) => {
    it('deploys the repository definition byte for byte, placeholders unsubstituted', async () => {
      // Assess
      expect(machine(workflow).DefinitionString).toBe(await loadDefinition(workflow));
    });

    it('substitutes every placeholder the definition uses, and no other', async () => {
      // Prepare
      const used = placeholdersOf(await loadDefinition(workflow));

      // Assess
      expect(Object.keys(machine(workflow).DefinitionSubstitutions).sort()).toEqual(used);
    });

    it("puts each function's ARN in its placeholder and the notification topic in NotificationTopicArn", () => {
      // Prepare
      const substitutions = machine(workflow).DefinitionSubstitutions;

      // Assess
      for (const [placeholder, value] of Object.entries(substitutions)) {
        if (placeholder === 'NotificationTopicArn') {
          expect(JSON.stringify(value)).toContain('NotificationTopic');
        } else {
          const binding = LAMBDA_PLACEHOLDERS[placeholder as keyof typeof LAMBDA_PLACEHOLDERS];
          expect(value, placeholder).toEqual(fnArn(dirOf(binding)));
        }
      }
    });

    it('may invoke exactly the functions it names, and publish to the notification topic', () => {
      // Prepare
      const { DefinitionSubstitutions: substitutions, RoleArn } = machine(workflow);
      const role = RoleArn['Fn::GetAtt'][0];
      const statements = resourcesOf(synth.statelessJson, 'AWS::IAM::Policy')
        .filter(([, p]) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: role }]))
        .flatMap(
          ([, p]) =>
            (p.Properties.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] })
              .Statement,
        );
      const invoke = statements.find((s) => s.Action === 'lambda:InvokeFunction');
      const named = Object.entries(substitutions)
        .filter(([p]) => p !== 'NotificationTopicArn')
        .map(([, arn]) => arn);

      // Assess
      expect(new Set(invoke?.Resource as unknown[])).toEqual(
        new Set(named.flatMap((arn) => [arn, { 'Fn::Join': ['', [arn, ':$LATEST']] }])),
      );
      expect(statements.some((s) => s.Action === 'sns:Publish')).toBe(true);
    });

    it('is, with the local dummy ARNs in place, the definition the local runner executes', async () => {
      // Prepare
      const { DefinitionString, DefinitionSubstitutions } = machine(workflow);
      const values = Object.fromEntries(
        Object.keys(DefinitionSubstitutions).map((p) => [
          p,
          LOCAL_PLACEHOLDER_VALUES[p as keyof typeof LOCAL_PLACEHOLDER_VALUES],
        ]),
      );

      // Act
      const deployed = JSON.parse(substitute(DefinitionString as string, values));

      // Assess
      expect(deployed).toEqual(await localDefinition(workflow));
    });
  });

  it('runs the deployed promotion definition end to end from a SageMaker event to a promotion', async () => {
    // Prepare: the input the SageMaker rule sends, and stubs answering like the handlers
    const rule = resourcesOf(synth.statelessJson, 'AWS::Events::Rule')
      .map(
        ([, r]) =>
          r.Properties as { EventPattern: { source: string[] }; Targets: { InputTransformer: never }[] },
      )
      .find((r) => r.EventPattern.source.includes('aws.sagemaker'));
    const event = JSON.parse(
      readFileSync(new URL('../events/sagemaker-training-completed.json', import.meta.url), 'utf8'),
    ) as Payload;
    const input = JSON.parse(
      applyInputTransformer(rule?.Targets[0]?.InputTransformer as never, event),
    ) as Payload;
    const calls: string[] = [];
    const published: PublishedNotification[] = [];
    const step = (name: string, answer: (p: Payload) => unknown) => async (p: unknown) => {
      calls.push(name);
      return answer(p as Payload);
    };

    // Act
    const result = await runWorkflowLocally(
      'promotion',
      input,
      {
        lambdas: {
          register: step('register', (p) => {
            const parsed = RegisterInputSchema.parse(p);
            return {
              useCase: parsed.useCase,
              modelName: parsed.modelName,
              version: '1.4.0',
              stage: 'development',
              sha256: 'a'.repeat(64),
              alreadyRegistered: false,
            };
          }),
          evaluate: step('evaluate', () => ({
            evaluated: true,
            evalSetId: 'es-1',
            metrics: { auc: 0.93 },
            evaluator: 'builtin:logistic-regression',
            reason: null,
          })),
          compare: step('compare', () => ({
            comparable: true,
            champion: '1.3.0',
            evalSetId: 'es-1',
            metrics: { auc: { a: 0.93, b: 0.9, delta: 0.03 } },
            confidence: 0.97,
            gates: [{ gate: 'min_auc', passed: true, actual: 0.93, threshold: 0.85 }],
            gatesPassed: true,
            reason: null,
            requireApproval: true,
            approvalTimeoutSeconds: 3600,
          })),
          promote: step('promote', (p) => ({
            promoted: true,
            version: p.version,
            stage: p.targetStage,
            archivedVersion: null,
            supersededVersion: p.targetStage === 'production' ? '1.3.0' : null,
          })),
          requestApproval: step('requestApproval', () => ({
            approvalId: 'apr-1',
            expiresAt: '2030-01-01T00:00:00.000Z',
            status: 'pending',
          })),
          approvalDecision: step('approvalDecision', () => {
            throw new Error('no expiry expected');
          }),
        },
        publish: async (n) => {
          published.push(n);
        },
        waitForDecision: async () => ({ approved: true, approvalId: 'apr-1', by: 'carol' }),
      },
      { retryIntervalMs: 1 },
    );

    // Assess
    expect(result).toMatchObject({
      status: 'SUCCEEDED',
      output: { promoted: true, version: '1.4.0', supersededVersion: '1.3.0' },
    });
    expect(calls).toEqual(['register', 'evaluate', 'compare', 'promote', 'requestApproval', 'promote']);
    expect(published.map((n) => n.attributes.eventType)).toEqual(['workflow.promotion.succeeded']);
    expect(published[0]?.topicArn).toBe(LOCAL_PLACEHOLDER_VALUES.NotificationTopicArn);
  });
});

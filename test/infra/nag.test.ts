import { Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, NagPack } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SynthesizedApp, synthesizeApp } from './synth-app.js';

interface Acknowledgement {
  id: string;
  reason: string;
  construct: IConstruct;
}

/** Every `Validations.of(x).acknowledge()` in the app, with where it was made. */
function acknowledgements(root: IConstruct): Acknowledgement[] {
  const out: Acknowledgement[] = [];
  const visit = (c: IConstruct) => {
    for (const entry of c.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        out.push({ id: id.replace(/^annotation::/i, ''), reason, construct: c });
      }
    }
    for (const child of c.node.children) visit(child);
  };
  visit(root);
  return out;
}

/** What AwsSolutions finds when no acknowledgement counts: rule ID and construct path. */
function everyFinding(root: IConstruct): { rule: string; path: string }[] {
  const proto = NagPack.prototype as unknown as { isAcknowledged: (...args: unknown[]) => boolean };
  const original = proto.isAcknowledged;
  proto.isAcknowledged = () => false;
  try {
    return new AwsSolutionsChecks()
      .validateScope(root)
      .violations.flatMap((v) =>
        v.violatingResources.map((r) => ({ rule: v.ruleName, path: r.constructPath ?? '' })),
      );
  } finally {
    proto.isAcknowledged = original;
  }
}

const GENERIC_IDS = new Set(['Resource', 'Default', 'Role', 'Function', 'DefaultPolicy']);

describe('cdk-nag AwsSolutions checks', () => {
  let synth: SynthesizedApp;
  let acks: Acknowledgement[];

  afterAll(() => synth?.dispose());

  beforeAll(() => {
    synth = synthesizeApp();
    acks = acknowledgements(synth.app);
  });

  it('leaves no finding unacknowledged in either stack', () => {
    // Act
    const report = new AwsSolutionsChecks().validateScope(synth.app);

    // Assess
    const findings = report.violations.flatMap((v) =>
      v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`),
    );
    expect(findings).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('reports no AwsSolutions error or warning annotations on either stack', () => {
    // Act
    const annotations = [synth.stacks.stateful, synth.stacks.stateless].flatMap((stack) => [
      ...Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*')),
      ...Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*')),
    ]);

    // Assess
    expect(annotations).toEqual([]);
  });

  it('acknowledges findings on the resources they concern, never on the app or a whole stack', () => {
    // Assess
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.construct.node.scope, `${ack.id} acknowledged on the app`).toBeDefined();
      expect(Stack.isStack(ack.construct), `${ack.id} acknowledged on stack ${ack.construct.node.path}`).toBe(
        false,
      );
    }
  });

  it('acknowledges only findings that exist: each acknowledgement silences one on its resource', () => {
    // Act
    const findings = everyFinding(synth.app);

    // Assess
    const stale = acks.filter(
      (ack) =>
        !findings.some(
          (f) =>
            f.rule === ack.id &&
            (f.path === ack.construct.node.path || f.path.startsWith(`${ack.construct.node.path}/`)),
        ),
    );
    expect(stale.map((a) => `${a.id} at ${a.construct.node.path}`)).toEqual([]);
  });

  it('gives each acknowledgement its own reason, naming the resource it concerns', () => {
    // Assess
    for (const ack of acks) {
      const names = ack.construct.node.path
        .split('/')
        .slice(1)
        .filter((id) => !GENERIC_IDS.has(id));
      expect(ack.reason.length, `reason of ${ack.id} at ${ack.construct.node.path}`).toBeGreaterThan(60);
      expect(
        names.some((name) => ack.reason.includes(name)),
        `reason of ${ack.id} at ${ack.construct.node.path} names none of ${names.join(', ')}: ${ack.reason}`,
      ).toBe(true);
    }
    const reasons = acks.map((a) => a.reason);
    expect(new Set(reasons).size).toBe(reasons.length);
  });
});

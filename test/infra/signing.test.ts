/**
 * Signing on AWS: the stateful stack creates an asymmetric ECC_NIST_P256 SIGN_VERIFY key,
 * and the stateless stack lets only the function that signs (register) use it, with
 * kms:Sign and kms:GetPublicKey, and tells it the key by MODELREG_SIGNING_KEY_ID.
 * Verifiers read the stored public keys and need no KMS permission.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HANDLERS } from '../../infra/handlers.js';
import type { RegistryFunction } from '../../infra/registry-function.js';
import { logicalIdOf, resourcesOf, type SynthesizedApp, synthesizeApp } from './synth-app.js';

describe('signing key and grants', () => {
  let synth: SynthesizedApp;

  beforeAll(() => {
    synth = synthesizeApp();
  });

  afterAll(() => synth.dispose());

  /** Every IAM statement of the function's role policies. */
  function statementsOf(dir: string): { Action: string | string[]; Resource: unknown }[] {
    const fn = (synth.stacks.stateless.functions as Record<string, RegistryFunction>)[dir]!;
    const role = logicalIdOf(fn.role);
    return resourcesOf(synth.statelessJson, 'AWS::IAM::Policy')
      .filter(([, p]) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: role }]))
      .flatMap(
        ([, p]) =>
          (p.Properties.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] })
            .Statement,
      );
  }

  const actions = (s: { Action: string | string[] }) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

  it('creates an ECC_NIST_P256 SIGN_VERIFY key, kept on stack deletion, and outputs its ARN', () => {
    // Assess
    synth.stateful.hasResource('AWS::KMS::Key', {
      Properties: { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' },
      DeletionPolicy: 'Retain',
    });
    expect(Object.keys(synth.statefulJson.Outputs ?? {})).toContain('SigningKeyArn');
  });

  it('grants kms:Sign and kms:GetPublicKey on the signing key to the register function only', () => {
    // Assess
    for (const { dir } of HANDLERS) {
      const signing = statementsOf(dir).filter((s) => actions(s).includes('kms:Sign'));
      if (dir === 'register') {
        expect(signing).toHaveLength(1);
        expect(actions(signing[0]!).sort()).toEqual(['kms:GetPublicKey', 'kms:Sign']);
        expect(JSON.stringify(signing[0]!.Resource)).toContain('SigningKey');
      } else {
        expect(signing, dir).toEqual([]);
        expect(
          statementsOf(dir).filter((s) => JSON.stringify(s.Resource).includes('SigningKey')),
          dir,
        ).toEqual([]);
      }
    }
  });

  it('tells the register function its signing key, and no other function', () => {
    // Assess
    const fns = resourcesOf(synth.statelessJson, 'AWS::Lambda::Function');
    const withKey = fns.filter(([, f]) =>
      JSON.stringify(f.Properties.Environment ?? {}).includes('MODELREG_SIGNING_KEY_ID'),
    );
    expect(withKey).toHaveLength(1);
    expect(String(withKey[0]![1].Properties.Description)).toContain('registers the version');
  });
});

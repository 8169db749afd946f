import { describe, expect, it } from 'vitest';
import { EMPTY_TIP, GENESIS_HASH } from '../../src/core/audit.js';
import { aliasesOf, emptyHead, ModelHeadSchema } from '../../src/core/head.js';
import { DEFAULT_POLICY } from '../../src/core/policy.js';

const REF = { useCase: 'fraud', modelName: 'detector' };
const NOW = '2025-01-01T00:00:00.000Z';

describe('emptyHead', () => {
  it('starts at revision 0 with nothing registered and the genesis tip', () => {
    // Act
    const head = emptyHead(REF, NOW);

    // Assess
    expect(head).toMatchObject({
      useCase: 'fraud',
      modelName: 'detector',
      revision: 0,
      createdAt: NOW,
      updatedAt: NOW,
      latestVersion: null,
      versionCount: 0,
      production: null,
      previousProductionVersion: null,
      supersededAt: {},
      aliases: {},
      policy: DEFAULT_POLICY,
      auditTip: { seq: 0, hash: GENESIS_HASH },
    });
    expect(ModelHeadSchema.safeParse(head).success).toBe(true);
  });

  it('gives every head its own audit tip object', () => {
    // Act
    const a = emptyHead(REF, NOW);
    const b = emptyHead(REF, NOW);

    // Assess
    expect(a.auditTip).not.toBe(b.auditTip);
    expect(a.auditTip).not.toBe(EMPTY_TIP);
  });
});

describe('aliasesOf', () => {
  it.each([
    [{ champion: '1.0.0', stable: '1.0.0', canary: '2.0.0' }, '1.0.0', ['champion', 'stable']],
    [{ zed: '1.0.0', alpha: '1.0.0' }, '1.0.0', ['alpha', 'zed']],
    [{ canary: '2.0.0' }, '1.0.0', []],
    [{}, '1.0.0', []],
  ])('lists the aliases of %j pointing at %s, sorted', (aliases, version, expected) => {
    // Prepare
    const head = { ...emptyHead(REF, NOW), aliases };

    // Act / Assess
    expect(aliasesOf(head, version)).toEqual(expected);
  });

  it('gives no aliases without a head', () => {
    // Act / Assess
    expect(aliasesOf(null, '1.0.0')).toEqual([]);
  });
});

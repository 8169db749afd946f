/** The promotion workflow's compare step reports the require_model_card gates before it promotes. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Registry } from '../../src/app/registry.js';
import { type LocalBackend, makeLocalBackend } from '../support/local-backend.js';

const ref = { useCase: 'crm', modelName: 'churn' };
let backend: LocalBackend;
let reg: Registry;
let work: string;

beforeEach(async () => {
  backend = await makeLocalBackend();
  reg = backend.registry({ actor: 'workflow-tester' });
  work = await mkdtemp(join(tmpdir(), 'modelreg-card-gates-'));
});
afterEach(async () => {
  await backend.cleanup();
  await rm(work, { recursive: true, force: true });
});

describe('compareWithProduction with a model card policy', () => {
  it('fails the gates while the card lacks a required section, and passes once it has them', async () => {
    // Prepare
    await writeFile(join(work, 'm.bin'), 'weights');
    const v = await reg.register({ ...ref, artifactPath: join(work, 'm.bin'), metrics: { auc: 0.9 } });
    await reg.setPolicy({
      ...ref,
      policy: { requireModelCard: { staging: ['intended_use'], production: ['intended_use', 'owners'] } },
    });

    // Act
    const before = await reg.compareWithProduction({ ...ref, version: v.version });
    await reg.setCard({
      ...ref,
      version: v.version,
      text: 'intended_use: x\nowners: ml team\n',
      format: 'yaml',
    });
    const after = await reg.compareWithProduction({ ...ref, version: v.version });

    // Assess
    expect(before.gatesPassed).toBe(false);
    expect(before.gates.filter((g) => g.gate === 'require_model_card').map((g) => g.threshold)).toEqual([
      ['intended_use'],
      ['intended_use', 'owners'],
    ]);
    expect(before.reason).toContain('require_model_card: missing intended_use, owners');
    expect(after.gatesPassed).toBe(true);
  });
});

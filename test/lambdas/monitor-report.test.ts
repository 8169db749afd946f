/** lambdas/monitor-report: the live metric report handler, in-process on an embedded registry. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler } from '../../lambdas/monitor-report/index.js';
import { useRegistry } from '../../lambdas/shared/runtime.js';
import type { Registry } from '../../src/app/registry.js';
import type { ContractBackend } from '../contract/registry-contract.js';
import { makeLocalBackend } from '../support/local-backend.js';

const ref = { useCase: 'fraud', modelName: 'detector' };

describe('lambdas/monitor-report', () => {
  let backend: ContractBackend;
  let reg: Registry;
  let dir: string;

  beforeAll(async () => {
    backend = await makeLocalBackend();
    reg = backend.registry({ actor: 'modelreg-workflow' });
    useRegistry(reg);
    dir = await mkdtemp(join(tmpdir(), 'modelreg-lambda-monitor-'));
    await writeFile(join(dir, 'm.bin'), 'm');
    for (const version of ['1.0.0', '1.1.0']) {
      await reg.register({ ...ref, version, artifactPath: join(dir, 'm.bin') });
      await reg.promote({ ...ref, version, to: 'staging' });
      await reg.promote({ ...ref, version, to: 'production' });
    }
    await reg.setPolicy({
      ...ref,
      policy: { monitoring: [{ metric: 'auc', min: 0.8, sustainedFor: '2h', action: 'rollback' }] },
    });
  });
  afterAll(async () => {
    await backend?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('records reports and rolls back once when the breach is sustained, also when an event is redelivered', async () => {
    // Prepare
    const event = (at: string) => ({ ...ref, version: '1.1.0', metrics: { auc: 0.4 }, at, window: '1h' });
    // Act
    const first = await handler(event('2026-05-01T01:00:00Z'));
    const second = await handler(event('2026-05-01T02:00:00Z'));
    const redelivered = await handler(event('2026-05-01T02:00:00Z'));
    // Assess
    expect(first.rules[0]).toMatchObject({ state: 'breaching', outcome: 'none' });
    expect(second.rules[0]).toMatchObject({ outcome: 'acted', actedOn: { rolledBackTo: '1.0.0' } });
    expect(redelivered).toMatchObject({ recorded: 0, duplicates: 1 });
    expect((await reg.info({ ...ref, stage: 'production' })).version).toBe('1.0.0');
  });

  it('refuses an event that is not a report, naming the field', async () => {
    await expect(handler({ ...ref, version: '1.0.0', metrics: { auc: 'high' } })).rejects.toThrow(/metrics/);
    await expect(
      handler({ ...ref, version: '1.0.0', metrics: { auc: 1 }, window: 'a while' }),
    ).rejects.toMatchObject({ name: 'ValidationError' });
    // an event parsed from JSON keeps `__proto__` as an own key; it is refused by name
    const sneaky = { ...ref, version: '1.0.0', metrics: JSON.parse('{"auc": 0.9, "__proto__": 0.1}') };
    await expect(handler(sneaky)).rejects.toThrow(/metric name "__proto__" is not allowed/);
  });
});

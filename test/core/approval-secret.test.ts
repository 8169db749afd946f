/** The local approval secret lives in the store the registry was opened on, whatever MODELREG_STORE says. */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { approvalSecret, resetApprovalSecret } from '../../src/app/approval-secret.js';
import { openRegistry } from '../../src/index.js';

describe('the local approval secret', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'modelreg-secret-'));
    resetApprovalSecret();
  });
  afterEach(async () => {
    resetApprovalSecret();
    await rm(dir, { recursive: true, force: true });
  });

  it('is kept in the store given to openRegistry (--store), not in MODELREG_STORE or .modelreg', async () => {
    // Prepare
    const store = join(dir, 'flag-store');
    const envStore = join(dir, 'env-store');
    const env = { MODELREG_STORE: envStore };
    const registry = await openRegistry({ backend: 'local', store, env });

    // Act
    const secret = await approvalSecret(env);
    await registry.close();

    // Assess
    expect((await readFile(join(store, 'approval-secret'), 'utf8')).trim()).toBe(secret.toString('hex'));
    expect(existsSync(join(envStore, 'approval-secret'))).toBe(false);
  });

  it('changes with the store when another one is opened', async () => {
    // Prepare
    const first = await openRegistry({ backend: 'local', store: join(dir, 'a') });
    const a = await approvalSecret();
    await first.close();
    const second = await openRegistry({ backend: 'local', store: join(dir, 'b') });

    // Act
    const b = await approvalSecret();
    await second.close();

    // Assess
    expect(b.equals(a)).toBe(false);
    expect(existsSync(join(dir, 'b', 'approval-secret'))).toBe(true);
  });
});

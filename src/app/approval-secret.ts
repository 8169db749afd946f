/**
 * The secret that signs approve/reject links: from Secrets Manager on AWS
 * (MODELREG_APPROVAL_SECRET_ARN), or a file in the local store, created on first use.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

let cached: Promise<Buffer> | undefined;
let localStore: string | undefined;

/**
 * The store whose `approval-secret` file signs links in this process: openRegistry sets it
 * to the store it opened (the CLI's --store), which MODELREG_STORE alone would not say.
 */
export function useApprovalSecretStore(store: string): void {
  if (store !== localStore) cached = undefined;
  localStore = store;
}

/** The signing secret of this process (read once). */
export function approvalSecret(env: NodeJS.ProcessEnv = process.env): Promise<Buffer> {
  cached ??= load(env);
  return cached;
}

async function load(env: NodeJS.ProcessEnv): Promise<Buffer> {
  if (env.MODELREG_APPROVAL_SECRET_ARN) {
    const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    const out = await new SecretsManagerClient({}).send(
      new GetSecretValueCommand({ SecretId: env.MODELREG_APPROVAL_SECRET_ARN }),
    );
    if (!out.SecretString) throw new Error(`secret ${env.MODELREG_APPROVAL_SECRET_ARN} has no string value`);
    return Buffer.from(out.SecretString, 'utf8');
  }
  const file = join(localStore ?? (env.MODELREG_STORE || '.modelreg'), 'approval-secret');
  try {
    return Buffer.from((await readFile(file, 'utf8')).trim(), 'hex');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  await mkdir(dirname(file), { recursive: true });
  const secret = randomBytes(32);
  try {
    await writeFile(file, `${secret.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (e) {
    // another process created it first: use theirs
    if ((e as NodeJS.ErrnoException).code === 'EEXIST')
      return Buffer.from((await readFile(file, 'utf8')).trim(), 'hex');
    throw e;
  }
}

/** Forgets the cached secret (tests). */
export function resetApprovalSecret(): void {
  cached = undefined;
  localStore = undefined;
}

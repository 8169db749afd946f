/**
 * The CLI side of signing: where key files live (outside the registry, never in the
 * store), making one, and building the signer a command signs with (an Ed25519 key file,
 * or a KMS key on AWS).
 */
import { existsSync } from 'node:fs';
import { chmod, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { ConflictError, ValidationError } from '../core/errors.js';
import type { Signer } from '../core/ports.js';

/** The default folder of signing keys: ~/.config/modelreg/keys (or under XDG_CONFIG_HOME). */
export function defaultKeysDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'modelreg', 'keys');
}

/** Refuses a key path inside the embedded store: the registry never holds a private key. */
function refuseInsideStore(path: string, store: string | null): void {
  if (store === null) return;
  const inside = relative(resolve(store), path);
  if (inside === '' || (!inside.startsWith('..') && !isAbsolute(inside))) {
    throw new ValidationError(
      `the key ${path} is inside the store ${resolve(store)}; private keys are kept outside the registry (the default is ${defaultKeysDir()}).`,
      { key: path },
    );
  }
}

/**
 * Makes a new Ed25519 key pair: the private key at `out` (default under the keys folder,
 * mode 0600, never overwritten), the public key beside it as `<file>.pub`. Answers both paths and the public PEM.
 */
export async function createKeyFile(
  name: string,
  out: string | undefined,
  store: string | null,
): Promise<{ privateKeyPath: string; publicKeyPath: string; publicKeyPem: string; keyId: string }> {
  const { validateName } = await import('../core/identity.js');
  validateName('key name (--name)', name);
  const path = resolve(out ?? join(defaultKeysDir(), `${name}.pem`));
  refuseInsideStore(path, store);
  if (existsSync(path)) {
    throw new ConflictError(
      `${path} already exists; a key file is never overwritten: pick another --name or --out.`,
      { path },
    );
  }
  const { Ed25519KeyFileSigner } = await import('../adapters/local/ed25519-key-file.js');
  const signer = await Ed25519KeyFileSigner.open(path, { create: true });
  await chmod(path, 0o600);
  const publicKeyPem = signer.publicKeyPem();
  const publicKeyPath = `${path}.pub`;
  await writeFile(publicKeyPath, publicKeyPem, { mode: 0o644 });
  const { describePublicKey } = await import('../core/signing.js');
  return { privateKeyPath: path, publicKeyPath, publicKeyPem, keyId: describePublicKey(publicKeyPem).keyId };
}

/** The KMS signer of a key id or ARN, on the SDK's region and endpoint settings (AWS_ENDPOINT_URL_KMS for emulators). */
export async function kmsSigner(keyId: string): Promise<Signer> {
  const { KMSClient } = await import('@aws-sdk/client-kms');
  const { KmsSigner } = await import('../adapters/aws/kms-signer.js');
  const region = process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION;
  return new KmsSigner(new KMSClient(region ? { region } : {}), keyId);
}

/**
 * The signer of a command: `--key FILE` (an Ed25519 private key file), else `--kms-key-id`,
 * else on the aws backend the configured signing key (MODELREG_SIGNING_KEY_ID).
 */
export async function openSigner(
  o: { key?: unknown; kmsKeyId?: unknown },
  backend: string,
  store: string | null,
): Promise<Signer> {
  if (o.key !== undefined && o.kmsKeyId !== undefined) {
    throw new ValidationError('sign with --key FILE or --kms-key-id ARN, not both.');
  }
  if (o.key !== undefined) {
    const path = resolve(String(o.key));
    refuseInsideStore(path, store);
    if (!existsSync(path)) {
      throw new ValidationError(
        `no key file at ${path}; make one with \`modelreg keys create --name NAME --out ${String(o.key)}\`.`,
        { key: path },
      );
    }
    const { Ed25519KeyFileSigner } = await import('../adapters/local/ed25519-key-file.js');
    const signer = await Ed25519KeyFileSigner.open(path);
    if (!(await readsPrivate(path))) {
      throw new ValidationError(`${path} holds only a public key; sign with the private key file.`, {
        key: path,
      });
    }
    return signer;
  }
  const kmsKeyId =
    (o.kmsKeyId as string | undefined) ??
    (backend === 'aws' ? process.env.MODELREG_SIGNING_KEY_ID : undefined);
  if (kmsKeyId) return kmsSigner(kmsKeyId);
  throw new ValidationError(
    backend === 'aws'
      ? 'name the signing key: --key FILE, --kms-key-id ARN, or MODELREG_SIGNING_KEY_ID (the KMS key the stack created).'
      : 'name the signing key: --key FILE (made by `modelreg keys create`).',
  );
}

async function readsPrivate(path: string): Promise<boolean> {
  const { readFile } = await import('node:fs/promises');
  return (await readFile(path, 'utf8')).includes('PRIVATE KEY');
}

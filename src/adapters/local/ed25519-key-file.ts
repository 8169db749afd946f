/**
 * The local anchor of the audit chain: an Ed25519 key in a PEM file kept outside the
 * store (by default under the user's config directory), so that whoever can write the
 * registry's database cannot forge a checkpoint. A public-key file verifies but cannot sign.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { CheckpointSigner } from '../../core/audit-checkpoint.js';
import { NotFoundError, ValidationError } from '../../core/errors.js';

/** Where the signing key lives unless `--key` or `MODELREG_AUDIT_KEY` says otherwise. */
export function defaultAuditKeyPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MODELREG_AUDIT_KEY) return env.MODELREG_AUDIT_KEY;
  const config = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(config, 'modelreg', 'audit-ed25519.pem');
}

/** A checkpoint signer over an Ed25519 key file. */
export class Ed25519KeyFileSigner implements CheckpointSigner {
  readonly algorithm = 'ed25519';
  readonly keyId: string;

  private constructor(
    private readonly privateKey: KeyObject | null,
    private readonly publicKey: KeyObject,
    readonly path: string,
  ) {
    const spki = publicKey.export({ type: 'spki', format: 'der' });
    this.keyId = `ed25519:${createHash('sha256').update(spki).digest('hex').slice(0, 32)}`;
  }

  /**
   * Opens the key file. With `create`, a missing file is made (a new key, mode 0600);
   * without it, a missing file is a NotFoundError that says how to make one.
   */
  static async open(path: string, options: { create?: boolean } = {}): Promise<Ed25519KeyFileSigner> {
    let pem: string;
    try {
      pem = await readFile(path, 'utf8');
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code !== 'ENOENT') {
        throw new ValidationError(
          `cannot read the audit key ${path.length > 80 ? `${path.slice(0, 80)}…` : path} (${code ?? (e as Error).message}); pass a readable key file with --key.`,
          { code },
        );
      }
      if (!options.create) {
        throw new NotFoundError(
          `no audit signing key at ${path}; \`modelreg audit checkpoint\` creates one, or pass --key (env MODELREG_AUDIT_KEY).`,
          { path },
        );
      }
      const { privateKey } = generateKeyPairSync('ed25519');
      pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      try {
        await mkdir(dirname(path), { recursive: true, mode: 0o700 });
        await writeFile(path, pem, { mode: 0o600, flag: 'wx' });
      } catch (w) {
        throw new ValidationError(
          `cannot create the audit key ${path} (${(w as { code?: string }).code ?? (w as Error).message}); pass a writable path with --key.`,
        );
      }
    }
    return Ed25519KeyFileSigner.fromPem(pem, path);
  }

  /** A signer from PEM text: a PKCS#8 private key signs and verifies, an SPKI public key only verifies. */
  static fromPem(pem: string, path = '(inline)'): Ed25519KeyFileSigner {
    const bad = () =>
      new ValidationError(
        `${path} is not an Ed25519 key in PEM form; give the file \`modelreg audit checkpoint\` made, or its public key.`,
        { path },
      );
    let privateKey: KeyObject | null = null;
    let publicKey: KeyObject;
    try {
      if (pem.includes('PRIVATE KEY')) {
        privateKey = createPrivateKey(pem);
        publicKey = createPublicKey(privateKey);
      } else publicKey = createPublicKey(pem);
    } catch {
      throw bad();
    }
    if (publicKey.asymmetricKeyType !== 'ed25519') throw bad();
    return new Ed25519KeyFileSigner(privateKey, publicKey, path);
  }

  /** The public key in PEM form, to hand to whoever verifies without signing. */
  publicKeyPem(): string {
    return this.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }

  async sign(payload: Uint8Array): Promise<string> {
    if (!this.privateKey) {
      throw new ValidationError(
        `${this.path} holds only a public key: it verifies checkpoints but cannot sign them.`,
        { path: this.path },
      );
    }
    return sign(null, payload, this.privateKey).toString('base64');
  }

  async verify(payload: Uint8Array, signature: string): Promise<boolean> {
    try {
      return verify(null, payload, this.publicKey, Buffer.from(signature, 'base64'));
    } catch {
      return false;
    }
  }
}

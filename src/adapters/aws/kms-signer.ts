/**
 * Signs release statements with an asymmetric KMS key (ECC_NIST_P256, ECDSA_SHA_256): the
 * private key never leaves KMS, and only the functions granted `kms:Sign` can sign. The
 * public key is read once (GetPublicKey) and cached; verification uses it with node:crypto.
 */
import { createHash } from 'node:crypto';
import { GetPublicKeyCommand, type KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { ValidationError } from '../../core/errors.js';
import type { Signer } from '../../core/ports.js';

/** The KMS key spec and signing algorithm modelreg signs with. */
export const KMS_KEY_SPEC = 'ECC_NIST_P256';
export const KMS_SIGNING_ALGORITHM = 'ECDSA_SHA_256';
/** The largest message KMS Sign takes as RAW. */
export const KMS_RAW_MESSAGE_LIMIT = 4096;

/** DER (SPKI) bytes as PEM. */
function spkiPem(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  return `-----BEGIN PUBLIC KEY-----\n${b64.match(/.{1,64}/g)!.join('\n')}\n-----END PUBLIC KEY-----\n`;
}

/** A Signer over a KMS key. */
export class KmsSigner implements Signer {
  readonly algorithm = 'ecdsa-p256-sha256';
  private publicKey: Promise<string> | null = null;

  constructor(
    private readonly kms: KMSClient,
    readonly keyId: string,
  ) {}

  /** The key's public half (GetPublicKey, once); refuses a key that is not an ECC_NIST_P256 signing key. */
  publicKeyPem(): Promise<string> {
    this.publicKey ??= this.kms
      .send(new GetPublicKeyCommand({ KeyId: this.keyId }))
      .catch((e: Error) => {
        throw new ValidationError(
          `cannot read the public key of KMS key ${this.keyId} (${e.name}: ${e.message}); check the key id or ARN, AWS_REGION and the credentials.`,
          { keyId: this.keyId },
        );
      })
      .then((r) => {
        const spec = r.KeySpec ?? r.CustomerMasterKeySpec;
        if (r.KeyUsage !== 'SIGN_VERIFY' || (spec !== undefined && spec !== KMS_KEY_SPEC) || !r.PublicKey) {
          throw new ValidationError(
            `KMS key ${this.keyId} is ${spec ?? 'of unknown spec'} for ${r.KeyUsage ?? 'unknown use'}; modelreg signs with an ${KMS_KEY_SPEC} SIGN_VERIFY key (the CDK stateful stack creates one).`,
            { keyId: this.keyId },
          );
        }
        return spkiPem(r.PublicKey);
      });
    this.publicKey.catch(() => {
      this.publicKey = null;
    });
    return this.publicKey;
  }

  /**
   * Sends the message itself up to KMS's 4 KiB limit for RAW messages, else its SHA-256 as
   * a DIGEST: the signature is the same ECDSA over SHA-256 of the payload either way.
   */
  async sign(payload: Uint8Array): Promise<string> {
    const raw = payload.byteLength <= KMS_RAW_MESSAGE_LIMIT;
    const r = await this.kms.send(
      new SignCommand({
        KeyId: this.keyId,
        Message: raw ? payload : createHash('sha256').update(payload).digest(),
        MessageType: raw ? 'RAW' : 'DIGEST',
        SigningAlgorithm: KMS_SIGNING_ALGORITHM,
      }),
    );
    if (!r.Signature) throw new Error(`KMS returned no signature for key ${this.keyId}`);
    return Buffer.from(r.Signature).toString('base64');
  }
}

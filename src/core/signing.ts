/**
 * Signed releases: an in-toto Statement v1 about a version (its artifact digest, identity,
 * version, lineage and a digest of its metrics) in a DSSE envelope, the keys a use case
 * trusts, and the decisions that record both. The envelope and statement are the standard
 * ones, so tools such as `cosign verify-blob-attestation` can read what modelreg writes.
 * Pure apart from node:crypto's verification (no I/O).
 */
import { createHash, createPublicKey, verify } from 'node:crypto';
import { dsse } from '@sigstore/core';
import * as z from 'zod';
import type { AuditDraft } from './audit.js';
import { canonicalJson } from './canonical-json.js';
import { recordChange } from './change.js';
import type { Actor, Decision } from './decisions.js';
import {
  ConflictError,
  NotFoundError,
  RevokedKeyError,
  SignatureInvalidError,
  UntrustedKeyError,
  ValidationError,
} from './errors.js';
import { emptyHead, type ModelHead } from './head.js';
import { LineageSchema, type ModelRef, refLabel } from './model.js';
import type { ChangeSet, RecordWrite, StoredRecord, VersionRecord } from './ports.js';

/** The in-toto statement type, the DSSE payload type and modelreg's predicate type. */
export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const PREDICATE_TYPE = 'https://modelreg.dev/model-release/v1';

/** The algorithms a trusted key may have: Ed25519 (key files) and ECDSA P-256 / SHA-256 (KMS). */
export const SIGNATURE_ALGORITHMS = ['ed25519', 'ecdsa-p256-sha256'] as const;
export type SignatureAlgorithm = (typeof SIGNATURE_ALGORITHMS)[number];

import { KEYS_MODEL } from './streams.js';

export { KEYS_MODEL };

/** The audit stream of a use case's key changes. */
export const keysRef = (useCase: string): ModelRef => ({ useCase, modelName: KEYS_MODEL });

/** A public key a use case trusts (or trusted, until it was revoked). */
export const TrustedKeySchema = z.object({
  useCase: z.string(),
  name: z.string(),
  /** `sha256:` + the hex SHA-256 of the key's SPKI DER: the DSSE `keyid`. */
  keyId: z.string(),
  algorithm: z.enum(SIGNATURE_ALGORITHMS),
  publicKeyPem: z.string(),
  /** The KMS key the public key was read from, when it is one. */
  kmsKeyId: z.string().nullable(),
  status: z.enum(['trusted', 'revoked']),
  trustedAt: z.string(),
  trustedBy: z.string(),
  revokedAt: z.string().nullable(),
  revokedBy: z.string().nullable(),
  reason: z.string().nullable(),
});
export type TrustedKey = z.infer<typeof TrustedKeySchema>;

/** A DSSE envelope in its JSON form (payload and signatures base64). */
export const EnvelopeSchema = z.object({
  payloadType: z.string(),
  payload: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'payload must be base64'),
  signatures: z
    .array(z.object({ keyid: z.string(), sig: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/) }))
    .min(1, 'a DSSE envelope has at least one signature'),
});
export type Envelope = z.infer<typeof EnvelopeSchema>;

/** What modelreg states about a release (the statement's predicate). */
export const ReleasePredicateSchema = z.object({
  useCase: z.string(),
  modelName: z.string(),
  version: z.string(),
  artifact: z.object({ sha256: z.string(), sizeBytes: z.number() }),
  lineage: LineageSchema,
  metricsDigest: z.object({ sha256: z.string() }),
  registeredAt: z.string(),
  registeredBy: z.string(),
});

/** An in-toto Statement v1 with modelreg's release predicate. */
export const StatementSchema = z.object({
  _type: z.literal(STATEMENT_TYPE),
  subject: z.array(z.object({ name: z.string(), digest: z.record(z.string(), z.string()) })).min(1),
  predicateType: z.literal(PREDICATE_TYPE),
  predicate: ReleasePredicateSchema,
});
export type Statement = z.infer<typeof StatementSchema>;

/** A signed statement attached to a version, as stored (record kind `signature`). */
export const SignatureSchema = z.object({
  useCase: z.string(),
  modelName: z.string(),
  version: z.string(),
  keyId: z.string(),
  keyName: z.string(),
  algorithm: z.enum(SIGNATURE_ALGORITHMS),
  envelope: EnvelopeSchema,
  signedAt: z.string(),
  signedBy: z.string(),
});
export type Signature = z.infer<typeof SignatureSchema>;

/** Record ids and scopes of signing, one place. */
export const signingIds = {
  key: (useCase: string, keyId: string) => `${useCase}/${keyId}`,
  keyScope: (useCase: string) => useCase,
  signature: (ref: ModelRef, version: string, keyId: string) =>
    `${ref.useCase}/${ref.modelName}@${version}/${keyId}`,
  signatureScope: (ref: ModelRef, version: string) => `${ref.useCase}/${ref.modelName}@${version}`,
};

/** The subject name of a version: `useCase/model@version`. */
export const subjectName = (v: Pick<VersionRecord, 'useCase' | 'modelName' | 'version'>) =>
  `${v.useCase}/${v.modelName}@${v.version}`;

/** sha256 hex of a string or bytes. */
function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A public key in PEM form with its DSSE keyid and algorithm; refuses keys modelreg cannot verify with. */
export function describePublicKey(pem: string): { keyId: string; algorithm: SignatureAlgorithm } {
  let key: ReturnType<typeof createPublicKey>;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new ValidationError(
      'the public key is not a PEM public key; give the file `modelreg keys create` printed or wrote (--public-key FILE).',
    );
  }
  const spki = key.export({ type: 'spki', format: 'der' });
  const keyId = `sha256:${sha256(spki)}`;
  if (key.asymmetricKeyType === 'ed25519') return { keyId, algorithm: 'ed25519' };
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    return { keyId, algorithm: 'ecdsa-p256-sha256' };
  }
  throw new ValidationError(
    `the public key is ${key.asymmetricKeyType}${key.asymmetricKeyDetails?.namedCurve ? ` (${key.asymmetricKeyDetails.namedCurve})` : ''}; modelreg verifies Ed25519 keys and ECDSA P-256 keys (KMS ECC_NIST_P256).`,
    { type: key.asymmetricKeyType },
  );
}

/** The release statement of a version: what its signature vouches for. */
export function releaseStatement(v: VersionRecord): Statement {
  return {
    _type: STATEMENT_TYPE,
    subject: [{ name: subjectName(v), digest: { sha256: v.artifact.sha256 } }],
    predicateType: PREDICATE_TYPE,
    predicate: {
      useCase: v.useCase,
      modelName: v.modelName,
      version: v.version,
      artifact: { sha256: v.artifact.sha256, sizeBytes: v.artifact.sizeBytes },
      lineage: v.lineage,
      metricsDigest: { sha256: sha256(canonicalJson(v.metrics)) },
      registeredAt: v.registeredAt,
      registeredBy: v.registeredBy,
    },
  };
}

/** The bytes that are signed: DSSE's pre-authentication encoding of the payload (via @sigstore/core). */
export function signedBytes(payloadType: string, payload: Buffer): Buffer {
  return dsse.preAuthEncoding(payloadType, payload);
}

/** The statement's payload bytes (canonical JSON, so the same version gives the same bytes). */
export function statementPayload(statement: Statement): Buffer {
  return Buffer.from(canonicalJson(statement), 'utf8');
}

/** Whether `sig` (base64) signs `data` under the key. */
export function verifyWith(
  key: Pick<TrustedKey, 'algorithm' | 'publicKeyPem'>,
  data: Buffer,
  sig: string,
): boolean {
  try {
    const publicKey = createPublicKey(key.publicKeyPem);
    const signature = Buffer.from(sig, 'base64');
    return key.algorithm === 'ed25519'
      ? verify(null, data, publicKey, signature)
      : verify('sha256', data, { key: publicKey, dsaEncoding: 'der' }, signature);
  } catch {
    return false;
  }
}

/** Where a version stands: signed by a trusted key, unsigned, or refused (and why). */
export interface SignatureState {
  status: 'trusted' | 'unsigned' | 'untrusted' | 'revoked' | 'invalid';
  /** One line a person reads: `signed by trusted key release (sha256:…)`, `unsigned` … */
  description: string;
  keyName: string | null;
  keyId: string | null;
  signedAt: string | null;
}

/** The gate threshold of `require_signature`, as reported. */
export const SIGNATURE_THRESHOLD = 'a signature by a trusted key';

/**
 * Checks one stored signature of a version: the key must be trusted by the use case and
 * not revoked, the signature must verify over the envelope's payload, and the statement
 * must be about this very version (digest, identity, version, lineage, metrics). Throws
 * the typed error of the first check that fails.
 */
export function checkSignature(
  version: VersionRecord,
  signature: Signature,
  keys: readonly TrustedKey[],
): TrustedKey {
  const label = `${subjectName(version)}`;
  const parsed = EnvelopeSchema.safeParse(signature.envelope);
  if (!parsed.success) {
    throw new SignatureInvalidError(
      `the signature envelope of ${label} is malformed (${parsed.error.issues[0]?.message}); sign the version again.`,
    );
  }
  const envelope = parsed.data;
  const [entry] = envelope.signatures;
  const key = keys.find((k) => k.keyId === entry!.keyid);
  if (!key) {
    throw new UntrustedKeyError(
      `${label} is signed by key ${entry!.keyid}, which use case ${version.useCase} does not trust; trust it with \`modelreg keys trust --use-case ${version.useCase} --public-key FILE --name NAME\` if it is yours.`,
      { keyId: entry!.keyid },
    );
  }
  if (key.status === 'revoked') {
    throw new RevokedKeyError(
      `${label} is signed by key ${key.name} (${key.keyId}), revoked at ${key.revokedAt} by ${key.revokedBy}${key.reason ? ` (${key.reason})` : ''}; sign the version again with a trusted key.`,
      { keyId: key.keyId, keyName: key.name },
    );
  }
  const payload = Buffer.from(envelope.payload, 'base64');
  if (envelope.payloadType !== PAYLOAD_TYPE) {
    throw new SignatureInvalidError(
      `the envelope of ${label} has payloadType ${JSON.stringify(envelope.payloadType)}, not ${PAYLOAD_TYPE}.`,
    );
  }
  if (!verifyWith(key, signedBytes(envelope.payloadType, payload), entry!.sig)) {
    throw new SignatureInvalidError(
      `the signature of ${label} does not verify under key ${key.name} (${key.keyId}): the statement or the signature was changed after signing.`,
      { keyId: key.keyId },
    );
  }
  let statement: Statement;
  try {
    statement = StatementSchema.parse(JSON.parse(payload.toString('utf8')));
  } catch {
    throw new SignatureInvalidError(
      `the signed payload of ${label} is not a modelreg release statement (in-toto Statement v1, predicate ${PREDICATE_TYPE}).`,
    );
  }
  const expected = releaseStatement(version);
  const mismatch = statementMismatch(statement, expected);
  if (mismatch !== null) {
    throw new SignatureInvalidError(
      `the signed statement does not match ${label}: ${mismatch}. The signature was made for another version or the version's record was changed.`,
      { mismatch },
    );
  }
  return key;
}

/** The first way a signed statement differs from the version's own statement, or null. */
function statementMismatch(got: Statement, want: Statement): string | null {
  const s = got.subject[0]!;
  const w = want.subject[0]!;
  if (s.name !== w.name) return `the subject is ${s.name}, not ${w.name}`;
  if (s.digest.sha256 !== w.digest.sha256)
    return `the subject digest is sha256:${s.digest.sha256}, the version's artifact is sha256:${w.digest.sha256}`;
  const g = got.predicate;
  const e = want.predicate;
  for (const field of ['useCase', 'modelName', 'version'] as const) {
    if (g[field] !== e[field]) return `${field} is ${g[field]}, not ${e[field]}`;
  }
  for (const field of ['artifact', 'lineage', 'metricsDigest', 'registeredAt', 'registeredBy'] as const) {
    if (canonicalJson(g[field]) !== canonicalJson(e[field])) return `the ${field} differs`;
  }
  return null;
}

const SEVERITY = { invalid: 3, revoked: 2, untrusted: 1 } as const;

/**
 * The state of a version given its stored signatures and the use case's keys: trusted
 * when any signature passes every check; otherwise the most serious refusal (a tampered
 * statement before a revoked key before an unknown key), with the error it raises.
 */
export function signatureState(
  version: VersionRecord,
  signatures: readonly Signature[],
  keys: readonly TrustedKey[],
): SignatureState & { error: Error | null } {
  if (signatures.length === 0) {
    return {
      status: 'unsigned',
      description: 'unsigned',
      keyName: null,
      keyId: null,
      signedAt: null,
      error: null,
    };
  }
  let worst: (SignatureState & { error: Error }) | null = null;
  for (const s of signatures) {
    try {
      const key = checkSignature(version, s, keys);
      return {
        status: 'trusted',
        description: `signed by trusted key ${key.name} (${key.keyId.slice(0, 19)}…) at ${s.signedAt}`,
        keyName: key.name,
        keyId: key.keyId,
        signedAt: s.signedAt,
        error: null,
      };
    } catch (e) {
      const status: 'revoked' | 'untrusted' | 'invalid' =
        e instanceof RevokedKeyError ? 'revoked' : e instanceof UntrustedKeyError ? 'untrusted' : 'invalid';
      const description =
        status === 'revoked'
          ? `signed by revoked key ${s.keyName}`
          : status === 'untrusted'
            ? `signed by untrusted key ${s.keyName} (${s.keyId.slice(0, 19)}…)`
            : `signature invalid (${(e as Error).message})`;
      const state = {
        status,
        description,
        keyName: s.keyName,
        keyId: s.keyId,
        signedAt: s.signedAt,
        error: e as Error,
      };
      if (worst === null || SEVERITY[status] > SEVERITY[worst.status as keyof typeof SEVERITY]) worst = state;
    }
  }
  return worst!;
}

/** A change of the use case's key stream: the key record and its audit event. */
function keyChange(
  useCase: string,
  head: ModelHead | null,
  write: RecordWrite,
  draft: AuditDraft,
  now: string,
): ChangeSet {
  const ref = keysRef(useCase);
  return recordChange(ref, head ?? emptyHead(ref, now), [write], [draft], now);
}

/** The record of a trusted key. */
export function keyRecord(key: TrustedKey): StoredRecord {
  return {
    kind: 'trusted-key',
    id: signingIds.key(key.useCase, key.keyId),
    scope: signingIds.keyScope(key.useCase),
    status: key.status,
    doc: key as unknown as Record<string, unknown>,
  };
}

/**
 * Trusts a public key for a use case under a name. Trusting the same key under the same
 * name again changes nothing; a revoked key stays revoked (trust a new key instead), and
 * a name belongs to one trusted key at a time.
 */
export function decideTrustKey(
  head: ModelHead | null,
  keys: readonly TrustedKey[],
  key: Omit<TrustedKey, 'status' | 'trustedAt' | 'trustedBy' | 'revokedAt' | 'revokedBy' | 'reason'>,
  who: Actor,
): Decision<TrustedKey> {
  const same = keys.find((k) => k.keyId === key.keyId);
  if (same?.status === 'revoked') {
    throw new ConflictError(
      `key ${same.keyId} was revoked in use case ${key.useCase} (as ${same.name}, ${same.revokedAt}); a revoked key is never trusted again: create a new key.`,
      { keyId: same.keyId },
    );
  }
  if (same) {
    if (same.name === key.name) return { change: null, result: same };
    throw new ConflictError(
      `this key is already trusted in use case ${key.useCase} as ${same.name}; one key has one name.`,
      { keyId: same.keyId, name: same.name },
    );
  }
  const clash = keys.find((k) => k.name === key.name && k.status === 'trusted');
  if (clash) {
    throw new ConflictError(
      `use case ${key.useCase} already trusts another key named ${key.name} (${clash.keyId}); revoke it first or pick another --name.`,
      { name: key.name },
    );
  }
  const trusted: TrustedKey = {
    ...key,
    status: 'trusted',
    trustedAt: who.now,
    trustedBy: who.actor,
    revokedAt: null,
    revokedBy: null,
    reason: null,
  };
  const draft: AuditDraft = {
    at: who.now,
    actor: who.actor,
    action: 'key.trust',
    version: null,
    fromStage: null,
    toStage: null,
    details: {
      name: key.name,
      keyId: key.keyId,
      algorithm: key.algorithm,
      ...(key.kmsKeyId ? { kmsKeyId: key.kmsKeyId } : {}),
    },
  };
  return {
    change: keyChange(key.useCase, head, { record: keyRecord(trusted), expect: 'absent' }, draft, who.now),
    result: trusted,
  };
}

/** Revokes the trusted key of that name (or keyid); signatures by it are refused from then on. */
export function decideRevokeKey(
  useCase: string,
  head: ModelHead | null,
  keys: readonly TrustedKey[],
  name: string,
  reason: string,
  who: Actor,
): Decision<TrustedKey> {
  const key = keys.find((k) => k.status === 'trusted' && (k.name === name || k.keyId === name));
  if (!key) {
    const revoked = keys.find((k) => k.name === name || k.keyId === name);
    throw new NotFoundError(
      revoked
        ? `key ${name} of use case ${useCase} is already revoked (${revoked.revokedAt}).`
        : `use case ${useCase} trusts no key named ${name}; see \`modelreg keys list --use-case ${useCase}\`.`,
      { useCase, name },
    );
  }
  const next: TrustedKey = { ...key, status: 'revoked', revokedAt: who.now, revokedBy: who.actor, reason };
  const draft: AuditDraft = {
    at: who.now,
    actor: who.actor,
    action: 'key.revoke',
    version: null,
    fromStage: null,
    toStage: null,
    details: { name: key.name, keyId: key.keyId, reason },
  };
  return {
    change: keyChange(
      useCase,
      head,
      { record: keyRecord(next), expect: { status: 'trusted' } },
      draft,
      who.now,
    ),
    result: next,
  };
}

/** The signature record and audit draft of a version signed by `key`. */
export function signatureWrite(
  version: VersionRecord,
  key: TrustedKey,
  envelope: Envelope,
  who: Actor,
): { write: RecordWrite; draft: AuditDraft; signature: Signature } {
  const ref = { useCase: version.useCase, modelName: version.modelName };
  const signature: Signature = {
    useCase: version.useCase,
    modelName: version.modelName,
    version: version.version,
    keyId: key.keyId,
    keyName: key.name,
    algorithm: key.algorithm,
    envelope,
    signedAt: who.now,
    signedBy: who.actor,
  };
  return {
    signature,
    write: {
      record: {
        kind: 'signature',
        id: signingIds.signature(ref, version.version, key.keyId),
        scope: signingIds.signatureScope(ref, version.version),
        doc: signature as unknown as Record<string, unknown>,
      },
      expect: 'absent',
    },
    draft: {
      at: who.now,
      actor: who.actor,
      action: 'sign',
      version: version.version,
      fromStage: null,
      toStage: null,
      details: {
        keyName: key.name,
        keyId: key.keyId,
        algorithm: key.algorithm,
        predicateType: PREDICATE_TYPE,
        subject: subjectName(version),
        sha256: version.artifact.sha256,
      },
    },
  };
}

/**
 * Attaches a signature to a version, audited as `sign` in the same commit. A version
 * already signed by that key keeps its signature (nothing is written twice).
 */
export function decideSign(
  ref: ModelRef,
  head: ModelHead,
  version: VersionRecord,
  existing: Signature | null,
  key: TrustedKey,
  envelope: Envelope,
  who: Actor,
): Decision<Signature> {
  if (existing !== null) return { change: null, result: existing };
  const { write, draft, signature } = signatureWrite(version, key, envelope, who);
  return {
    change: recordChange(ref, head, [write], [draft], who.now),
    result: signature,
  };
}

/** The key a signer's public key is trusted as; refuses an unknown or revoked key before anything is signed. */
export function requireTrusted(useCase: string, keys: readonly TrustedKey[], keyId: string): TrustedKey {
  const key = keys.find((k) => k.keyId === keyId);
  if (!key) {
    throw new UntrustedKeyError(
      `use case ${useCase} does not trust this key (${keyId}); trust its public key first: \`modelreg keys trust --use-case ${useCase} --public-key FILE --name NAME\`.`,
      { keyId },
    );
  }
  if (key.status === 'revoked') {
    throw new RevokedKeyError(
      `key ${key.name} (${keyId}) of use case ${useCase} was revoked at ${key.revokedAt}; sign with a trusted key.`,
      { keyId, keyName: key.name },
    );
  }
  return key;
}

/** `ref version` for messages. */
export const versionLabel = (v: VersionRecord) => `${refLabel(v)} ${v.version}`;

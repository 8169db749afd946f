import type { AuditEvent } from './audit.js';
import type { ModelHead } from './head.js';
import type { ArtifactInfo, Metrics, ModelRef, ModelVersion, Stage } from './model.js';

/** A version as stored: aliases live on the model head and are joined in on read. */
export type VersionRecord = Omit<ModelVersion, 'aliases'>;

/** A version moving from the stage it is expected to be in to another one. */
export interface StageChange {
  version: string;
  from: Stage;
  to: Stage;
  at: string;
}

/**
 * Everything one decision writes, committed all-or-nothing and only if the model head
 * is still at `expectedRevision` and every changed version is still in its `from`
 * stage. This is the port that makes "never two production versions" hold.
 */
export interface ChangeSet {
  ref: ModelRef;
  /** Revision of the head the decision was made on; 0 means the model must not exist yet. */
  expectedRevision: number;
  head: ModelHead;
  newVersions: VersionRecord[];
  stageChanges: StageChange[];
  events: AuditEvent[];
  /** Records written in the same transaction (evaluation evidence, approval requests and decisions). */
  records?: RecordWrite[];
  /** Edits of versions' description and tags (model cards round: `models edit`). */
  versionEdits?: VersionEdit[];
}

/**
 * The only change a stored version accepts besides its stage: a new description and tag
 * set, applied only if the version is still in `stage` (artifact, metrics and lineage never change).
 */
export interface VersionEdit {
  version: string;
  stage: Stage;
  /** The new description; null removes it. */
  description: string | null;
  tags: Record<string, string>;
}

/** A use case and how many models it holds: the registry's top-level listing. */
export interface UseCaseSummary {
  useCase: string;
  models: number;
}

/**
 * The kinds of records kept beside models and versions; `token` (API tokens, by hash) and
 * `idempotency` (the first answer of a keyed HTTP request) belong to the HTTP application.
 */
export type RecordKind =
  | 'evidence'
  | 'approval'
  | 'evalset'
  | 'delivery'
  | 'token'
  | 'idempotency'
  // model cards: the versions of a version's card
  | 'card'
  // lineage: an index entry per edge (dataset, feature set, parent → version), for the walk
  | 'lineage'
  // signing: the keys a use case trusts, and the signed release statements of versions
  | 'trusted-key'
  | 'signature'
  // monitor: version events, the first regression of a version (read by key, strongly
  // consistent), live metric observations, and the fact that a rule acted
  | 'event'
  | 'regression-mark'
  | 'observation'
  | 'monitor-action'
  // webhooks: subscriptions and the outbox of their deliveries
  | 'webhook'
  | 'webhook-index'
  | 'webhook-delivery'
  // deploy: artifact variants per target, and where versions run
  | 'variant'
  | 'deployment';

/**
 * A document kept by kind and id: evaluation evidence of a version, an approval request,
 * a version of an evaluation set, the delivery of a training event (its dedupe key). `scope` groups records for listing (a model, or an
 * evaluation set's name); `status` lists them across scopes (pending approvals).
 */
export interface StoredRecord {
  kind: RecordKind;
  id: string;
  scope: string;
  status?: string;
  doc: Record<string, unknown>;
}

/** A record put on a condition: it must not exist yet, or must still have a status. */
export interface RecordWrite {
  record: StoredRecord;
  /**
   * The condition: the record must not exist yet, or must still have `status`; with
   * `unchanged` (the record as it was read), it must still be exactly that record, a
   * compare-and-swap that a writer holding a stale read loses.
   */
  expect: 'absent' | { status: string; unchanged?: StoredRecord };
}

/** A page of results with an opaque cursor for the next one (null at the end). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PageRequest {
  limit?: number;
  cursor?: string | null;
}

/** Options of a commit. */
export interface CommitOptions {
  /** Makes a retried commit with the same key a no-op where the backend supports it. */
  idempotencyKey?: string;
}

/** A notification that could not be delivered after the change it tells of was committed. */
export interface UndeliveredNotification {
  id: string;
  /** When delivery last failed. */
  failedAt: string;
  error: string;
  attempts: number;
  event: RegistryEvent;
}

/**
 * An artifact upload whose registration did not commit and whose removal failed too:
 * kept on record so that `modelreg artifacts sweep` removes it later.
 */
export interface OrphanedArtifact {
  useCase: string;
  modelName: string;
  version: string;
  recordedAt: string;
  error: string;
}

/** The registry's persistence: reads by key or index, and one atomic conditional commit. */
export interface RegistryStore {
  getHead(ref: ModelRef): Promise<ModelHead | null>;
  /** The head and the named versions in one round trip. */
  getHeadAndVersions(
    ref: ModelRef,
    versions: readonly string[],
  ): Promise<{ head: ModelHead | null; versions: Map<string, VersionRecord> }>;
  /** Versions of a model, newest (highest precedence) first. */
  listVersions(ref: ModelRef, options: PageRequest & { stage?: Stage }): Promise<Page<VersionRecord>>;
  /** Versions in one stage across the registry (optionally one use case), by model. */
  listVersionsInStage(
    stage: Stage,
    options: PageRequest & { useCase?: string },
  ): Promise<Page<VersionRecord>>;
  /** Model heads of a use case, by model name. */
  listModels(useCase: string, options: PageRequest): Promise<Page<ModelHead>>;
  /** Versions produced by a training run. */
  findByRunId(runId: string, options: PageRequest): Promise<Page<VersionRecord>>;
  /** A model's audit events in sequence order (from `fromSeq` on, when given). */
  listAudit(ref: ModelRef, options: PageRequest & { fromSeq?: number }): Promise<Page<AuditEvent>>;
  /**
   * Writes the change set atomically, or throws ConcurrentModificationError (head or a
   * version moved since it was read) or VersionExistsError (a new version exists).
   */
  commit(change: ChangeSet, options?: CommitOptions): Promise<void>;
  /** Writes one record on its condition, outside any model's change (an evaluation set). */
  putRecord(write: RecordWrite): Promise<void>;
  getRecord(kind: RecordKind, id: string): Promise<StoredRecord | null>;
  /** Records of a kind in one scope (by id), or with one status across scopes (by id). */
  listRecords(
    kind: RecordKind,
    filter: { scope: string } | { status: string },
    options: PageRequest,
  ): Promise<Page<StoredRecord>>;
  /** Keeps notifications that failed (a put per id: recording one again replaces it). */
  saveUndelivered(items: readonly UndeliveredNotification[]): Promise<void>;
  listUndelivered(options: PageRequest): Promise<Page<UndeliveredNotification>>;
  deleteUndelivered(ids: readonly string[]): Promise<void>;
  /** Records an upload to be swept (one record per version). */
  saveOrphan(orphan: OrphanedArtifact): Promise<void>;
  listOrphans(options: PageRequest): Promise<Page<OrphanedArtifact>>;
  deleteOrphan(orphan: Pick<OrphanedArtifact, 'useCase' | 'modelName' | 'version'>): Promise<void>;
  /** Use cases with their number of models, by name (model cards round: `usecases list`). */
  listUseCases(options: PageRequest): Promise<Page<UseCaseSummary>>;
  close(): Promise<void>;
}

/** An artifact that has been hashed and copied aside, not yet placed under a version. */
export interface StagedArtifact {
  sha256: string;
  sizeBytes: number;
  kind: 'file' | 'directory';
  /** File name of a single-file artifact (kept under `model/`), or the directory's name. */
  name: string;
  /** Adapter-private handle of the staged copy. */
  handle: string;
}

/** Sidecar documents written beside the model, as in the reference layout. */
export interface ArtifactSidecars {
  metadata: Record<string, unknown>;
  metrics: Metrics;
}

/** Where artifacts live (filesystem locally, S3 on AWS). */
export interface ArtifactStore {
  /** Hashes the source and copies it aside; the source may change afterwards without harm. */
  stage(sourcePath: string, what?: 'artifact' | 'evaluation set'): Promise<StagedArtifact>;
  /** Places a staged artifact under its version; refuses to overwrite an existing one. */
  publish(
    staged: StagedArtifact,
    ref: ModelRef,
    version: string,
    sidecars: ArtifactSidecars,
  ): Promise<ArtifactInfo>;
  /**
   * Removes a published artifact whose registration did not commit. With `staged`, the
   * bytes go back to the staged copy so a retry can publish them under another version.
   */
  unpublish(ref: ModelRef, version: string, staged?: StagedArtifact): Promise<void>;
  /** Places a staged evaluation set as version `version` of the set `name` of a use case (never overwritten). */
  publishEvalSet(
    staged: StagedArtifact,
    useCase: string,
    name: string,
    version: number,
  ): Promise<ArtifactInfo>;
  /** Drops a staged copy. */
  discard(staged: StagedArtifact): Promise<void>;
  /** The local path of a staged copy (the file, or the directory), so its format can be read from it. */
  stagedPath?(staged: StagedArtifact): string;
  /** Copies the artifact to `destDir` and proves it still has its recorded sha256. */
  fetch(artifact: ArtifactInfo, destDir: string): Promise<{ path: string; sha256: string }>;
  /**
   * Removes what crashed registrations left on local disk (staged copies, set-aside
   * version folders) untouched for `olderThanMs`; answers what was (or would be) freed.
   */
  sweepLeftovers?(options: {
    olderThanMs: number;
    dryRun: boolean;
  }): Promise<ReadonlyArray<{ path: string; bytes: number }>>;
  // variants (deploy)
  /**
   * Places a staged built artifact as the variant `target` of a version, beside the model
   * (`{useCase}/{modelName}/versions/{version}/variants/{target}/`); never overwrites one.
   */
  publishVariant(
    staged: StagedArtifact,
    ref: ModelRef,
    version: string,
    target: string,
    metadata: Record<string, unknown>,
  ): Promise<ArtifactInfo>;
  /** Removes a published variant whose record did not commit. */
  unpublishVariant(ref: ModelRef, version: string, target: string): Promise<void>;
}

/** A change that happened, as subscribers receive it (one per audit event). */
export interface RegistryEvent {
  type: string;
  useCase: string;
  modelName: string;
  seq: number;
  at: string;
  actor: string;
  version: string | null;
  fromStage: Stage | null;
  toStage: Stage | null;
  details: Record<string, unknown>;
}

/**
 * Tells people and systems about committed changes. May throw DeliveryError naming the
 * events that failed; the registry keeps those as undelivered and never fails the change.
 */
export interface Notifier {
  publish(events: readonly RegistryEvent[]): Promise<void>;
}

/** The source of "now", injectable so tests and the archival policy can move time. */
export interface Clock {
  now(): Date;
}

/**
 * Signs release statements with a key the registry never holds: an Ed25519 key file on the
 * user's machine, or an asymmetric KMS key on AWS. Verifiers need only the public key.
 */
export interface Signer {
  /** `ed25519` or `ecdsa-p256-sha256` (KMS ECC_NIST_P256 with ECDSA_SHA_256). */
  readonly algorithm: string;
  /** The public key, SPKI PEM: what `keys trust` records and verification uses. */
  publicKeyPem(): string | Promise<string>;
  /** The signature over `payload` (the DSSE pre-authentication encoding), base64. */
  sign(payload: Uint8Array): Promise<string>;
}

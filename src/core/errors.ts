/**
 * Typed errors with stable names. The same names appear in CLI exit codes, in the
 * JSON error output and (later) in the state machines' `ErrorEquals`, so callers can
 * branch on `error.name` instead of parsing messages.
 */

/** Base of every error modelreg raises on purpose; anything else is a bug. */
export class ModelregError extends Error {
  override readonly name: string = 'ModelregError';
  /** Machine-readable details (the bad value, the allowed values …). */
  readonly details: Record<string, unknown>;
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.details = details;
  }
}

/** Input that can never succeed as given: a bad name, version, metric string or file. */
export class ValidationError extends ModelregError {
  override readonly name: string = 'ValidationError';
}

/** Something that was asked for by name does not exist. */
export class NotFoundError extends ModelregError {
  override readonly name: string = 'NotFoundError';
}

/** The model (use case + name) has never been registered. */
export class ModelNotFoundError extends NotFoundError {
  override readonly name = 'ModelNotFoundError';
}

/** The model exists but not this version (or no version is in the asked-for stage). */
export class VersionNotFoundError extends NotFoundError {
  override readonly name = 'VersionNotFoundError';
}

/** The alias points at nothing. */
export class AliasNotFoundError extends NotFoundError {
  override readonly name = 'AliasNotFoundError';
}

/** The state of the registry does not allow the change (as opposed to bad input). */
export class ConflictError extends ModelregError {
  override readonly name: string = 'ConflictError';
}

/** The asked-for stage move is not one of the lifecycle's allowed moves. */
export class InvalidTransitionError extends ConflictError {
  override readonly name = 'InvalidTransitionError';
}

/** Versions are immutable: a pinned version that already exists is refused. */
export class VersionExistsError extends ConflictError {
  override readonly name = 'VersionExistsError';
}

/**
 * Another writer changed the model between our read and our commit. Use cases retry
 * on it; callers see it only when retries are exhausted.
 */
export class ConcurrentModificationError extends ConflictError {
  override readonly name = 'ConcurrentModificationError';
}

/**
 * An approval request was decided after its `expiresAt`: the approver saw evidence that
 * may be stale, so the decision is refused and a new request must be made.
 */
export class ApprovalExpiredError extends ConflictError {
  override readonly name = 'ApprovalExpiredError';
}

/** One or more promotion gates failed; `details.gates` lists every gate evaluated. */
export class GateFailedError extends ModelregError {
  override readonly name = 'GateFailedError';
}

/** Stored bytes or records no longer match their recorded digest or hash chain. */
export class IntegrityError extends ModelregError {
  override readonly name: string = 'IntegrityError';
}

/** An artifact read back does not have the sha256 recorded at registration. */
export class ArtifactIntegrityError extends IntegrityError {
  override readonly name = 'ArtifactIntegrityError';
}

/** The audit chain of a model does not verify. */
export class AuditChainError extends IntegrityError {
  override readonly name = 'AuditChainError';
}

/**
 * Some events could not be delivered (after the notifier's own retries). Carries the
 * failed ones, so the registry records exactly those as undelivered.
 */
export class DeliveryError extends ModelregError {
  override readonly name = 'DeliveryError';
  readonly failed: readonly unknown[];
  constructor(message: string, failed: readonly unknown[]) {
    super(message, { failed: failed.length });
    this.failed = failed;
  }
}

/** The store directory holds no registry (read-only commands never create one). */
export class StoreNotFoundError extends NotFoundError {
  override readonly name = 'StoreNotFoundError';
}

/** The store cannot be opened or written on the filesystem: a file in the way, no permission, no space. */
export class StoreAccessError extends ModelregError {
  override readonly name = 'StoreAccessError';
}

/** The store's database is not a readable registry (damaged, truncated, or another kind of file). */
export class CorruptStoreError extends IntegrityError {
  override readonly name = 'CorruptStoreError';
}

// Signing (issue 11 §2): each refusal has its own exit code (11, 12, 13).

/** A release statement whose signature does not verify, or whose content does not match the version it is attached to. */
export class SignatureInvalidError extends IntegrityError {
  override readonly name = 'SignatureInvalidError';
}

/** A signature by a key the use case does not trust (never trusted with `modelreg keys trust`). */
export class UntrustedKeyError extends ModelregError {
  override readonly name = 'UntrustedKeyError';
}

/** A signature by a key the use case trusted once and has revoked. */
export class RevokedKeyError extends ModelregError {
  override readonly name = 'RevokedKeyError';
}

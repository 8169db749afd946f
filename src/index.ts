/**
 * modelreg's TypeScript API: `openRegistry()` gives every registry operation, typed,
 * on the embedded backend (the default) or on AWS (DynamoDB + S3 + SNS).
 */
import { openLocalRegistry } from './adapters/local/index.js';
import { useApprovalSecretStore } from './app/approval-secret.js';
import type { Registry, RegistryPorts } from './app/registry.js';
import { ValidationError } from './core/errors.js';
import type { RegistryEvent } from './core/ports.js';

/** The backends a registry can run on. */
export const BACKENDS = ['local', 'aws'] as const;
export type Backend = (typeof BACKENDS)[number];

/** Options of `openRegistry`. */
export interface OpenRegistryOptions {
  /** `local` (SQLite + filesystem) or `aws` (DynamoDB + S3 + SNS). Defaults to `MODELREG_BACKEND`, else `local`. */
  backend?: Backend;
  /** Store directory of the local backend; defaults to `MODELREG_STORE`, else `.modelreg`. */
  store?: string;
  /** Who acts when a call names nobody. */
  actor?: string;
  /** Source of time (tests, the archival policy). */
  clock?: RegistryPorts['clock'];
  /** Called for every committed change's event (local backend). */
  onEvent?: (event: RegistryEvent) => void;
  /** Where warnings go. */
  warn?: (message: string) => void;
  /** Environment to read the AWS settings from. @default process.env */
  env?: NodeJS.ProcessEnv;
}

/** Reads and checks a backend name. */
export function parseBackend(value: string | undefined): Backend {
  const backend = value || 'local';
  if (!(BACKENDS as readonly string[]).includes(backend)) {
    throw new ValidationError(`backend ${JSON.stringify(backend)} is not one of ${BACKENDS.join(', ')}.`, {
      backend,
    });
  }
  return backend as Backend;
}

/**
 * Opens a registry. Close it with `registry.close()` when done. The AWS SDK is loaded
 * only when the aws backend is asked for, so the embedded CLI starts fast.
 */
export async function openRegistry(options: OpenRegistryOptions = {}): Promise<Registry> {
  const env = options.env ?? process.env;
  // an empty MODELREG_STORE (or MODELREG_BACKEND) counts as unset, not as the working directory
  const backend = options.backend ?? parseBackend(env.MODELREG_BACKEND);
  const extra = {
    ...(options.actor ? { actor: options.actor } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.warn ? { warn: options.warn } : {}),
  };
  if (backend === 'aws') {
    const { openAwsRegistry } = await import('./adapters/aws/index.js');
    const { awsConfigFromEnv } = await import('./adapters/aws/config.js');
    return openAwsRegistry(awsConfigFromEnv(env), extra);
  }
  const store = options.store ?? (env.MODELREG_STORE || '.modelreg');
  useApprovalSecretStore(store);
  return openLocalRegistry({ store, ...(options.onEvent ? { onEvent: options.onEvent } : {}) }, extra);
}

export type {
  CompareResult,
  GetArtifactResult,
  LineageResult,
  ModelSummary,
  ResendResult,
  SweepResult,
} from './app/registry.js';
export { Registry } from './app/registry.js';
export type { AuditEvent, AuditVerification } from './core/audit.js';
export type {
  AliasResult,
  ArchivalResult,
  ArchiveResult,
  DemoteResult,
  PromoteResult,
  RollbackResult,
} from './core/decisions.js';
export * from './core/errors.js';
export type { GateResult, Gates } from './core/gates.js';
export type { ArtifactInfo, Lineage, Metrics, ModelRef, ModelVersion, Stage } from './core/model.js';
export { STAGES } from './core/model.js';
export type { Policy, PolicyInput } from './core/policy.js';
export type { OrphanedArtifact, Page, RegistryEvent, UndeliveredNotification } from './core/ports.js';

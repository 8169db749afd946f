/**
 * modelreg's TypeScript API: `openRegistry()` gives every registry operation, typed,
 * on the embedded backend (the default) and, with its issue, on AWS.
 */
import { openLocalRegistry } from './adapters/local/index.js';
import type { Registry, RegistryPorts } from './app/registry.js';
import { ValidationError } from './core/errors.js';
import type { RegistryEvent } from './core/ports.js';

/** Options of `openRegistry`. */
export interface OpenRegistryOptions {
  /** `local` (SQLite + filesystem). Defaults to `MODELREG_BACKEND`, else `local`. */
  backend?: 'local';
  /** Store directory of the local backend; defaults to `MODELREG_STORE`, else `.modelreg`. */
  store?: string;
  /** Who acts when a call names nobody. */
  actor?: string;
  /** Source of time (tests, the archival policy). */
  clock?: RegistryPorts['clock'];
  /** Called for every committed change's event. */
  onEvent?: (event: RegistryEvent) => void;
  /** Where warnings go. */
  warn?: (message: string) => void;
}

/** Opens a registry. Close it with `registry.close()` when done. */
export function openRegistry(options: OpenRegistryOptions = {}): Registry {
  const backend = options.backend ?? (process.env.MODELREG_BACKEND || 'local');
  if (backend !== 'local') {
    throw new ValidationError(`backend ${JSON.stringify(backend)} is not available; use "local".`, {
      backend,
    });
  }
  // an empty MODELREG_STORE (or MODELREG_BACKEND) counts as unset, not as the working directory
  const store = options.store ?? (process.env.MODELREG_STORE || '.modelreg');
  return openLocalRegistry(
    { store, ...(options.onEvent ? { onEvent: options.onEvent } : {}) },
    {
      ...(options.actor ? { actor: options.actor } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.warn ? { warn: options.warn } : {}),
    },
  );
}

export type { CompareResult, GetArtifactResult, LineageResult, ModelSummary } from './app/registry.js';
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
export type { Page, RegistryEvent } from './core/ports.js';

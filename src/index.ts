/**
 * modelreg's TypeScript API: `openRegistry()` gives every registry operation, typed,
 * on the embedded backend (the default) or on AWS (DynamoDB + S3 + SNS).
 */

// formats and lineage (issue 11)
export type { LineageNode, LineageWalk, LineageWalkInput } from './app/lineage.js';
export type {
  CompareResult,
  GetArtifactResult,
  LineageResult,
  ModelSummary,
  ResendResult,
  SweepResult,
} from './app/registry.js';
export { Registry } from './app/registry.js';
export {
  BACKENDS,
  type Backend,
  type OpenRegistryOptions,
  openRegistry,
  parseBackend,
} from './compose/index.js';
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
export { type ArtifactFormat, FORMAT_NAMES, type FormatName, type TensorInfo } from './core/formats.js';
export type { GateResult, Gates } from './core/gates.js';
export { ParentNotFoundError } from './core/lineage.js';
export type { ArtifactInfo, Lineage, Metrics, ModelRef, ModelVersion, Stage } from './core/model.js';
export { STAGES } from './core/model.js';
export type { Policy, PolicyInput } from './core/policy.js';
export type { OrphanedArtifact, Page, RegistryEvent, UndeliveredNotification } from './core/ports.js';

/**
 * modelreg's TypeScript API: `openRegistry()` gives every registry operation, typed,
 * on the embedded backend (the default) or on AWS (DynamoDB + S3 + SNS).
 */

// release lines, deprecation, resolve
export type { ResolveInput } from './app/inputs.js';
// formats and lineage (issue 11)
export type { LineageNode, LineageWalk, LineageWalkInput } from './app/lineage.js';
// model cards, version edits and use cases
export type { CardSetInput, EditInput } from './app/model-cards.js';
export type {
  CompareResult,
  GetArtifactResult,
  LineageResult,
  ModelSummary,
  ResendResult,
  SweepResult,
} from './app/registry.js';
export { Registry } from './app/registry.js';
export type { Resolution, ServedAlias, ServedVersion } from './app/resolve.js';
export {
  BACKENDS,
  type Backend,
  type OpenRegistryOptions,
  openRegistry,
  parseBackend,
} from './compose/index.js';
export type { AliasRouting } from './core/alias-routing.js';
export type { AuditEvent, AuditVerification } from './core/audit.js';
export type {
  AliasResult,
  ArchivalResult,
  ArchiveResult,
  DemoteResult,
  DeprecateResult,
  PromoteResult,
  RollbackResult,
} from './core/decisions.js';
export * from './core/errors.js';
export { type ArtifactFormat, FORMAT_NAMES, type FormatName, type TensorInfo } from './core/formats.js';
export type { GateResult, Gates } from './core/gates.js';
export { ParentNotFoundError } from './core/lineage.js';
export type { ArtifactInfo, Lineage, Metrics, ModelRef, ModelVersion, Stage } from './core/model.js';
export { STAGES } from './core/model.js';
export {
  CARD_SECTIONS,
  type CardContent,
  type CardSection,
  type CardSetResult,
  cardMarkdown,
  type RenderedCard,
  type StoredCard,
} from './core/model-card.js';
export type { Policy, PolicyInput } from './core/policy.js';
export type {
  OrphanedArtifact,
  Page,
  RegistryEvent,
  UndeliveredNotification,
  UseCaseSummary,
} from './core/ports.js';

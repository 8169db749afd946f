/**
 * The registry's decisions as pure functions: given the model head and the versions a
 * change touches, compute the change set to commit (or null when nothing needs to be
 * written) and the answer to give. No I/O here; use cases do the reading and writing.
 */

import { type AliasRouting, assertWeightsFit, isRouted, mayServe } from './alias-routing.js';
import { type AuditAction, type AuditDraft, type AuditEvent, chainEvents } from './audit.js';
import { canonicalJson } from './canonical-json.js';
import {
  AliasNotFoundError,
  ConflictError,
  InvalidTransitionError,
  ValidationError,
  VersionExistsError,
  VersionNotFoundError,
} from './errors.js';
import {
  describeFailures,
  evaluateGates,
  type GateBaseline,
  type GateResult,
  type GateSubject,
  type Gates,
  type IncomparableBaseline,
} from './gates.js';
import { aliasesOf, aliasTarget, emptyHead, type ModelHead } from './head.js';
import { lineageIndexRecords } from './lineage.js';
import { type Metrics, type ModelRef, refLabel, type Stage } from './model.js';
import type { Policy } from './policy.js';
import type { ChangeSet, StageChange, VersionRecord } from './ports.js';
import { lineOf, lineSlot, withLineSlot } from './release-lines.js';
import { assertTransition, nextStage } from './transitions.js';
import { type Bump, maxVersion, nextVersion } from './versioning.js';

/** Who does a change, and when. */
export interface Actor {
  actor: string;
  now: string;
}

/** A decision: what to write (null: nothing) and what to answer. */
export interface Decision<R> {
  change: ChangeSet | null;
  result: R;
}

interface Draft {
  head: ModelHead;
  drafts: AuditDraft[];
  stageChanges: StageChange[];
  newVersions: VersionRecord[];
}

function finish(ref: ModelRef, base: ModelHead, d: Draft, now: string): ChangeSet {
  const { events, tip } = chainEvents(ref, base.auditTip, d.drafts);
  return {
    ref,
    expectedRevision: base.revision,
    head: { ...d.head, revision: base.revision + 1, updatedAt: now, auditTip: tip },
    newVersions: d.newVersions,
    stageChanges: d.stageChanges,
    events,
  };
}

function event(
  who: Actor,
  action: AuditAction,
  version: string | null,
  fromStage: Stage | null,
  toStage: Stage | null,
  details: Record<string, unknown> = {},
): AuditDraft {
  return { at: who.now, actor: who.actor, action, version, fromStage, toStage, details };
}

/** Picks the version a registration gets: the pinned one, or a bump of the highest. */
export function chooseVersion(head: ModelHead | null, pinned: string | null, bump: Bump = 'patch'): string {
  if (pinned !== null) return pinned;
  return nextVersion(head?.latestVersion ?? null, bump);
}

/** Versions are immutable: refuses a version number that is already taken. */
export function assertVersionFree(ref: ModelRef, version: string, existing: VersionRecord | null): void {
  if (existing !== null) {
    throw new VersionExistsError(
      `${refLabel(ref)} version ${version} already exists (registered ${existing.registeredAt} by ${existing.registeredBy}); versions are immutable: register a new version or omit the version to bump automatically.`,
      { version },
    );
  }
}

/** Registers a new version in development. */
export function decideRegister(
  ref: ModelRef,
  head: ModelHead | null,
  existing: VersionRecord | null,
  record: VersionRecord,
  who: Actor,
): Decision<VersionRecord> {
  assertVersionFree(ref, record.version, existing);
  const base = head ?? emptyHead(ref, who.now);
  const next: ModelHead = {
    ...base,
    latestVersion: maxVersion(base.latestVersion, record.version),
    versionCount: base.versionCount + 1,
  };
  const details = {
    sha256: record.artifact.sha256,
    sizeBytes: record.artifact.sizeBytes,
    runId: record.lineage.runId,
    datasetVersion: record.lineage.datasetVersion,
    codeVersion: record.lineage.codeVersion,
    ...(record.lineage.featureSet ? { featureSet: record.lineage.featureSet } : {}),
    ...(record.lineage.curationRuleset ? { curationRuleset: record.lineage.curationRuleset } : {}),
    ...(record.lineage.configHash ? { configHash: record.lineage.configHash } : {}),
    ...(record.lineage.parent ? { parent: record.lineage.parent } : {}),
    ...(record.format ? { format: record.format.name } : {}),
    metrics: record.metrics,
  };
  const change = finish(
    ref,
    base,
    {
      head: next,
      drafts: [event(who, 'register', record.version, null, 'development', details)],
      stageChanges: [],
      newVersions: [record],
    },
    who.now,
  );
  // the lineage walk's index entries, in the same commit as the version they point at
  const index = lineageIndexRecords(record);
  if (index.length > 0) change.records = index;
  return { change, result: record };
}

/**
 * Metrics measured by automated evaluation on the standard evaluation set. When given,
 * gates use them (over the registered metrics), and delta gates compare with the
 * production version's evidence on the same set, or fail when there is none.
 */
export interface MeasuredMetrics {
  metrics: Metrics;
  baseline: GateBaseline | IncomparableBaseline | null;
}

/** The answer of `promote`: the workflow contract, after the reference promote function. */
export interface PromoteResult {
  promoted: boolean;
  version: string;
  stage: Stage;
  archivedVersion: string | null;
  /** The line's production version this promotion replaced, now `superseded` (null: none, or not a production promotion). */
  supersededVersion?: string | null;
  /** The release line of the version (null: the default line). */
  line?: string | null;
  alreadyPromoted?: true;
  reason?: string;
  gates?: GateResult[];
}

/** Promotes one step up the lifecycle (or to `to`), checking the policy's and the caller's gates. */
export function decidePromote(
  ref: ModelRef,
  head: ModelHead,
  candidate: VersionRecord & Pick<GateSubject, 'signature'>,
  to: Stage | null,
  requestGates: Gates,
  who: Actor,
  measured?: MeasuredMetrics,
  productionChecks: readonly GateResult[] = [],
  extraDetails: Record<string, unknown> = {},
  stageChecks: Partial<Record<Stage, readonly GateResult[]>> = {},
): Decision<PromoteResult> {
  if (candidate.stage === 'deprecated') {
    throw new InvalidTransitionError(
      `${refLabel(ref)} ${candidate.version} is deprecated and not eligible for promotion; promote another version (or register a new one), or archive this one.`,
      { action: 'promote', from: 'deprecated', to: to ?? null },
    );
  }
  const target = to ?? (candidate.stage === 'production' ? 'production' : nextStage(candidate.stage));
  if (target === null) {
    throw new InvalidTransitionError(
      `${refLabel(ref)} ${candidate.version} is ${candidate.stage}; an ${candidate.stage} version returns to production with rollback.`,
      { from: candidate.stage },
    );
  }
  if (target !== 'staging' && target !== 'production') {
    throw new InvalidTransitionError(
      `cannot promote from ${candidate.stage} to ${target}; promote moves a version to staging or production (use demote or archive to move it down).`,
      { action: 'promote', from: candidate.stage, to: target },
    );
  }
  if (candidate.stage === target) {
    return {
      change: null,
      result: {
        promoted: true,
        version: candidate.version,
        stage: target,
        archivedVersion: null,
        alreadyPromoted: true,
      },
    };
  }
  assertTransition('promote', candidate.stage, target);

  const subject = measured
    ? {
        metrics: { ...candidate.metrics, ...measured.metrics },
        metadata: candidate.metadata,
        format: candidate.format,
        signature: candidate.signature,
      }
    : candidate;
  const against = measured ? measured.baseline : baseline(head, candidate);
  const gates = [
    ...evaluateGates(policyGates(head.policy, target), subject, against, 'policy'),
    ...evaluateGates(requestGates, subject, against, 'request'),
    ...(target === 'production' ? productionChecks : []),
    ...(stageChecks[target] ?? []),
  ];
  const failing = gates.filter((g) => !g.passed);
  if (failing.length > 0) {
    return {
      change: null,
      result: {
        promoted: false,
        version: candidate.version,
        stage: candidate.stage,
        archivedVersion: null,
        reason: `${failing.length} of ${gates.length} gates failed: ${describeFailures(gates)}`,
        gates,
      },
    };
  }

  const gateDetails = {
    ...extraDetails,
    ...(gates.length > 0
      ? { gates: gates.map(({ gate, actual, threshold }) => ({ gate, actual, threshold })) }
      : {}),
  };
  const stageChanges: StageChange[] = [
    { version: candidate.version, from: candidate.stage, to: target, at: who.now },
  ];
  const drafts: AuditDraft[] = [];
  let next: ModelHead = head;
  let supersededVersion: string | null = null;
  const line = lineOf(candidate);
  const lineDetails = line === null ? {} : { line };
  if (target === 'production') {
    const slot = lineSlot(head, line);
    supersededVersion = slot.production?.version ?? null;
    drafts.push(
      event(who, 'promote', candidate.version, candidate.stage, target, {
        archivedVersion: null,
        supersededVersion,
        ...lineDetails,
        ...gateDetails,
      }),
    );
    let supersededAt = without(head.supersededAt, candidate.version);
    if (supersededVersion !== null) {
      // the replaced version stays fetchable and a rollback target; the archival policy archives it later
      stageChanges.push({ version: supersededVersion, from: 'production', to: 'superseded', at: who.now });
      drafts.push(
        event(who, 'supersede', supersededVersion, 'production', 'superseded', {
          supersededBy: candidate.version,
          ...lineDetails,
        }),
      );
      supersededAt = { ...supersededAt, [supersededVersion]: who.now };
    }
    next = withLineSlot({ ...next, supersededAt }, line, {
      production: { version: candidate.version, metrics: candidate.metrics, since: who.now },
      previousProductionVersion: supersededVersion ?? slot.previousProductionVersion,
    });
  } else {
    drafts.push(
      event(who, 'promote', candidate.version, candidate.stage, target, { ...lineDetails, ...gateDetails }),
    );
  }
  return {
    change: finish(ref, head, { head: next, drafts, stageChanges, newVersions: [] }, who.now),
    result: {
      promoted: true,
      version: candidate.version,
      stage: target,
      archivedVersion: null,
      ...(target === 'production' ? { supersededVersion, line } : {}),
      ...(gates.length ? { gates } : {}),
    },
  };
}

function policyGates(policy: Policy, target: Stage): Gates {
  if (target === 'staging') return policy.gates.staging;
  if (target === 'production') return policy.gates.production;
  return {};
}

/** The champion a candidate is compared with: the production version of the candidate's line. */
function baseline(head: ModelHead, candidate: VersionRecord) {
  const production = lineSlot(head, lineOf(candidate)).production;
  if (production === null || production.version === candidate.version) return null;
  return { version: production.version, metrics: production.metrics };
}

function without(map: Record<string, string>, key: string): Record<string, string> {
  if (!(key in map)) return map;
  const { [key]: _, ...rest } = map;
  return rest;
}

/** The answer of `demote`. */
export interface DemoteResult {
  demoted: boolean;
  version: string;
  stage: Stage;
  archivedVersion: null;
  alreadyDemoted?: true;
}

/** Moves a version down: production→staging|development, staging→development. */
export function decideDemote(
  ref: ModelRef,
  head: ModelHead,
  version: VersionRecord,
  to: Stage,
  who: Actor,
): Decision<DemoteResult> {
  if (to !== 'staging' && to !== 'development') {
    throw new InvalidTransitionError(
      `cannot demote from ${version.stage} to ${to}; demote moves a version to staging or development (use archive to retire it, promote or rollback to move it up).`,
      { action: 'demote', from: version.stage, to },
    );
  }
  if (version.stage === to) {
    return {
      change: null,
      result: {
        demoted: true,
        version: version.version,
        stage: to,
        archivedVersion: null,
        alreadyDemoted: true,
      },
    };
  }
  assertTransition('demote', version.stage, to);
  let next: ModelHead = head;
  if (version.stage === 'production') {
    next = withLineSlot(
      { ...head, supersededAt: { ...head.supersededAt, [version.version]: who.now } },
      lineOf(version),
      { production: null, previousProductionVersion: version.version },
    );
  }
  const change = finish(
    ref,
    head,
    {
      head: next,
      drafts: [event(who, 'demote', version.version, version.stage, to)],
      stageChanges: [{ version: version.version, from: version.stage, to, at: who.now }],
      newVersions: [],
    },
    who.now,
  );
  return { change, result: { demoted: true, version: version.version, stage: to, archivedVersion: null } };
}

/** The answer of `archive`. */
export interface ArchiveResult {
  archived: boolean;
  version: string;
  stage: Stage;
  archivedVersion: null;
  alreadyArchived?: true;
}

/** Archives a version; the production version only with `force`. */
export function decideArchive(
  ref: ModelRef,
  head: ModelHead,
  version: VersionRecord,
  options: { force?: boolean; reason?: string },
  who: Actor,
): Decision<ArchiveResult> {
  if (version.stage === 'archived') {
    return {
      change: null,
      result: {
        archived: true,
        version: version.version,
        stage: 'archived',
        archivedVersion: null,
        alreadyArchived: true,
      },
    };
  }
  assertTransition(
    'archive',
    version.stage,
    'archived',
    options.force === undefined ? {} : { force: options.force },
  );
  let next: ModelHead = { ...head, supersededAt: without(head.supersededAt, version.version) };
  if (version.stage === 'production') {
    next = withLineSlot(next, lineOf(version), {
      production: null,
      previousProductionVersion: version.version,
    });
  }
  const details = options.reason ? { reason: options.reason } : {};
  const change = finish(
    ref,
    head,
    {
      head: next,
      drafts: [event(who, 'archive', version.version, version.stage, 'archived', details)],
      stageChanges: [{ version: version.version, from: version.stage, to: 'archived', at: who.now }],
      newVersions: [],
    },
    who.now,
  );
  return {
    change,
    result: { archived: true, version: version.version, stage: 'archived', archivedVersion: null },
  };
}

/** The answer of `deprecate`. */
export interface DeprecateResult {
  deprecated: boolean;
  version: string;
  stage: Stage;
  reason: string;
  alreadyDeprecated?: true;
}

/**
 * Deprecates a version: it stays fetchable but may not be promoted, rolled back to or
 * given traffic. The production version needs `force` (its line is left with nothing in
 * production); a version a weighted or shadow alias sends traffic to is refused until the
 * alias is moved or removed. The reason is required and kept in the audit event.
 */
export function decideDeprecate(
  ref: ModelRef,
  head: ModelHead,
  version: VersionRecord,
  options: { force?: boolean; reason: string; storedReason?: string | null },
  who: Actor,
): Decision<DeprecateResult> {
  const reason = options.reason.trim();
  if (reason.length === 0) {
    throw new ValidationError(
      `deprecating ${refLabel(ref)} ${version.version} needs a reason (--reason "…"); it is kept in the audit trail and shown to whoever fetches the version.`,
      { field: 'reason' },
    );
  }
  if (version.stage === 'deprecated') {
    // the reason recorded when it was deprecated stands; the one given now is not recorded
    return {
      change: null,
      result: {
        deprecated: true,
        version: version.version,
        stage: 'deprecated',
        reason: options.storedReason ?? reason,
        alreadyDeprecated: true,
      },
    };
  }
  assertTransition('deprecate', version.stage, 'deprecated', options.force ? { force: true } : {});
  const routed = aliasesOf(head, version.version).filter((a) => isRouted(aliasRoutingOf(head, a)));
  if (routed.length > 0) {
    throw new ConflictError(
      `${refLabel(ref)} ${version.version} gets traffic through ${routed.map((a) => `@${a}`).join(', ')}; move or remove ${routed.length === 1 ? 'that alias' : 'those aliases'} before deprecating it.`,
      { aliases: routed },
    );
  }
  const line = lineOf(version);
  let next: ModelHead = { ...head, supersededAt: without(head.supersededAt, version.version) };
  if (version.stage === 'production') {
    next = withLineSlot(next, line, { production: null, previousProductionVersion: version.version });
  }
  const change = finish(
    ref,
    head,
    {
      head: next,
      drafts: [
        event(who, 'deprecate', version.version, version.stage, 'deprecated', {
          reason,
          ...(line === null ? {} : { line }),
          ...(options.force && version.stage === 'production' ? { forced: true } : {}),
        }),
      ],
      stageChanges: [{ version: version.version, from: version.stage, to: 'deprecated', at: who.now }],
      newVersions: [],
    },
    who.now,
  );
  return { change, result: { deprecated: true, version: version.version, stage: 'deprecated', reason } };
}

/** How a version was deprecated: the reason, who and when (from its `deprecate` audit event). */
export interface Deprecation {
  version: string;
  reason: string;
  at: string;
  actor: string;
}

/** The latest `deprecate` event of a version among `events` (null when there is none). */
export function deprecationIn(events: readonly AuditEvent[], version: string): Deprecation | null {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.action === 'deprecate' && e.version === version) {
      return { version, reason: String(e.details.reason ?? ''), at: e.at, actor: e.actor };
    }
  }
  return null;
}

/** The answer of `rollback`. */
export interface RollbackResult {
  rolledBack: boolean;
  version: string;
  stage: Stage;
  archivedVersion: string | null;
  alreadyRolledBack?: true;
  /** Why a rollback was refused (the policy's production gates or approval rule). */
  reason?: string;
  /** Every production gate of the policy, evaluated on the target (when it was checked). */
  gates?: GateResult[];
  /** The policy's production gates and approval rule were bypassed on purpose (`skipGates`). */
  gatesSkipped?: true;
  /** Aliases moved from the archived version to the rolled-back one (`moveAliases`). */
  movedAliases?: string[];
}

/** How a rollback treats the policy and the aliases of the version it archives. */
export interface RollbackOptions {
  /** Bypass the production gates and approval rule (an emergency); needs a reason, recorded in the audit event. */
  skipGates?: boolean;
  /** Move the aliases that point at the archived production version to the rolled-back version. */
  moveAliases?: boolean;
}

/** The version `rollback` without `--version` returns to: the one the line's production had before. */
export function rollbackTarget(ref: ModelRef, head: ModelHead, line: string | null = null): string {
  const slot = lineSlot(head, line);
  const target = slot.previousProductionVersion;
  if (target === null || target === slot.production?.version) {
    throw new VersionNotFoundError(
      `${refLabel(ref)} has no previous production version to roll back to${line === null ? '' : ` on line ${line}`}; name the version to return to.`,
      { line },
    );
  }
  return target;
}

/** Returns an archived or staging version to production, archiving the current one in the same write. */
export function decideRollback(
  ref: ModelRef,
  head: ModelHead,
  target: VersionRecord,
  who: Actor,
  reason?: string,
  options: RollbackOptions = {},
): Decision<RollbackResult> {
  if (target.stage === 'production') {
    return {
      change: null,
      result: {
        rolledBack: true,
        version: target.version,
        stage: 'production',
        archivedVersion: null,
        alreadyRolledBack: true,
      },
    };
  }
  assertTransition('rollback', target.stage, 'production');
  const line = lineOf(target);
  const slot = lineSlot(head, line);
  const archivedVersion = slot.production?.version ?? null;
  const policyGatesOfTarget = policyGates(head.policy, 'production');
  let checked: GateResult[] | undefined;
  if (options.skipGates) {
    if (!reason?.trim()) {
      throw new ValidationError(
        `a rollback of ${refLabel(ref)} that skips the production gates needs a reason (kept in the audit trail).`,
      );
    }
  } else {
    checked = evaluateGates(policyGatesOfTarget, target, baseline(head, target), 'policy');
    const failing = checked.filter((g) => !g.passed);
    const refusals = [
      ...(failing.length > 0
        ? [`${failing.length} of ${checked.length} production gates failed: ${describeFailures(checked)}`]
        : []),
      ...(head.policy.requireApproval
        ? ['the policy requires an approval for production, and a rollback does not wait for one']
        : []),
    ];
    if (refusals.length > 0) {
      return {
        change: null,
        result: {
          rolledBack: false,
          version: target.version,
          stage: target.stage,
          archivedVersion: null,
          reason: `rollback of ${target.version} refused: ${refusals.join('; ')}. Skip the gates with a reason to roll back anyway.`,
          gates: checked,
        },
      };
    }
  }
  const stranded = archivedVersion === null ? [] : aliasesOf(head, archivedVersion);
  if (stranded.length > 0 && !options.moveAliases) {
    throw new ConflictError(
      `rolling back archives ${archivedVersion}, which ${stranded.map((a) => `@${a}`).join(', ')} ${stranded.length === 1 ? 'points' : 'point'} at; move the aliases to ${target.version} with the rollback (moveAliases), or point them elsewhere first.`,
      { archivedVersion, aliases: stranded },
    );
  }
  const stageChanges: StageChange[] = [
    { version: target.version, from: target.stage, to: 'production', at: who.now },
  ];
  const drafts: AuditDraft[] = [
    event(who, 'rollback', target.version, target.stage, 'production', {
      archivedVersion,
      ...(line === null ? {} : { line }),
      ...(reason ? { reason } : {}),
      ...(options.skipGates
        ? {
            gatesSkipped: true,
            skipped: { gates: policyGatesOfTarget, requireApproval: head.policy.requireApproval },
          }
        : checked && checked.length > 0
          ? { gates: checked.map(({ gate, actual, threshold }) => ({ gate, actual, threshold })) }
          : {}),
    }),
  ];
  if (archivedVersion !== null) {
    stageChanges.push({ version: archivedVersion, from: 'production', to: 'archived', at: who.now });
    drafts.push(
      event(who, 'archive', archivedVersion, 'production', 'archived', {
        reason: 'rolled back',
        replacedBy: target.version,
      }),
    );
  }
  const aliases = { ...head.aliases };
  for (const alias of stranded) {
    aliases[alias] = target.version;
    drafts.push(
      event(who, 'alias.set', target.version, null, null, {
        alias,
        previousVersion: archivedVersion,
        reason: 'moved by rollback',
      }),
    );
  }
  const next: ModelHead = withLineSlot(
    { ...head, supersededAt: without(head.supersededAt, target.version), aliases },
    line,
    {
      production: { version: target.version, metrics: target.metrics, since: who.now },
      previousProductionVersion: archivedVersion ?? slot.previousProductionVersion,
    },
  );
  return {
    change: finish(ref, head, { head: next, drafts, stageChanges, newVersions: [] }, who.now),
    result: {
      rolledBack: true,
      version: target.version,
      stage: 'production',
      archivedVersion,
      ...(options.skipGates ? { gatesSkipped: true as const } : {}),
      ...(stranded.length > 0 ? { movedAliases: stranded } : {}),
    },
  };
}

/** The answer of alias changes. */
export interface AliasResult {
  alias: string;
  version: string | null;
  previousVersion: string | null;
  changed: boolean;
  /** The alias's traffic intent after the change (absent: a plain alias). */
  weight?: number;
  shadow?: true;
  /** The traffic intent it had before a change (absent: it was plain, or nothing changed). */
  previousWeight?: number;
  previousShadow?: true;
}

/** The routing of an alias in the head, own keys only. */
export function aliasRoutingOf(
  head: Pick<ModelHead, 'aliasRouting'>,
  alias: string,
): AliasRouting | undefined {
  const routing = head.aliasRouting;
  return routing && Object.hasOwn(routing, alias) ? routing[alias] : undefined;
}

function withoutRouting(head: ModelHead, alias: string): ModelHead {
  if (aliasRoutingOf(head, alias) === undefined) return head;
  const { [alias]: _, ...rest } = head.aliasRouting ?? {};
  return { ...head, aliasRouting: rest };
}

/**
 * Points `alias` at `version` (moving it if it pointed elsewhere), optionally with a
 * weight or as a shadow. A routed alias needs a version that may serve (not deprecated or
 * archived), and the weights on the version's line must sum to at most 1.
 * `lineOfVersion` says which line each other weighted alias's version is on, or undefined
 * for a version that may no longer serve (its weight sends no traffic, so it does not count).
 */
export function decideSetAlias(
  ref: ModelRef,
  head: ModelHead,
  alias: string,
  version: VersionRecord,
  who: Actor,
  routing: AliasRouting = {},
  lineOfVersion: (version: string) => string | null | undefined = () => null,
): Decision<AliasResult> {
  const previous = aliasTarget(head, alias) ?? null;
  const before = aliasRoutingOf(head, alias);
  const routed = isRouted(routing);
  if (routed && !mayServe(version.stage)) {
    throw new InvalidTransitionError(
      `${refLabel(ref)} ${version.version} is ${version.stage}; a weighted or shadow alias sends it traffic, so point @${alias} at a version that may serve.`,
      { alias, version: version.version, stage: version.stage },
    );
  }
  if (routing.weight !== undefined) {
    const line = lineOf(version);
    const others = Object.entries(head.aliasRouting ?? {})
      .filter(([a, r]) => a !== alias && r.weight !== undefined)
      .filter(([a]) => {
        const target = aliasTarget(head, a);
        if (target === undefined) return false;
        const targetLine = lineOfVersion(target);
        return targetLine !== undefined && targetLine === line;
      })
      .map(([a, r]) => ({ alias: a, weight: r.weight as number }));
    assertWeightsFit(line, alias, routing.weight, others);
  }
  const answer = {
    alias,
    version: version.version,
    previousVersion: previous,
    ...(routing.weight !== undefined ? { weight: routing.weight } : {}),
    ...(routing.shadow ? { shadow: true as const } : {}),
  };
  const sameRouting = canonicalJson(before ?? {}) === canonicalJson(routed ? routing : {});
  if (previous === version.version && sameRouting) {
    return { change: null, result: { ...answer, changed: false } };
  }
  const base = withoutRouting(head, alias);
  const next: ModelHead = {
    ...base,
    aliases: { ...head.aliases, [alias]: version.version },
    ...(routed ? { aliasRouting: { ...(base.aliasRouting ?? {}), [alias]: routing } } : {}),
  };
  const previously = {
    ...(before?.weight !== undefined ? { previousWeight: before.weight } : {}),
    ...(before?.shadow ? { previousShadow: true as const } : {}),
  };
  const change = finish(
    ref,
    head,
    {
      head: next,
      drafts: [
        event(who, 'alias.set', version.version, null, null, {
          alias,
          previousVersion: previous,
          ...(routing.weight !== undefined ? { weight: routing.weight } : {}),
          ...(routing.shadow ? { shadow: true } : {}),
          ...(before && isRouted(before) ? { previousRouting: before } : {}),
        }),
      ],
      stageChanges: [],
      newVersions: [],
    },
    who.now,
  );
  return { change, result: { ...answer, ...previously, changed: true } };
}

/** Removes an alias. */
export function decideRemoveAlias(
  ref: ModelRef,
  head: ModelHead,
  alias: string,
  who: Actor,
): Decision<AliasResult> {
  const previous = aliasTarget(head, alias);
  if (previous === undefined) {
    throw new AliasNotFoundError(
      `${refLabel(ref)} has no alias ${JSON.stringify(alias)}; aliases: ${Object.keys(head.aliases).join(', ') || 'none'}.`,
      {
        alias,
      },
    );
  }
  const change = finish(
    ref,
    head,
    {
      head: { ...withoutRouting(head, alias), aliases: without(head.aliases, alias) },
      drafts: [event(who, 'alias.remove', previous, null, null, { alias })],
      stageChanges: [],
      newVersions: [],
    },
    who.now,
  );
  return { change, result: { alias, version: null, previousVersion: previous, changed: true } };
}

/** Replaces a model's policy (creating the model's head if the model has no versions yet). */
export function decideSetPolicy(
  ref: ModelRef,
  head: ModelHead | null,
  policy: Policy,
  who: Actor,
): Decision<Policy> {
  // the same policy again changes nothing: no audit event, no notification
  if (head !== null && canonicalJson(head.policy) === canonicalJson(policy)) {
    return { change: null, result: head.policy };
  }
  const base = head ?? emptyHead(ref, who.now);
  const change = finish(
    ref,
    base,
    {
      head: { ...base, policy },
      drafts: [event(who, 'policy.set', null, null, null, { policy, previous: base.policy })],
      stageChanges: [],
      newVersions: [],
    },
    who.now,
  );
  return { change, result: policy };
}

/** One version the archival policy archived, and why. */
export interface ArchivalItem {
  version: string;
  fromStage: Stage;
  reason: string;
}

/** The answer of applying the archival policy to one model. */
export interface ArchivalResult {
  useCase: string;
  modelName: string;
  archived: ArchivalItem[];
  keptForAlias: string[];
}

const DAY_MS = 86_400_000;

/**
 * Applies a model's archival rule at `who.now`: development and staging versions older
 * than `maxAgeDays` in their stage, and ex-production versions (superseded by a
 * promotion, or demoted) `supersededAfterDays` after they left production. Aliased
 * versions are kept.
 */
export function decideArchival(
  ref: ModelRef,
  head: ModelHead,
  candidates: readonly VersionRecord[],
  who: Actor,
): Decision<ArchivalResult> {
  const { maxAgeDays, supersededAfterDays } = head.policy.archival;
  const now = Date.parse(who.now);
  const aliased = new Set(Object.values(head.aliases));
  const items: ArchivalItem[] = [];
  const kept: string[] = [];
  for (const v of candidates) {
    if (v.stage !== 'development' && v.stage !== 'staging' && v.stage !== 'superseded') continue;
    const leftProduction = Object.hasOwn(head.supersededAt, v.version)
      ? head.supersededAt[v.version]
      : undefined;
    // a superseded version was replaced by definition; a demoted one only once its line has a production version again
    const replaced = v.stage === 'superseded' || lineSlot(head, lineOf(v)).production !== null;
    let reason: string | null = null;
    if (supersededAfterDays !== null && leftProduction !== undefined && replaced) {
      if (now - Date.parse(leftProduction) >= supersededAfterDays * DAY_MS) {
        reason = `superseded in production more than ${supersededAfterDays} days ago`;
      }
    }
    if (
      reason === null &&
      v.stage !== 'superseded' &&
      maxAgeDays !== null &&
      now - Date.parse(v.stageUpdatedAt) >= maxAgeDays * DAY_MS
    ) {
      reason = `${v.stage} for more than ${maxAgeDays} days`;
    }
    if (reason === null) continue;
    if (aliased.has(v.version)) {
      kept.push(v.version);
      continue;
    }
    items.push({ version: v.version, fromStage: v.stage, reason });
  }
  const result = { useCase: ref.useCase, modelName: ref.modelName, archived: items, keptForAlias: kept };
  if (items.length === 0) return { change: null, result };
  let supersededAt = head.supersededAt;
  for (const i of items) supersededAt = without(supersededAt, i.version);
  const change = finish(
    ref,
    head,
    {
      head: { ...head, supersededAt },
      drafts: items.map((i) =>
        event(who, 'archive', i.version, i.fromStage, 'archived', { reason: `archival policy: ${i.reason}` }),
      ),
      stageChanges: items.map((i) => ({
        version: i.version,
        from: i.fromStage,
        to: 'archived' as const,
        at: who.now,
      })),
      newVersions: [],
    },
    who.now,
  );
  return { change, result };
}

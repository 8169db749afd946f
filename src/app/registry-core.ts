import * as z from 'zod';
import { mayServe } from '../core/alias-routing.js';
import { type AuditEvent, eventType } from '../core/audit.js';
import type { AuditCheckpoint, CheckpointSigner } from '../core/audit-checkpoint.js';
import { compareMetrics, type MetricDelta } from '../core/compare.js';
import {
  type AliasResult,
  type ArchivalResult,
  type ArchiveResult,
  assertVersionFree,
  chooseVersion,
  type Decision,
  type DemoteResult,
  decideArchival,
  decideArchive,
  decideDemote,
  decidePromote,
  decideRegister,
  decideRemoveAlias,
  decideRollback,
  decideSetAlias,
  decideSetPolicy,
  type MeasuredMetrics,
  type PromoteResult,
  type RollbackResult,
  rollbackTarget,
  type Actor as Who,
} from '../core/decisions.js';
import {
  AliasNotFoundError,
  ConcurrentModificationError,
  DeliveryError,
  ModelNotFoundError,
  NotFoundError,
  ValidationError,
  VersionExistsError,
  VersionNotFoundError,
} from '../core/errors.js';
import type { GateResult } from '../core/gates.js';
import { aliasesOf, aliasTarget, type ModelHead } from '../core/head.js';
import { type ModelRef, type ModelVersion, refLabel, type Stage } from '../core/model.js';
import { type Policy, validatePolicy } from '../core/policy.js';
import type {
  ArtifactStore,
  ChangeSet,
  Clock,
  Notifier,
  OrphanedArtifact,
  Page,
  RecordWrite,
  RegistryEvent,
  RegistryStore,
  StagedArtifact,
  UndeliveredNotification,
  VersionRecord,
} from '../core/ports.js';
import { lineOf, lineSlot, productionByLine, selectedLine } from '../core/release-lines.js';
import { KEYS_MODEL } from '../core/signing.js';
import { parseVersion } from '../core/versioning.js';
import { WEBHOOKS_REF } from '../core/webhooks.js';
import {
  type AnchoredVerification,
  authenticCheckpoint,
  signCheckpoint,
  type VerifyOptions,
  VerifyOptionsSchema,
  verifyStoredChain,
} from './audit-anchor.js';
import { detectFormat } from './formats/detect.js';
import {
  type AliasRemoveInput,
  AliasRemoveSchema,
  type AliasSetInput,
  AliasSetSchema,
  type ArchivalInput,
  ArchivalSchema,
  type ArchiveInput,
  ArchiveSchema,
  AuditPageSchema,
  type AuditRefInput,
  type AuditShowInput,
  auditRefOf,
  type CompareInput,
  CompareSchema,
  type DemoteInput,
  DemoteSchema,
  type GetArtifactInput,
  GetArtifactSchema,
  type LineageInput,
  LineageSchema,
  type ListInput,
  type ListInStageInput,
  ListInStageSchema,
  ListSchema,
  type ModelInput,
  ModelSchema,
  PageSchema,
  type PolicySetInput,
  PolicySetSchema,
  type PromoteInput,
  PromoteSchema,
  parseInput,
  type RegisterInput,
  RegisterSchema,
  type RollbackInput,
  RollbackSchema,
  type SelectorInput,
  SelectorSchema,
} from './inputs.js';
import { requireParent } from './lineage.js';
import { osUser } from './os-user.js';
import { allPages } from './pages.js';
import { outboxOf } from './webhooks.js';

/** The ports a registry runs on; the backend decides which adapters fill them. */
export interface RegistryPorts {
  store: RegistryStore;
  artifacts: ArtifactStore;
  notifier: Notifier;
  clock?: Clock;
  /** Who acts when a call names nobody (defaults to `MODELREG_ACTOR` or the OS user). */
  actor?: string;
  /** Where warnings go (a failed notification, say). */
  warn?: (message: string) => void;
  /** Attempts for one decision when other writers keep winning the race. */
  maxAttempts?: number;
  /** Releases what the backend holds beyond the store (SDK clients), on close. */
  dispose?: () => Promise<void>;
}

/** The answer of `notifications resend`. */
export interface ResendResult {
  sent: string[];
  failed: { id: string; error: string }[];
}

/**
 * Makes a registration happen once per key (a training event's id): `record` is written
 * in the registration's own commit on the condition that it is absent, so of two
 * concurrent deliveries one commits and the other, retrying, finds it with `find`.
 */
export interface RegisterDedupe {
  find: () => Promise<VersionRecord | null>;
  record: (version: VersionRecord) => RecordWrite;
}

/** The answer of `artifacts sweep`. */
export interface SweepResult {
  removed: string[];
  kept: string[];
  failed: { artifact: string; error: string }[];
  /** Staged copies and set-aside folders of crashed registrations, removed (or, dry, to remove). */
  leftovers: { path: string; bytes: number }[];
  /** Bytes those leftovers held. */
  freedBytes: number;
  dryRun: boolean;
}

/** Leftovers younger than this are left alone: a registration may still be copying a large artifact. */
export const SWEEP_SAFE_AGE_MS = 60 * 60 * 1000;

/** The id an undelivered event is kept under: one per audit event. */
export function undeliveredId(e: RegistryEvent): string {
  return `${e.useCase}/${e.modelName}#${e.seq}`;
}

/** A model of a use case, as `models list` without `--model` shows it. */
export interface ModelSummary {
  useCase: string;
  modelName: string;
  productionVersion: string | null;
  productionSince: string | null;
  latestVersion: string | null;
  versionCount: number;
  aliases: Record<string, string>;
  updatedAt: string;
  /** Production of each named release line (absent when the model has none). */
  lines?: Record<string, string | null>;
}

/** The answer of `compare`. */
export interface CompareResult {
  useCase: string;
  modelName: string;
  a: string;
  b: string;
  metrics: Record<string, MetricDelta>;
}

/** The answer of `lineage show`. */
export interface LineageResult {
  runId: string;
  items: ModelVersion[];
  nextCursor: string | null;
}

/** The answer of `get`: where the verified copy is. */
export interface GetArtifactResult {
  useCase: string;
  modelName: string;
  version: string;
  path: string;
  sha256: string;
  verified: true;
}

const systemClock: Clock = { now: () => new Date() };

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Turns committed audit events into the events notifiers publish. */
export function toRegistryEvents(change: ChangeSet): RegistryEvent[] {
  return change.events.map((e) => ({
    type: eventType(e.action),
    useCase: change.ref.useCase,
    modelName: change.ref.modelName,
    seq: e.seq,
    at: e.at,
    actor: e.actor,
    version: e.version,
    fromStage: e.fromStage,
    toStage: e.toStage,
    details: e.details,
  }));
}

/**
 * The registry's use cases. Each mutation reads the model head, lets the domain decide,
 * commits the whole change on the revision it read, and on a lost race re-reads and
 * decides again, so a retried call never applies twice. The workflow's use cases extend
 * it in registry.ts.
 */
export class RegistryCore {
  protected readonly store: RegistryStore;
  protected readonly artifacts: ArtifactStore;
  protected readonly notifier: Notifier;
  protected readonly clock: Clock;
  protected readonly actor: string;
  protected readonly warn: (message: string) => void;
  protected readonly maxAttempts: number;
  protected readonly dispose: (() => Promise<void>) | undefined;

  constructor(ports: RegistryPorts) {
    this.store = ports.store;
    this.artifacts = ports.artifacts;
    this.notifier = ports.notifier;
    this.clock = ports.clock ?? systemClock;
    this.actor = ports.actor ?? osUser();
    this.warn = ports.warn ?? ((m) => process.stderr.write(`warning: ${m}\n`));
    this.maxAttempts = ports.maxAttempts ?? 12;
    this.dispose = ports.dispose;
  }

  protected who(actor: string | undefined): Who {
    return { actor: actor ?? this.actor, now: this.clock.now().toISOString() };
  }

  /** Runs decide → commit, retrying on ConcurrentModificationError with jittered backoff. */
  protected async mutate<R>(
    decide: (attempt: number) => Promise<Decision<R>>,
    onCommitFailed?: (error: unknown, change: ChangeSet) => Promise<'committed' | 'lost'>,
  ): Promise<R> {
    for (let attempt = 1; ; attempt++) {
      try {
        const decision = await decide(attempt);
        if (decision.change === null) return decision.result;
        const change = await this.withOutbox(decision.change);
        try {
          await this.store.commit(change);
        } catch (e) {
          if (!onCommitFailed || (await onCommitFailed(e, change)) === 'lost') throw e;
        }
        await this.publish(change);
        return decision.result;
      } catch (e) {
        if (!(e instanceof ConcurrentModificationError)) throw e;
        if (attempt >= this.maxAttempts) {
          throw new ConcurrentModificationError(
            `gave up after ${attempt} attempts because other writers kept changing the model; try again. Last conflict: ${e.message}`,
            e.details,
          );
        }
        await sleep(Math.random() * Math.min(250, 5 * 2 ** attempt));
      }
    }
  }

  /**
   * Adds the webhook deliveries of a change to it, so the commit that writes the events
   * writes their outbox too: a process that dies after the commit loses no delivery.
   */
  private async withOutbox(change: ChangeSet): Promise<ChangeSet> {
    const outbox = await outboxOf(
      this.store,
      change,
      toRegistryEvents(change),
      this.clock.now().toISOString(),
    );
    return outbox.length === 0 ? change : { ...change, records: [...(change.records ?? []), ...outbox] };
  }

  /**
   * Tells subscribers about a committed change. A failure never fails the change: the
   * events that were not delivered are kept, listed by `notifications list` and re-sent
   * by `notifications resend`.
   */
  private async publish(change: ChangeSet): Promise<void> {
    const events = toRegistryEvents(change);
    try {
      await this.notifier.publish(events);
    } catch (e) {
      const failed = e instanceof DeliveryError ? (e.failed as RegistryEvent[]) : events;
      await this.keepUndelivered(failed, e, 1);
    }
  }

  private async keepUndelivered(
    events: readonly RegistryEvent[],
    error: unknown,
    attempts: number,
  ): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    const failedAt = this.clock.now().toISOString();
    try {
      await this.store.saveUndelivered(
        events.map((event) => ({ id: undeliveredId(event), failedAt, error: message, attempts, event })),
      );
      this.warn(
        `the change was committed but ${events.length} notification(s) failed (${message}); they are kept as undelivered and can be re-sent.`,
      );
    } catch (e) {
      this.warn(
        `the change was committed but ${events.length} notification(s) failed (${message}) and could not be recorded (${(e as Error).message}): ${JSON.stringify(events)}`,
      );
    }
  }

  protected async requireHead(ref: ModelRef): Promise<ModelHead> {
    const head = await this.store.getHead(ref);
    if (head === null || head.versionCount === 0) throw this.modelNotFound(ref);
    return head;
  }

  protected modelNotFound(ref: ModelRef): ModelNotFoundError {
    return new ModelNotFoundError(
      `model ${refLabel(ref)} is not registered; check --use-case and --model, or register a version first.`,
      { ...ref },
    );
  }

  /**
   * Turns a selector into a version string: `1.2.0`, `@alias`, `model@alias` (already
   * split by the caller), `--alias`, or `--stage` (the newest version in that stage).
   */
  protected async resolveVersion(
    ref: ModelRef,
    head: ModelHead,
    sel: {
      version?: string | undefined;
      stage?: Stage | undefined;
      alias?: string | undefined;
      line?: string | undefined;
    },
  ): Promise<string> {
    const given = [sel.version, sel.stage, sel.alias].filter((x) => x !== undefined).length;
    if (given !== 1) {
      throw new ValidationError(
        'name exactly one of version, stage or alias (--version V, --stage S or --alias A; or write the model as name@alias).',
      );
    }
    if (sel.alias !== undefined || sel.version?.startsWith('@')) {
      const alias = sel.alias ?? sel.version!.slice(1);
      const target = aliasTarget(head, alias);
      if (target === undefined) {
        throw new AliasNotFoundError(
          `${refLabel(ref)} has no alias ${JSON.stringify(alias)}; aliases: ${Object.keys(head.aliases).join(', ') || 'none'}.`,
          { alias },
        );
      }
      return target;
    }
    if (sel.stage !== undefined) {
      const line = selectedLine(sel.line);
      const production = lineSlot(head, line).production;
      if (sel.stage === 'production' && production) return production.version;
      return this.newestInStage(ref, sel.stage, head, sel.line);
    }
    return parseVersion(sel.version);
  }

  /**
   * The newest version in a stage (on one release line when `line` is given); without the
   * head at hand, it is read only to say what is missing.
   */
  protected async newestInStage(
    ref: ModelRef,
    stage: Stage,
    head: ModelHead | null,
    line?: string,
  ): Promise<string> {
    if (line === undefined) {
      const page = await this.store.listVersions(ref, { stage, limit: 1 });
      const newest = page.items[0];
      if (newest) return newest.version;
    } else {
      const wanted = selectedLine(line);
      let cursor: string | null = null;
      do {
        const page: Page<VersionRecord> = await this.store.listVersions(ref, { stage, limit: 100, cursor });
        const found = page.items.find((v) => lineOf(v) === wanted);
        if (found) return found.version;
        cursor = page.nextCursor;
      } while (cursor !== null);
    }
    if (head === null) await this.requireHead(ref);
    throw new VersionNotFoundError(
      `${refLabel(ref)} has no version in ${stage}${line === undefined ? '' : ` on line ${line}`}.`,
      { stage, ...(line === undefined ? {} : { line }) },
    );
  }

  /**
   * Reads store pages until `limit` items of a release line are found, asking each read
   * only for what the page still lacks, so the cursor answered is exact (nothing skipped
   * or repeated across pages).
   */
  protected async pageOnLine(
    line: string | undefined,
    limit: number | undefined,
    cursor: string | null,
    read: (limit: number, cursor: string | null) => Promise<Page<VersionRecord>>,
  ): Promise<Page<VersionRecord>> {
    if (line === undefined) return read(limit ?? 50, cursor);
    const wanted = selectedLine(line);
    const want = limit ?? 50;
    const items: VersionRecord[] = [];
    let next = cursor;
    do {
      const page = await read(want - items.length, next);
      items.push(...page.items.filter((v) => lineOf(v) === wanted));
      next = page.nextCursor;
    } while (next !== null && items.length < want);
    return { items, nextCursor: next };
  }

  protected splitModel<
    T extends { modelName: string; version?: string | undefined; alias?: string | undefined },
  >(input: T): T {
    const at = typeof input.modelName === 'string' ? input.modelName.indexOf('@') : -1;
    if (at === -1) return input;
    return { ...input, modelName: input.modelName.slice(0, at), alias: input.modelName.slice(at + 1) };
  }

  /** Reads the head and the selected version together (one round trip when the version is named). */
  protected async load(
    ref: ModelRef,
    sel: SelectorInput,
  ): Promise<{ head: ModelHead; version: VersionRecord }> {
    const direct =
      sel.version !== undefined &&
      !sel.version.startsWith('@') &&
      sel.stage === undefined &&
      sel.alias === undefined;
    if (direct) {
      const wanted = parseVersion(sel.version);
      const { head, versions } = await this.store.getHeadAndVersions(ref, [wanted]);
      if (head === null || head.versionCount === 0) throw this.modelNotFound(ref);
      const version = versions.get(wanted);
      if (!version) throw this.versionNotFound(ref, head, wanted);
      return { head, version };
    }
    // A stage other than production is found by its index alone: the head comes with the version.
    const byStage =
      sel.stage !== undefined &&
      sel.stage !== 'production' &&
      sel.version === undefined &&
      sel.alias === undefined;
    const head = byStage ? null : await this.requireHead(ref);
    const wanted = head
      ? await this.resolveVersion(ref, head, sel)
      : await this.newestInStage(ref, sel.stage!, null, sel.line);
    const { head: fresh, versions } = await this.store.getHeadAndVersions(ref, [wanted]);
    if (fresh === null || fresh.versionCount === 0) throw this.modelNotFound(ref);
    const version = versions.get(wanted);
    if (!version) throw this.versionNotFound(ref, fresh, wanted);
    return { head: fresh, version };
  }

  protected versionNotFound(ref: ModelRef, head: ModelHead, version: string): VersionNotFoundError {
    return new VersionNotFoundError(
      `${refLabel(ref)} has no version ${version}; the latest is ${head.latestVersion ?? 'none'}.`,
      { version },
    );
  }

  protected view(head: ModelHead | null, record: VersionRecord): ModelVersion {
    return { ...record, aliases: aliasesOf(head, record.version) };
  }

  /** Registers a new version: the artifact is hashed and copied in, then committed with its audit event. */
  async register(input: RegisterInput): Promise<ModelVersion> {
    const req = parseInput(RegisterSchema, input);
    const staged = await this.artifacts.stage(req.artifactPath);
    try {
      return await this.registerStaged(req, staged);
    } finally {
      await this.artifacts.discard(staged);
    }
  }

  /**
   * Registers an artifact that is already hashed and staged (the caller discards it), so
   * a caller that needed the digest first does not read, or download, the bytes twice.
   */
  protected async registerStaged(
    req: z.output<typeof RegisterSchema>,
    staged: StagedArtifact,
    dedupe?: RegisterDedupe,
    amend?: (change: ChangeSet, record: VersionRecord) => Promise<void>,
  ): Promise<ModelVersion> {
    const ref: ModelRef = { useCase: req.useCase, modelName: req.modelName };
    // formats and lineage (issue 11): the parent must exist; the format is read from the staged bytes
    await requireParent(this.store, req.lineage.parent);
    const format = this.artifacts.stagedPath
      ? await detectFormat(this.artifacts.stagedPath(staged))
      : undefined;
    let published: string | null = null;
    const record = await this.mutate(
      async () => {
        const earlier = dedupe ? await dedupe.find() : null;
        if (earlier) return { change: null, result: earlier };
        const { head, versions } = await this.store.getHeadAndVersions(ref, req.version ? [req.version] : []);
        const version = chooseVersion(
          head,
          req.version ?? null,
          (req.bump as 'major' | 'minor' | 'patch' | undefined) ?? 'patch',
        );
        const existing = versions.get(version) ?? null;
        const who = this.who(req.registeredBy);
        assertVersionFree(ref, version, existing);
        const artifact = await this.artifacts.publish(staged, ref, version, {
          metadata: req.metadata,
          metrics: req.metrics,
        });
        published = version;
        const record: VersionRecord = {
          useCase: ref.useCase,
          modelName: ref.modelName,
          version,
          stage: 'development',
          artifact,
          metrics: req.metrics,
          metadata: req.metadata,
          lineage: req.lineage,
          tags: req.tags,
          ...(req.description ? { description: req.description } : {}),
          registeredAt: who.now,
          registeredBy: who.actor,
          stageUpdatedAt: who.now,
          ...(req.line ? { line: req.line } : {}),
          ...(format ? { format } : {}),
        };
        const decision = decideRegister(ref, head, null, record, who);
        if (dedupe && decision.change) {
          decision.change.records = [...(decision.change.records ?? []), dedupe.record(record)];
        }
        if (amend && decision.change) {
          // what is added in the same commit (a signature); if it fails, the upload goes back
          try {
            await amend(decision.change, record);
          } catch (e) {
            published = null;
            await this.artifacts.unpublish(ref, version, staged);
            throw e;
          }
        }
        return decision;
      },
      async (error, change) => {
        if (published === null) return 'lost';
        const version = published;
        published = null;
        return this.afterFailedRegistration(ref, version, staged, error, change);
      },
    );
    return this.view(null, record);
  }

  /**
   * A registration's commit failed after its artifact was uploaded. When the failure says
   * for sure that nothing was written (a lost race, an existing version, bad input), the
   * upload is removed. When the outcome is unknown (a timeout, a dropped connection), the
   * registry is read first: the commit may have gone through. An upload that cannot be
   * removed is recorded for `modelreg artifacts sweep`.
   */
  private async afterFailedRegistration(
    ref: ModelRef,
    version: string,
    staged: StagedArtifact,
    error: unknown,
    change: ChangeSet,
  ): Promise<'committed' | 'lost'> {
    const definite =
      error instanceof ConcurrentModificationError ||
      error instanceof VersionExistsError ||
      error instanceof ValidationError;
    if (!definite) {
      const mine = change.newVersions[0];
      try {
        const { versions } = await this.store.getHeadAndVersions(ref, [version]);
        const found = versions.get(version);
        if (
          found &&
          mine &&
          found.artifact.uri === mine.artifact.uri &&
          found.registeredAt === mine.registeredAt
        ) {
          return 'committed';
        }
      } catch (e) {
        await this.recordOrphan(
          ref,
          version,
          `outcome unknown: ${(error as Error).message}; ${(e as Error).message}`,
        );
        return 'lost';
      }
    }
    try {
      await this.artifacts.unpublish(ref, version, staged);
    } catch (e) {
      await this.recordOrphan(ref, version, (e as Error).message);
    }
    return 'lost';
  }

  private async recordOrphan(ref: ModelRef, version: string, error: string): Promise<void> {
    try {
      await this.store.saveOrphan({ ...ref, version, recordedAt: this.clock.now().toISOString(), error });
      this.warn(
        `the upload of ${refLabel(ref)} ${version} could not be removed (${error}); the next artifact sweep will.`,
      );
    } catch (e) {
      this.warn(
        `the upload of ${refLabel(ref)} ${version} could not be removed (${error}) nor recorded (${(e as Error).message}).`,
      );
    }
  }

  /** Notifications that failed after their change was committed. */
  async listUndelivered(
    input: { limit?: number; cursor?: string | null } = {},
  ): Promise<Page<UndeliveredNotification>> {
    const req = parseInput(PageSchema, input);
    return this.store.listUndelivered({
      ...(req.limit ? { limit: req.limit } : {}),
      cursor: req.cursor ?? null,
    });
  }

  /** Sends undelivered notifications again (all, or the given ids); what fails again stays listed. */
  async resendUndelivered(input: { ids?: string[] } = {}): Promise<ResendResult> {
    const wanted = input.ids ? new Set(input.ids) : null;
    const all: UndeliveredNotification[] = [];
    all.push(
      ...(await allPages((cursor) => this.store.listUndelivered({ limit: 1000, cursor }))).filter(
        (i) => wanted === null || wanted.has(i.id),
      ),
    );
    if (wanted) {
      const missing = [...wanted].filter((id) => !all.some((i) => i.id === id));
      if (missing.length > 0) throw new NotFoundError(`no undelivered notification ${missing.join(', ')}.`);
    }
    const result: ResendResult = { sent: [], failed: [] };
    for (const item of all) {
      try {
        await this.notifier.publish([item.event]);
        await this.store.deleteUndelivered([item.id]);
        result.sent.push(item.id);
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        await this.store.saveUndelivered([
          { ...item, attempts: item.attempts + 1, failedAt: this.clock.now().toISOString(), error: message },
        ]);
        result.failed.push({ id: item.id, error: message });
      }
    }
    return result;
  }

  /**
   * Removes uploads whose registration never committed (recorded when their removal
   * failed). An upload that turns out to belong to a registered version is kept.
   */
  async sweepArtifacts(input: { dryRun?: boolean; olderThanMs?: number } = {}): Promise<SweepResult> {
    const req = parseInput(
      z.object({
        dryRun: z.boolean().default(false),
        olderThanMs: z
          .number()
          .int()
          .min(60_000, 'the safe age is at least one minute: a registration may still be copying')
          .default(SWEEP_SAFE_AGE_MS),
      }),
      input,
    );
    const result: SweepResult = {
      removed: [],
      kept: [],
      failed: [],
      leftovers: [],
      freedBytes: 0,
      dryRun: req.dryRun,
    };
    if (this.artifacts.sweepLeftovers) {
      try {
        result.leftovers = [
          ...(await this.artifacts.sweepLeftovers({ olderThanMs: req.olderThanMs, dryRun: req.dryRun })),
        ];
        result.freedBytes = result.leftovers.reduce((n, l) => n + l.bytes, 0);
      } catch (e) {
        result.failed.push({ artifact: 'leftovers', error: (e as Error).message });
      }
    }
    const orphans: OrphanedArtifact[] = [];
    orphans.push(...(await allPages((cursor) => this.store.listOrphans({ limit: 1000, cursor }))));
    for (const o of orphans) {
      const ref = { useCase: o.useCase, modelName: o.modelName };
      const label = `${refLabel(ref)} ${o.version}`;
      try {
        const { versions } = await this.store.getHeadAndVersions(ref, [o.version]);
        if (versions.has(o.version)) {
          result.kept.push(label);
          if (!input.dryRun) await this.store.deleteOrphan(o);
          continue;
        }
        if (!input.dryRun) {
          await this.artifacts.unpublish(ref, o.version);
          await this.store.deleteOrphan(o);
        }
        result.removed.push(label);
      } catch (e) {
        result.failed.push({ artifact: label, error: (e as Error).message });
      }
    }
    return result;
  }

  /** Versions of a model newest first, or (without a model name) the models of a use case. */
  async listVersions(input: ListInput & { modelName: string }): Promise<Page<ModelVersion>> {
    const req = parseInput(ListSchema, input);
    const ref = { useCase: req.useCase, modelName: req.modelName! };
    const head = await this.requireHead(ref);
    const page = await this.pageOnLine(req.line, req.limit, req.cursor ?? null, (limit, cursor) =>
      this.store.listVersions(ref, { ...(req.stage ? { stage: req.stage } : {}), limit, cursor }),
    );
    return { items: page.items.map((r) => this.view(head, r)), nextCursor: page.nextCursor };
  }

  /** The models of a use case with their production version. */
  async listModels(input: Omit<ListInput, 'modelName' | 'stage'>): Promise<Page<ModelSummary>> {
    const req = parseInput(ListSchema, input);
    const page = await this.store.listModels(req.useCase, {
      ...(req.limit ? { limit: req.limit } : {}),
      cursor: req.cursor ?? null,
    });
    return {
      items: page.items
        .filter((h) => h.versionCount > 0)
        .map((h) => ({
          useCase: h.useCase,
          modelName: h.modelName,
          productionVersion: h.production?.version ?? null,
          productionSince: h.production?.since ?? null,
          latestVersion: h.latestVersion,
          versionCount: h.versionCount,
          aliases: h.aliases,
          updatedAt: h.updatedAt,
          ...(h.lines && Object.keys(h.lines).length > 0
            ? {
                lines: Object.fromEntries(
                  productionByLine(h)
                    .filter((p) => p.line !== null)
                    .map((p) => [p.line as string, p.version]),
                ),
              }
            : {}),
        })),
      nextCursor: page.nextCursor,
    };
  }

  /** Versions in a stage across the registry, e.g. everything in production. */
  async listInStage(input: ListInStageInput): Promise<Page<ModelVersion>> {
    const req = parseInput(ListInStageSchema, input);
    const page = await this.pageOnLine(req.line, req.limit, req.cursor ?? null, (limit, cursor) =>
      this.store.listVersionsInStage(req.stage, {
        ...(req.useCase ? { useCase: req.useCase } : {}),
        limit,
        cursor,
      }),
    );
    return { items: await this.withAliases(page.items), nextCursor: page.nextCursor };
  }

  /** Joins each record's aliases from its model head (one head read per model). */
  protected async withAliases(records: readonly VersionRecord[]): Promise<ModelVersion[]> {
    const heads = new Map<string, ModelHead | null>();
    const items: ModelVersion[] = [];
    for (const r of records) {
      const key = `${r.useCase}/${r.modelName}`;
      if (!heads.has(key)) heads.set(key, await this.store.getHead(r));
      items.push(this.view(heads.get(key) ?? null, r));
    }
    return items;
  }

  /** One version, by version, alias or stage. */
  async info(input: SelectorInput): Promise<ModelVersion> {
    const req = parseInput(SelectorSchema, this.splitModel(input));
    const { head, version } = await this.load({ useCase: req.useCase, modelName: req.modelName }, req);
    return this.view(head, version);
  }

  /** Promotes a version (one stage up, or to `to`), through the policy's and the caller's gates. */
  async promote(input: PromoteInput): Promise<PromoteResult> {
    const req = parseInput(PromoteSchema, this.splitModel(input));
    return this.mutate(() => this.decidePromotion(req));
  }

  /**
   * What `promote` would answer now, gate table included, without committing anything:
   * the dry run a person reads before confirming a promotion in the web UI.
   */
  async previewPromote(input: PromoteInput): Promise<PromoteResult> {
    const req = parseInput(PromoteSchema, this.splitModel(input));
    return (await this.decidePromotion(req)).result;
  }

  private async decidePromotion(req: z.output<typeof PromoteSchema>): Promise<Decision<PromoteResult>> {
    const ref = { useCase: req.useCase, modelName: req.modelName };
    const { head, version } = await this.load(ref, req);
    const measured = await this.measured(ref, head, version);
    const checks = await this.productionChecks(ref, head, version);
    const stageChecks = await this.stageChecks(ref, head, version);
    const signature = await this.signatureForGates(ref, head, version);
    const details =
      req.confidence !== undefined && req.confidence !== null ? { confidence: req.confidence } : {};
    return decidePromote(
      ref,
      head,
      signature ? { ...version, signature } : version,
      req.to ?? null,
      req.gates,
      this.who(req.promotedBy),
      measured,
      checks,
      details,
      stageChecks,
    );
  }

  /** Checks a promotion to a stage must pass beyond metric gates, by target stage (a model card). None here. */
  protected async stageChecks(
    _ref: ModelRef,
    _head: ModelHead,
    _version: VersionRecord,
  ): Promise<Partial<Record<Stage, GateResult[]>>> {
    return {};
  }

  /** Checks beyond metric gates that a promotion to production must pass (an approval). None here. */
  protected async productionChecks(
    _ref: ModelRef,
    _head: ModelHead,
    _version: VersionRecord,
  ): Promise<GateResult[]> {
    return [];
  }

  /** The version's signature as verified, for a `require_signature` gate (signing). None here. */
  protected async signatureForGates(
    _ref: ModelRef,
    _head: ModelHead,
    _version: VersionRecord,
  ): Promise<{ status: string; description: string } | undefined> {
    return undefined;
  }

  /**
   * Metrics from automated evaluation that gates should use instead of the registered
   * ones. None here; the workflow layer measures on the standard evaluation set.
   */
  protected async measured(
    _ref: ModelRef,
    _head: ModelHead,
    _version: VersionRecord,
  ): Promise<MeasuredMetrics | undefined> {
    return undefined;
  }

  /** Moves a version down the lifecycle. */
  async demote(input: DemoteInput): Promise<DemoteResult> {
    const req = parseInput(DemoteSchema, this.splitModel(input));
    const ref = { useCase: req.useCase, modelName: req.modelName };
    return this.mutate(async () => {
      const { head, version } = await this.load(ref, req);
      return decideDemote(ref, head, version, req.to, this.who(req.demotedBy));
    });
  }

  /** Archives a version (production only with `force`). */
  async archive(input: ArchiveInput): Promise<ArchiveResult> {
    const req = parseInput(ArchiveSchema, this.splitModel(input));
    const ref = { useCase: req.useCase, modelName: req.modelName };
    return this.mutate(async () => {
      const { head, version } = await this.load(ref, req);
      return decideArchive(
        ref,
        head,
        version,
        { force: req.force, ...(req.reason ? { reason: req.reason } : {}) },
        this.who(req.archivedBy),
      );
    });
  }

  /** Returns a version to production (default: the one production had before), archiving the current one. */
  async rollback(input: RollbackInput): Promise<RollbackResult> {
    const req = parseInput(RollbackSchema, this.splitModel(input));
    const ref = { useCase: req.useCase, modelName: req.modelName };
    return this.mutate(async () => {
      let sel: SelectorInput = req;
      if (req.version === undefined && req.stage === undefined && req.alias === undefined) {
        sel = { ...req, version: rollbackTarget(ref, await this.requireHead(ref), selectedLine(req.line)) };
      }
      const { head, version } = await this.load(ref, sel);
      return decideRollback(ref, head, version, this.who(req.rolledBackBy), req.reason, {
        ...(req.skipGates ? { skipGates: true } : {}),
        ...(req.moveAliases ? { moveAliases: true } : {}),
      });
    });
  }

  /** Points an alias at a version. */
  async setAlias(input: AliasSetInput): Promise<AliasResult> {
    const req = parseInput(AliasSetSchema, input);
    const ref = { useCase: req.useCase, modelName: req.modelName };
    return this.mutate(async () => {
      const { head, version } = await this.load(ref, { ...req, alias: undefined } as SelectorInput);
      const routing = {
        ...(req.weight !== undefined ? { weight: req.weight } : {}),
        ...(req.shadow ? { shadow: true as const } : {}),
      };
      // the lines of the versions other weighted aliases point at, to keep each line's weights ≤ 1
      // (a version that may no longer serve has no line here: its weight sends no traffic)
      const weighted = Object.keys(head.aliasRouting ?? {})
        .map((a) => aliasTarget(head, a))
        .filter((v): v is string => v !== undefined && v !== version.version);
      const others =
        weighted.length > 0 ? (await this.store.getHeadAndVersions(ref, weighted)).versions : new Map();
      const lines = new Map<string, string | null>([[version.version, lineOf(version)]]);
      for (const [v, record] of others) if (mayServe(record.stage)) lines.set(v, lineOf(record));
      return decideSetAlias(ref, head, req.name, version, this.who(req.setBy), routing, (v) => lines.get(v));
    });
  }

  /** Removes an alias. */
  async removeAlias(input: AliasRemoveInput): Promise<AliasResult> {
    const req = parseInput(AliasRemoveSchema, input);
    const ref = { useCase: req.useCase, modelName: req.modelName };
    return this.mutate(async () =>
      decideRemoveAlias(ref, await this.requireHead(ref), req.name, this.who(req.removedBy)),
    );
  }

  /** Compares the metrics of two versions: `delta = b − a` for every metric in either. */
  async compare(input: CompareInput): Promise<CompareResult> {
    const req = parseInput(CompareSchema, input);
    const ref = { useCase: req.useCase, modelName: req.modelName };
    const selector = (v: string): SelectorInput => ({
      ...ref,
      ...(v.startsWith('@') || !/^\d/.test(v) ? { alias: v.replace(/^@/, '') } : { version: v }),
    });
    const a = await this.load(ref, selector(req.a));
    const b = await this.load(ref, selector(req.b));
    return {
      useCase: ref.useCase,
      modelName: ref.modelName,
      a: a.version.version,
      b: b.version.version,
      metrics: compareMetrics(a.version.metrics, b.version.metrics),
    };
  }

  /** A model's policy (the default one when none was set). */
  async getPolicy(input: ModelInput): Promise<Policy> {
    const req = parseInput(ModelSchema, input);
    const head = await this.store.getHead(req);
    if (head === null) throw this.modelNotFound(req);
    return head.policy;
  }

  /** Replaces a model's policy; the change is audited. */
  async setPolicy(input: PolicySetInput): Promise<Policy> {
    const req = parseInput(PolicySetSchema, input);
    const ref = { useCase: req.useCase, modelName: req.modelName };
    const policy = validatePolicy(req.policy);
    return this.mutate(async () =>
      decideSetPolicy(ref, await this.store.getHead(ref), policy, this.who(req.setBy)),
    );
  }

  /** Why a trail cannot be read: no such model, or a reserved stream nothing was written to yet. */
  private noAuditTrail(ref: ModelRef): NotFoundError {
    if (ref.modelName === WEBHOOKS_REF.modelName) {
      return new NotFoundError(
        'no webhook has been created or deleted yet, so the webhooks audit trail is empty; see modelreg webhooks create.',
        { ...ref },
      );
    }
    if (ref.modelName === KEYS_MODEL) {
      return new NotFoundError(
        `use case ${ref.useCase} has trusted or revoked no key yet, so its keys audit trail is empty; see modelreg keys trust.`,
        { ...ref },
      );
    }
    return this.modelNotFound(ref);
  }

  /** A model's audit trail (or a reserved stream's: a use case's keys, the webhooks), oldest first. */
  async auditTrail(input: AuditShowInput): Promise<Page<AuditEvent>> {
    const { limit, cursor, ...trail } = input;
    const ref = auditRefOf(trail as AuditRefInput);
    const req = parseInput(AuditPageSchema, { limit, cursor });
    const head = await this.store.getHead(ref);
    if (head === null) throw this.noAuditTrail(ref);
    return this.store.listAudit(ref, {
      ...(req.limit ? { limit: req.limit } : {}),
      cursor: req.cursor ?? null,
    });
  }

  /**
   * Recomputes a model's hash chain page by page and names the first event that does not
   * verify. Against a signed checkpoint, a rewrite of the chain up to it is caught too, and
   * only the events from the checkpoint on are read unless `full` is set.
   */
  async verifyAudit(input: AuditRefInput, options: VerifyOptions = {}): Promise<AnchoredVerification> {
    const ref = auditRefOf(input);
    const opts = parseInput(VerifyOptionsSchema, { against: options.against, full: options.full });
    const checkpoint =
      opts.against === undefined ? undefined : await authenticCheckpoint(ref, opts.against, options.signer);
    const head = await this.store.getHead(ref);
    if (head === null) throw this.noAuditTrail(ref);
    return verifyStoredChain(this.store, ref, head, { checkpoint, full: opts.full });
  }

  /**
   * Verifies the chain and signs its tip with a key the store does not hold: the anchor a
   * later `verifyAudit({ against })` checks. Given the previous checkpoint, only the
   * events after it are verified.
   */
  async checkpointAudit(
    input: AuditRefInput,
    signer: CheckpointSigner,
    options: { previous?: unknown; full?: boolean } = {},
  ): Promise<{ checkpoint: AuditCheckpoint; verification: AnchoredVerification }> {
    const ref = auditRefOf(input);
    const previous =
      options.previous === undefined ? undefined : await authenticCheckpoint(ref, options.previous, signer);
    const head = await this.store.getHead(ref);
    if (head === null) throw this.noAuditTrail(ref);
    return signCheckpoint(this.store, ref, head, signer, this.clock.now().toISOString(), {
      previous,
      full: options.full ?? false,
    });
  }

  /** The versions a training run produced. */
  async lineage(input: LineageInput): Promise<LineageResult> {
    const req = parseInput(LineageSchema, input);
    const page = await this.store.findByRunId(req.runId, {
      ...(req.limit ? { limit: req.limit } : {}),
      cursor: req.cursor ?? null,
    });
    return { runId: req.runId, items: await this.withAliases(page.items), nextCursor: page.nextCursor };
  }

  /** Copies a version's artifact out and proves it has the sha256 recorded at registration. */
  async getArtifact(input: GetArtifactInput): Promise<GetArtifactResult> {
    const req = parseInput(GetArtifactSchema, this.splitModel(input));
    const ref = { useCase: req.useCase, modelName: req.modelName };
    const { version } = await this.load(ref, req);
    const got = await this.artifacts.fetch(version.artifact, req.output);
    return { ...ref, version: version.version, path: got.path, sha256: got.sha256, verified: true };
  }

  /** Applies the archival rule of one model, or of every model of a use case. */
  async applyArchivalPolicy(input: ArchivalInput): Promise<ArchivalResult[]> {
    const req = parseInput(ArchivalSchema, input);
    const names: string[] = [];
    if (req.modelName) names.push(req.modelName);
    else {
      const heads = await allPages((cursor) => this.store.listModels(req.useCase, { limit: 1000, cursor }));
      // A model with only a policy (no versions yet) has nothing to archive.
      names.push(...heads.filter((h) => h.versionCount > 0).map((h) => h.modelName));
    }
    const results: ArchivalResult[] = [];
    for (const modelName of names) {
      const ref = { useCase: req.useCase, modelName };
      const decide = async () => {
        const head = await this.requireHead(ref);
        const candidates: VersionRecord[] = [];
        for (const stage of ['development', 'staging', 'superseded'] as const) {
          candidates.push(
            ...(await allPages((cursor) => this.store.listVersions(ref, { stage, limit: 1000, cursor }))),
          );
        }
        return decideArchival(ref, head, candidates, this.who(req.appliedBy));
      };
      results.push(req.dryRun ? (await decide()).result : await this.mutate(decide));
    }
    return results;
  }

  /** Releases the store (closes the database). */
  async close(): Promise<void> {
    await this.store.close();
    await this.dispose?.();
  }
}

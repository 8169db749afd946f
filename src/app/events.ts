/**
 * The use cases of version events and live monitoring: record and list events, ingest
 * metric observations, judge the policy's monitoring rules after each report, and act on a
 * sustained breach exactly once. They take the Registry's ports (MonitorPorts) and are
 * exposed on `Registry` by thin methods.
 */
import * as z from 'zod';
import type { Actor, Decision } from '../core/decisions.js';
import { decideArchive, decideRollback, rollbackTarget } from '../core/decisions.js';
import {
  ConcurrentModificationError,
  ConflictError,
  NotFoundError,
  ValidationError,
} from '../core/errors.js';
import {
  decideRecordEvent,
  EVENT_KINDS,
  eventDraft,
  eventScope,
  eventWrites,
  regressionMarkId,
  type VersionEvent,
  withRecords,
} from '../core/events.js';
import type { ModelHead } from '../core/head.js';
import type { ModelRef, Stage } from '../core/model.js';
import { refLabel } from '../core/model.js';
import {
  describeRule,
  evaluateRule,
  MAX_REPORT_SKEW_MS,
  MetricNameSchema,
  type MonitorAction,
  type MonitoringRule,
  monitorIds,
  type Observation,
  parseDuration,
  type RuleEvaluation,
} from '../core/monitoring.js';
import { policyOf } from '../core/policy.js';
import type { ChangeSet, RecordWrite, RegistryStore, VersionRecord } from '../core/ports.js';
import { lineOf, lineSlot } from '../core/release-lines.js';
import { ALLOWED_MOVES } from '../core/transitions.js';
import { timeOrderedId } from './ids.js';
import { ActorName, ModelSchema, maxChars, parseInput, refuseControl, safeRecord } from './inputs.js';
import { allPages } from './pages.js';

/** What the event and monitoring use cases need from the Registry. */
export interface MonitorPorts {
  store: RegistryStore;
  who(actor: string | undefined): Actor;
  mutate<R>(decide: (attempt: number) => Promise<Decision<R>>): Promise<R>;
  /** The head and one version, or the registry's NotFound errors. */
  load(ref: ModelRef, version: string): Promise<{ head: ModelHead; version: VersionRecord }>;
}

const VersionRef = ModelSchema.extend({
  version: z
    .string({ error: 'version is required (--version V)' })
    .min(1, 'version is required (--version V)'),
});

/** Input of `events record`. */
export const RecordEventSchema = VersionRef.extend({
  kind: z.enum(EVENT_KINDS, { error: `kind is one of ${EVENT_KINDS.join(', ')} (--kind)` }),
  details: z
    .string({ error: 'details are required (--details TEXT)' })
    .trim()
    .min(1, 'details are required (--details TEXT)')
    .superRefine(maxChars('details (--details)', 4096))
    .superRefine(refuseControl('details (--details)', { multiline: true })),
  recordedBy: ActorName.optional(),
});
export type RecordEventInput = z.input<typeof RecordEventSchema>;

/** Input of `events list`. */
export const ListEventsSchema = ModelSchema.extend({ version: z.string().min(1).optional() });
export type ListEventsInput = z.input<typeof ListEventsSchema>;

// a zone is required: '2026-05-01 12:00' or 'May 1 2026' would be read in the reporter's local zone
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;
const IsoTime = z
  .string()
  .refine(
    (v) => ISO_WITH_ZONE.test(v) && !Number.isNaN(Date.parse(v)),
    'at is an ISO 8601 time with a zone, Z or an offset (e.g. 2026-05-01T12:00:00Z or 2026-05-01T14:00:00+02:00)',
  )
  .transform((v) => new Date(Date.parse(v)).toISOString());

/** Input of `monitor report`: values of one or more metrics of a version over one window. */
export const ReportSchema = VersionRef.extend({
  // kept without a prototype, so `__proto__` is refused by name rather than silently dropped
  metrics: safeRecord(
    z.string().superRefine((name, ctx) => {
      if (!MetricNameSchema.safeParse(name).success) {
        ctx.addIssue({
          code: 'custom',
          message: `metric name ${JSON.stringify(name)} is not allowed: a metric name starts with a letter, then letters, digits, "_", "." or "-" (e.g. auc)`,
        });
      }
    }),
    z.number({ error: 'a metric value is a finite number (--metric auc=0.81)' }).finite(),
  )
    .refine((m) => Object.keys(m).length > 0, 'at least one metric is required (--metric auc=0.81)')
    .refine((m) => Object.keys(m).length <= 50, 'at most 50 metrics per report'),
  /** End of the window the values were measured over (default: now). */
  at: IsoTime.optional(),
  /** Length of the window that ends at `at` (default 1h). */
  window: z
    .string()
    .default('1h')
    .transform((w, ctx) => {
      try {
        return parseDuration(w, 'window') / 1000;
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message });
        return z.NEVER;
      }
    }),
  reportedBy: ActorName.optional(),
});
export type ReportInput = z.input<typeof ReportSchema>;

/** What one rule did after a report. */
export interface RuleOutcome extends RuleEvaluation {
  action: MonitorAction;
  /** acted: this report's evaluation recorded the regression (and rolled back or archived); already: an earlier one did. */
  outcome: 'none' | 'acted' | 'already-acted' | 'not-production';
  eventId: string | null;
  /** The version production returned to (rollback) or the version archived (archive). */
  actedOn: { rolledBackTo?: string; archived?: string; skipped?: string } | null;
}

/** The answer of `monitor report`. */
export interface ReportResult {
  useCase: string;
  modelName: string;
  version: string;
  /** Observations written by this report; redelivered ones are not written again. */
  recorded: number;
  duplicates: number;
  /**
   * Redelivered observations whose value differs from the stored one: the first value is
   * kept (an observation is never overwritten), the one sent is not recorded.
   */
  conflicts: Array<{ metric: string; kept: number; sent: number }>;
  rules: RuleOutcome[];
}

/** The answer of `monitor status`. */
export interface MonitorStatus {
  useCase: string;
  modelName: string;
  version: string;
  stage: Stage;
  latest: Array<{ metric: string; value: number; at: string; windowSeconds: number }>;
  rules: Array<RuleEvaluation & { action: MonitorAction; actedAt: string | null }>;
}

interface ActionRecord {
  rule: string;
  version: string;
  breachStart: string;
  eventId: string;
  action: MonitorAction;
  actedOn: RuleOutcome['actedOn'];
  at: string;
}

/** Whether a version is the production version of the release line it is on (the default line or a named one). */
function inProductionOfItsLine(head: ModelHead, version: VersionRecord): boolean {
  return lineSlot(head, lineOf(version)).production?.version === version.version;
}

/** Version events and live monitoring over the registry's ports. */
export class Monitor {
  constructor(private readonly ports: MonitorPorts) {}

  /** Records an event on a version, audited as `event.record` in the same commit. */
  async recordEvent(input: RecordEventInput): Promise<VersionEvent> {
    const req = parseInput(RecordEventSchema, input);
    const ref = { useCase: req.useCase, modelName: req.modelName };
    const who = this.ports.who(req.recordedBy);
    return this.ports.mutate(async () => {
      const { head, version } = await this.ports.load(ref, req.version);
      const event: VersionEvent = {
        id: timeOrderedId(),
        useCase: ref.useCase,
        modelName: ref.modelName,
        version: version.version,
        kind: req.kind,
        details: req.details,
        at: who.now,
        actor: who.actor,
        source: 'manual',
      };
      const marked = await this.marked(ref, event.version);
      return { change: decideRecordEvent(ref, head, event, marked, who), result: event };
    });
  }

  /** A model's events (of one version, when given), oldest first. */
  async listEvents(input: ListEventsInput): Promise<VersionEvent[]> {
    const req = parseInput(ListEventsSchema, input);
    const ref = { useCase: req.useCase, modelName: req.modelName };
    if (req.version !== undefined) await this.ports.load(ref, req.version);
    const records = await allPages((cursor) =>
      this.ports.store.listRecords('event', { scope: eventScope(ref) }, { limit: 1000, cursor }),
    );
    return records
      .map((r) => r.doc as unknown as VersionEvent)
      .filter((e) => req.version === undefined || e.version === req.version);
  }

  /**
   * Ingests a report of live metrics, then judges the policy's monitoring rules on the
   * version. Each observation's id is its (version, metric, at, window), so a redelivered
   * report writes nothing new; a sustained breach on the production version acts once.
   */
  async report(input: ReportInput): Promise<ReportResult> {
    const req = parseInput(ReportSchema, input);
    const ref = { useCase: req.useCase, modelName: req.modelName };
    const who = this.ports.who(req.reportedBy);
    const at = req.at ?? who.now;
    if (Date.parse(at) > Date.parse(who.now) + MAX_REPORT_SKEW_MS) {
      throw new ValidationError(
        `at ${at} is more than ${MAX_REPORT_SKEW_MS / 60_000} minutes after the registry clock (${who.now}); report a window that has ended (--at is its end; omit it for now).`,
        { field: 'at', value: at, now: who.now },
      );
    }
    const { version } = await this.ports.load(ref, req.version);
    let recorded = 0;
    const conflicts: ReportResult['conflicts'] = [];
    for (const [metric, value] of Object.entries(req.metrics)) {
      const observation: Observation = {
        useCase: ref.useCase,
        modelName: ref.modelName,
        version: version.version,
        metric,
        value,
        at,
        windowSeconds: req.window,
        reportedBy: who.actor,
        receivedAt: who.now,
      };
      const id = monitorIds.observation(ref, version.version, metric, at, req.window);
      try {
        await this.ports.store.putRecord({
          record: {
            kind: 'observation',
            id,
            scope: monitorIds.observationScope(ref, version.version),
            doc: observation as unknown as Record<string, unknown>,
          },
          expect: 'absent',
        });
        recorded++;
      } catch (e) {
        if (!(e instanceof ConcurrentModificationError)) throw e;
        const kept = (await this.ports.store.getRecord('observation', id))?.doc as unknown as
          | Observation
          | undefined;
        if (kept !== undefined && kept.value !== value)
          conflicts.push({ metric, kept: kept.value, sent: value });
      }
    }
    const rules = await this.evaluate(ref, version.version, Object.keys(req.metrics), at, who);
    return {
      ...ref,
      version: version.version,
      recorded,
      duplicates: Object.keys(req.metrics).length - recorded,
      conflicts,
      rules,
    };
  }

  /** The latest observation of each metric of a version and where each monitoring rule stands. */
  async status(input: z.input<typeof VersionRef>): Promise<MonitorStatus> {
    const req = parseInput(VersionRef, input);
    const ref = { useCase: req.useCase, modelName: req.modelName };
    const { head, version } = await this.ports.load(ref, req.version);
    // observations dated after the clock (stored before such reports were refused) are left out
    const until = Date.parse(this.ports.who(undefined).now) + MAX_REPORT_SKEW_MS;
    const observations = (await this.observations(ref, version.version)).filter(
      (o) => Date.parse(o.at) <= until,
    );
    const latest = new Map<string, Observation>();
    for (const o of observations) {
      const seen = latest.get(o.metric);
      if (!seen || o.at > seen.at) latest.set(o.metric, o);
    }
    const rules = [];
    for (const rule of policyOf(head.policy).monitoring) {
      const evaluation = evaluateRule(rule, observations);
      const acted =
        evaluation.breachStart === null
          ? null
          : await this.ports.store.getRecord(
              'monitor-action',
              monitorIds.action(ref, version.version, rule, evaluation.breachStart),
            );
      rules.push({
        ...evaluation,
        action: rule.action,
        actedAt: acted ? (acted.doc as unknown as ActionRecord).at : null,
      });
    }
    return {
      ...ref,
      version: version.version,
      stage: version.stage,
      latest: [...latest.values()]
        .sort((a, b) => a.metric.localeCompare(b.metric))
        .map(({ metric, value, at, windowSeconds }) => ({ metric, value, at, windowSeconds })),
      rules,
    };
  }

  /**
   * The monitor's rollback of a regressed production version to its line's previous one, or
   * why it was skipped: no previous version, one with a recorded regression (returning to it
   * would undo the fix it got; any source counts), an archived one (taken out of use by a
   * rollback, an archive or the archival policy), or one the lifecycle does not let back
   * into production (deprecated …) or that the rollback refuses (aliases that would be
   * stranded). A skip is not an error: the regression is still recorded and notified, and
   * later reports of the same breach find it acted on instead of failing the same way.
   * (A person's `models rollback` keeps its own checks and errors.)
   */
  private async rollback(
    ref: ModelRef,
    head: ModelHead,
    current: VersionRecord,
    who: Actor,
    reason: string,
  ): Promise<{ change: ChangeSet | null; actedOn: NonNullable<RuleOutcome['actedOn']> }> {
    const line = lineOf(current);
    const skip = (why: string) => ({ change: null, actedOn: { skipped: why } });
    let target: string;
    try {
      target = rollbackTarget(ref, head, line);
    } catch (e) {
      if (!(e instanceof NotFoundError)) throw e;
      return skip(
        `${refLabel(ref)} has no previous production version to roll back to${line === null ? '' : ` on line ${line}`}`,
      );
    }
    const regressed = await this.regressionOf(ref, target);
    if (regressed !== undefined) {
      return skip(
        `previous production version ${target} has a recorded regression (event ${regressed.id} at ${regressed.at}); roll back by hand to a version you trust (models rollback --version V)`,
      );
    }
    const { version: record } = await this.ports.load(ref, target);
    if (record.stage === 'archived') {
      // archived: someone took it out of use (a rollback away from it, an archive, the
      // archival policy); only a person brings it back
      return skip(
        `previous production version ${target} is archived, taken out of use; roll back by hand if it should return (models rollback --version ${target})`,
      );
    }
    if (!ALLOWED_MOVES.rollback.some(([from]) => from === record.stage)) {
      return skip(
        `previous production version ${target} is ${record.stage} and cannot return to production; roll back by hand to another version (models rollback --version V)`,
      );
    }
    try {
      const { change } = decideRollback(ref, head, record, who, reason, { skipGates: true });
      return { change, actedOn: { rolledBackTo: target } };
    } catch (e) {
      if (!(e instanceof ConflictError) || e instanceof ConcurrentModificationError) throw e;
      return skip(`rollback to ${target} refused: ${e.message}`);
    }
  }

  /** Whether a version has its regression mark (read by key, strongly consistent). */
  private async marked(ref: ModelRef, version: string): Promise<boolean> {
    return (await this.ports.store.getRecord('regression-mark', regressionMarkId(ref, version))) !== null;
  }

  /**
   * The first regression event recorded on a version (by people or by the monitor), if any:
   * its mark, read by key (strongly consistent, so a regression recorded a moment ago is
   * seen); for a registry whose regressions predate marks, the listing by scope.
   */
  private async regressionOf(ref: ModelRef, version: string): Promise<VersionEvent | undefined> {
    const mark = await this.ports.store.getRecord('regression-mark', regressionMarkId(ref, version));
    if (mark !== null) return mark.doc as unknown as VersionEvent;
    const records = await allPages((cursor) =>
      this.ports.store.listRecords('event', { scope: eventScope(ref) }, { limit: 1000, cursor }),
    );
    return records
      .map((r) => r.doc as unknown as VersionEvent)
      .find((e) => e.version === version && e.kind === 'regression');
  }

  private async observations(ref: ModelRef, version: string): Promise<Observation[]> {
    const records = await allPages((cursor) =>
      this.ports.store.listRecords(
        'observation',
        { scope: monitorIds.observationScope(ref, version) },
        { limit: 1000, cursor },
      ),
    );
    return records.map((r) => r.doc as unknown as Observation);
  }

  /** Judges the rules on the reported metrics; acts on each sustained breach of the production version. */
  private async evaluate(
    ref: ModelRef,
    version: string,
    metrics: readonly string[],
    at: string,
    who: Actor,
  ): Promise<RuleOutcome[]> {
    const { head, version: record } = await this.ports.load(ref, version);
    const rules = policyOf(head.policy).monitoring.filter((r) => metrics.includes(r.metric));
    if (rules.length === 0) return [];
    const observations = await this.observations(ref, version);
    const outcomes: RuleOutcome[] = [];
    for (const rule of rules) {
      // judged on the span that ends with this report (see src/core/monitoring.ts)
      const evaluation = evaluateRule(rule, observations, at);
      const none = { ...evaluation, action: rule.action, eventId: null, actedOn: null };
      if (evaluation.state !== 'sustained' || evaluation.breachStart === null) {
        outcomes.push({ ...none, outcome: 'none' });
      } else if (!inProductionOfItsLine(head, record)) {
        outcomes.push({ ...none, outcome: 'not-production' });
      } else {
        outcomes.push(await this.act(ref, version, rule, evaluation, evaluation.breachStart, who));
      }
    }
    return outcomes;
  }

  /**
   * Acts on a sustained breach in ONE commit: the regression event and its audit event, the
   * rollback or archive, and the record that says this rule acted on this breach (written
   * only if absent). Concurrent evaluators race on that commit; the losers re-read, find the
   * record (or the version no longer in production) and do nothing.
   */
  private async act(
    ref: ModelRef,
    version: string,
    rule: MonitoringRule,
    evaluation: RuleEvaluation,
    breachStart: string,
    reporter: Actor,
  ): Promise<RuleOutcome> {
    const actionId = monitorIds.action(ref, version, rule, breachStart);
    const base = { ...evaluation, action: rule.action };
    return this.ports.mutate(async (): Promise<Decision<RuleOutcome>> => {
      const who = this.ports.who(reporter.actor);
      const done = await this.ports.store.getRecord('monitor-action', actionId);
      if (done) {
        const doc = done.doc as unknown as ActionRecord;
        return {
          change: null,
          result: { ...base, outcome: 'already-acted', eventId: doc.eventId, actedOn: doc.actedOn },
        };
      }
      const { head, version: current } = await this.ports.load(ref, version);
      if (!inProductionOfItsLine(head, current)) {
        return { change: null, result: { ...base, outcome: 'not-production', eventId: null, actedOn: null } };
      }
      const event: VersionEvent = {
        id: timeOrderedId(),
        useCase: ref.useCase,
        modelName: ref.modelName,
        version,
        kind: 'regression',
        details: `${evaluation.reason} Rule ${describeRule(rule)}.`,
        at: who.now,
        actor: who.actor,
        source: 'monitor',
      };
      const reason = `monitoring rule ${describeRule(rule)}: sustained breach since ${breachStart}`;
      let actedOn: NonNullable<RuleOutcome['actedOn']> = {};
      let change: ChangeSet | null = null;
      if (rule.action === 'rollback') {
        ({ change, actedOn } = await this.rollback(ref, head, current, who, reason));
      } else if (rule.action === 'archive') {
        change = decideArchive(ref, head, current, { force: true, reason }, who).change;
        actedOn = { archived: version };
      }
      const record: ActionRecord = {
        rule: describeRule(rule),
        version,
        breachStart,
        eventId: event.id,
        action: rule.action,
        actedOn: rule.action === 'notify' ? null : actedOn,
        at: who.now,
      };
      const writes: RecordWrite[] = [
        ...eventWrites(event, await this.marked(ref, version)),
        {
          record: {
            kind: 'monitor-action',
            id: actionId,
            scope: eventScope(ref),
            doc: record as unknown as Record<string, unknown>,
          },
          expect: 'absent',
        },
      ];
      // the rollback or archive comes first in the chain, then the event that explains it
      const draft = eventDraft(event, { rule: record.rule, breachStart, action: rule.action });
      return {
        change: withRecords(ref, head, change, writes, [draft], who),
        result: { ...base, outcome: 'acted', eventId: event.id, actedOn: record.actedOn },
      };
    });
  }
}

/**
 * The event a monitoring Lambda receives: the report as JSON, before `monitor report`'s own
 * validation (which the use case applies), so that the window stays a duration string.
 */
export const MonitorReportEventSchema = z
  .object({
    useCase: z.string(),
    modelName: z.string(),
    version: z.string(),
    // checked by name in the use case; a `z.record` would drop `__proto__` before it
    metrics: safeRecord(z.string(), z.unknown()),
    at: z.string().optional(),
    window: z.string().optional(),
    reportedBy: ActorName.optional(),
  })
  .strict();

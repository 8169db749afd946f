/**
 * Version events: what happened to a version after it was deployed (a regression, an
 * incident, maintenance, a note), recorded by people or by the monitor, each audited as
 * `event.record` in the same commit as its record.
 */
import * as z from 'zod';
import type { AuditDraft } from './audit.js';
import { appendToChange, recordChange } from './change.js';
import type { Actor } from './decisions.js';
import type { ModelHead } from './head.js';
import type { ModelRef } from './model.js';
import type { ChangeSet, RecordWrite } from './ports.js';

/** The kinds of version event. */
export const EVENT_KINDS = ['regression', 'incident', 'maintenance', 'note'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** A version event as stored (record kind `event`, scope `${useCase}/${modelName}`). */
export const VersionEventSchema = z.object({
  id: z.string(),
  useCase: z.string(),
  modelName: z.string(),
  version: z.string(),
  kind: z.enum(EVENT_KINDS),
  details: z.string(),
  at: z.string(),
  actor: z.string(),
  source: z.enum(['manual', 'monitor']),
});
export type VersionEvent = z.infer<typeof VersionEventSchema>;

/** The scope a model's events are listed by. */
export const eventScope = (ref: ModelRef) => `${ref.useCase}/${ref.modelName}`;

/** The record write of an event (never overwritten). */
export function eventWrite(event: VersionEvent): RecordWrite {
  return {
    record: {
      kind: 'event',
      id: event.id,
      scope: eventScope(event),
      doc: event as unknown as Record<string, unknown>,
    },
    expect: 'absent',
  };
}

/** The id of a version's regression mark: `${useCase}/${modelName}/${version}`. */
export const regressionMarkId = (ref: ModelRef, version: string) =>
  `${ref.useCase}/${ref.modelName}/${version}`;

/**
 * The record writes of an event: the event, and, for a version's first regression, its
 * mark (the event again, by version), which a monitor rollback reads by key before
 * returning to that version: a listing by scope is eventually consistent on DynamoDB and
 * could miss a regression recorded a moment earlier. `marked`: the version has a mark.
 */
export function eventWrites(event: VersionEvent, marked: boolean): RecordWrite[] {
  const writes = [eventWrite(event)];
  if (event.kind === 'regression' && !marked) {
    writes.push({
      record: {
        kind: 'regression-mark',
        id: regressionMarkId(event, event.version),
        scope: eventScope(event),
        doc: event as unknown as Record<string, unknown>,
      },
      expect: 'absent',
    });
  }
  return writes;
}

/** The audit draft of an event: who recorded what about which version. */
export function eventDraft(event: VersionEvent, extra: Record<string, unknown> = {}): AuditDraft {
  return {
    at: event.at,
    actor: event.actor,
    action: 'event.record',
    version: event.version,
    fromStage: null,
    toStage: null,
    details: { eventId: event.id, kind: event.kind, details: event.details, source: event.source, ...extra },
  };
}

/**
 * Adds records and audit events to a change (or to a new one on `head` when there is
 * none), chaining the events after the change's own so the whole commit stays one write.
 */
export function withRecords(
  ref: ModelRef,
  head: ModelHead,
  change: ChangeSet | null,
  records: readonly RecordWrite[],
  drafts: readonly AuditDraft[],
  who: Actor,
): ChangeSet {
  return change === null
    ? recordChange(ref, head, records, drafts, who.now)
    : appendToChange(change, records, drafts);
}

/**
 * Records one event on a version: its record (and its regression mark, see `eventWrites`)
 * and its `event.record` audit event, one commit.
 */
export function decideRecordEvent(
  ref: ModelRef,
  head: ModelHead,
  event: VersionEvent,
  marked: boolean,
  who: Actor,
): ChangeSet {
  return withRecords(ref, head, null, eventWrites(event, marked), [eventDraft(event)], who);
}

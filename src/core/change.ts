/**
 * The two shapes every record-writing decision builds its commit from, so evidence,
 * approvals, variants, deployments, cards, signatures, edits and version events all chain
 * their audit events and move the head the same way.
 */
import { type AuditDraft, chainEvents } from './audit.js';
import type { ModelHead } from './head.js';
import type { ModelRef } from './model.js';
import type { ChangeSet, RecordWrite } from './ports.js';

/**
 * A change of a model that moves no version: records plus their audit events, committed
 * on the revision of `head` (which may be a model's empty head, revision 0).
 */
export function recordChange(
  ref: ModelRef,
  head: ModelHead,
  records: readonly RecordWrite[],
  drafts: readonly AuditDraft[],
  now: string,
): ChangeSet {
  const { events, tip } = chainEvents(ref, head.auditTip, [...drafts]);
  return {
    ref,
    expectedRevision: head.revision,
    head: { ...head, revision: head.revision + 1, updatedAt: now, auditTip: tip },
    newVersions: [],
    stageChanges: [],
    events,
    records: [...records],
  };
}

/**
 * Adds records and audit events to another decision's change, chained after its own events,
 * so the whole thing stays one commit (a signature at registration, an event beside a rollback).
 */
export function appendToChange(
  change: ChangeSet,
  records: readonly RecordWrite[],
  drafts: readonly AuditDraft[],
): ChangeSet {
  const { events, tip } = chainEvents(change.ref, change.head.auditTip, [...drafts]);
  return {
    ...change,
    head: { ...change.head, auditTip: tip },
    events: [...change.events, ...events],
    records: [...(change.records ?? []), ...records],
  };
}

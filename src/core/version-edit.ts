/**
 * Editing a version's description and tags: the one change a version takes besides its
 * stage. Pure: given the head and the version, compute the change set (the new values and
 * the `model.edit` audit event with old and new values) or null when nothing changes.
 */
import type { AuditDraft } from './audit.js';
import { recordChange } from './change.js';
import type { Actor, Decision } from './decisions.js';
import { ValidationError } from './errors.js';
import type { ModelHead } from './head.js';
import { type ModelRef, refLabel } from './model.js';
import type { VersionRecord } from './ports.js';

/** What an edit asks for: a description (empty string clears it), tags to set, tag keys to remove. */
export interface VersionEditRequest {
  description?: string | undefined;
  tags: Record<string, string>;
  untag: readonly string[];
}

/** The audit action of an edit (published as the event `model.edit`). */
export const EDIT_EVENT = 'edit';

/**
 * Applies an edit to a version: refuses removing a tag the version does not have, or setting
 * and removing one key at once; answers the version as it will read after the edit.
 */
export function decideEdit(
  ref: ModelRef,
  head: ModelHead,
  version: VersionRecord,
  edit: VersionEditRequest,
  who: Actor,
): Decision<VersionRecord> {
  const both = edit.untag.filter((k) => Object.hasOwn(edit.tags, k));
  if (both.length > 0) {
    throw new ValidationError(
      `tag ${both.join(', ')} is both set (--tag) and removed (--untag); give each key once.`,
      { tags: both },
    );
  }
  const missing = edit.untag.filter((k) => !Object.hasOwn(version.tags, k));
  if (missing.length > 0) {
    const has = Object.keys(version.tags);
    throw new ValidationError(
      `${refLabel(ref)} ${version.version} has no tag ${missing.join(', ')} to remove; its tags are ${has.length ? has.join(', ') : 'none'}.`,
      { tags: missing },
    );
  }
  const tags: Record<string, string> = { ...version.tags, ...edit.tags };
  for (const k of edit.untag) delete tags[k];
  const oldDescription = version.description ?? null;
  const description =
    edit.description === undefined ? oldDescription : edit.description === '' ? null : edit.description;

  const details: Record<string, unknown> = {};
  if (description !== oldDescription) details.description = { from: oldDescription, to: description };
  if (JSON.stringify(sorted(tags)) !== JSON.stringify(sorted(version.tags))) {
    details.tags = { from: version.tags, to: tags };
  }
  const { description: _old, ...rest } = version;
  const result: VersionRecord = { ...rest, tags, ...(description !== null ? { description } : {}) };
  if (Object.keys(details).length === 0) return { change: null, result: version };

  const draft: AuditDraft = {
    at: who.now,
    actor: who.actor,
    action: EDIT_EVENT,
    version: version.version,
    fromStage: null,
    toStage: null,
    details,
  };
  return {
    change: {
      ...recordChange(ref, head, [], [draft], who.now),
      versionEdits: [{ version: version.version, stage: version.stage, description, tags }],
    },
    result,
  };
}

function sorted(map: Record<string, string>): [string, string][] {
  return Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

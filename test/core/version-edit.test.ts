import { describe, expect, it } from 'vitest';
import type { Actor } from '../../src/core/decisions.js';
import { ValidationError } from '../../src/core/errors.js';
import { emptyHead } from '../../src/core/head.js';
import type { VersionRecord } from '../../src/core/ports.js';
import { decideEdit } from '../../src/core/version-edit.js';

const ref = { useCase: 'crm', modelName: 'churn' };
const who: Actor = { actor: 'ana', now: '2026-02-01T00:00:00.000Z' };

function version(over: Partial<VersionRecord> = {}): VersionRecord {
  return {
    ...ref,
    version: '1.0.0',
    stage: 'staging',
    artifact: { uri: 'file:///x', sha256: 'b'.repeat(64), sizeBytes: 1 },
    metrics: { auc: 0.9 },
    metadata: {},
    lineage: { runId: null, datasetVersion: null, codeVersion: null },
    tags: { team: 'risk' },
    registeredAt: '2026-01-01T00:00:00.000Z',
    registeredBy: 'bob',
    stageUpdatedAt: '2026-01-01T00:00:00.000Z',
    ...over,
  };
}

describe('decideEdit', () => {
  it('writes the new description and tags conditioned on the stage, with old and new values audited', () => {
    // Prepare
    const head = { ...emptyHead(ref, who.now), revision: 4 };

    // Act
    const d = decideEdit(
      ref,
      head,
      version(),
      { description: 'new', tags: { owner: 'ana' }, untag: ['team'] },
      who,
    );

    // Assess
    expect(d.change?.expectedRevision).toBe(4);
    expect(d.change?.versionEdits).toEqual([
      { version: '1.0.0', stage: 'staging', description: 'new', tags: { owner: 'ana' } },
    ]);
    expect(d.change?.stageChanges).toEqual([]);
    expect(d.change?.events).toHaveLength(1);
    expect(d.change?.events[0]).toMatchObject({
      action: 'edit',
      version: '1.0.0',
      details: {
        description: { from: null, to: 'new' },
        tags: { from: { team: 'risk' }, to: { owner: 'ana' } },
      },
    });
    expect(d.result).toMatchObject({ description: 'new', tags: { owner: 'ana' }, metrics: { auc: 0.9 } });
  });

  it('changes nothing when the values are the same, and an empty description removes it', () => {
    const head = emptyHead(ref, who.now);
    expect(decideEdit(ref, head, version(), { tags: { team: 'risk' }, untag: [] }, who).change).toBeNull();
    const cleared = decideEdit(
      ref,
      head,
      version({ description: 'old' }),
      { description: '', tags: {}, untag: [] },
      who,
    );
    expect(cleared.result.description).toBeUndefined();
    expect(cleared.change?.versionEdits?.[0]?.description).toBeNull();
    expect(cleared.change?.events[0]?.details).toEqual({ description: { from: 'old', to: null } });
  });

  it('refuses removing a missing tag, and setting and removing one key at once', () => {
    const head = emptyHead(ref, who.now);
    expect(() => decideEdit(ref, head, version(), { tags: {}, untag: ['nope'] }, who)).toThrow(
      /has no tag nope to remove; its tags are team/,
    );
    expect(() => decideEdit(ref, head, version(), { tags: { team: 'x' }, untag: ['team'] }, who)).toThrow(
      ValidationError,
    );
  });
});

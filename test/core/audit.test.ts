import { describe, expect, it } from 'vitest';
import {
  type AuditDraft,
  type AuditEvent,
  type AuditTip,
  chainEvents,
  EMPTY_TIP,
  GENESIS_HASH,
  hashEvent,
  verifyChain,
} from '../../src/core/audit.js';
import type { ModelRef } from '../../src/core/model.js';

const REF: ModelRef = { useCase: 'fraud', modelName: 'detector' };

function draft(n: number, overrides: Partial<AuditDraft> = {}): AuditDraft {
  return {
    at: `2025-01-0${n}T00:00:00.000Z`,
    actor: `user${n}`,
    action: 'promote',
    version: `1.0.${n}`,
    fromStage: 'development',
    toStage: 'staging',
    details: { n, gates: [{ gate: 'min_auc', actual: 0.9, threshold: 0.8 }] },
    ...overrides,
  };
}

/** A chain of five events, as a store would hold it, and the head's tip. */
function chain(ref: ModelRef = REF): { events: AuditEvent[]; tip: AuditTip } {
  return chainEvents(
    ref,
    EMPTY_TIP,
    [1, 2, 3, 4, 5].map((n) => draft(n)),
  );
}

describe('chainEvents', () => {
  it('numbers a first batch from 1 and links it to the genesis hash', () => {
    // Act
    const { events, tip } = chain();

    // Assess
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(events[0]!.prevHash).toBe(GENESIS_HASH);
    for (let i = 1; i < events.length; i++) expect(events[i]!.prevHash).toBe(events[i - 1]!.hash);
    expect(tip).toEqual({ seq: 5, hash: events[4]!.hash });
  });

  it('continues numbering and linking from the tip it is given', () => {
    // Prepare
    const first = chainEvents(REF, EMPTY_TIP, [draft(1), draft(2)]);

    // Act
    const second = chainEvents(REF, first.tip, [draft(3)]);

    // Assess
    expect(second.events[0]).toMatchObject({ seq: 3, prevHash: first.tip.hash });
    expect(second.tip.seq).toBe(3);
    expect(verifyChain(REF, [...first.events, ...second.events], second.tip).valid).toBe(true);
  });

  it('gives the same events as chaining all drafts at once', () => {
    // Prepare
    const first = chainEvents(REF, EMPTY_TIP, [draft(1), draft(2)]);

    // Act
    const split = [...first.events, ...chainEvents(REF, first.tip, [draft(3)]).events];
    const whole = chainEvents(REF, EMPTY_TIP, [draft(1), draft(2), draft(3)]).events;

    // Assess
    expect(split).toEqual(whole);
  });

  it('returns the tip unchanged for no drafts', () => {
    // Prepare
    const tip = { seq: 7, hash: 'a'.repeat(64) };

    // Act
    const result = chainEvents(REF, tip, []);

    // Assess
    expect(result).toEqual({ events: [], tip });
  });

  it('hashes as 64 lowercase hex characters, different for every event', () => {
    // Act
    const { events } = chain();

    // Assess
    for (const e of events) expect(e.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(events.map((e) => e.hash)).size).toBe(events.length);
  });

  it('binds the hash to the model identity', () => {
    // Act
    const a = chainEvents(REF, EMPTY_TIP, [draft(1)]).events[0]!;
    const b = chainEvents({ useCase: 'fraud', modelName: 'other' }, EMPTY_TIP, [draft(1)]).events[0]!;

    // Assess
    expect(a.hash).not.toBe(b.hash);
  });

  it('does not depend on the key order of the draft', () => {
    // Prepare
    const d = draft(1);
    const reordered = Object.fromEntries(Object.entries(d).reverse()) as AuditDraft;

    // Act
    const a = chainEvents(REF, EMPTY_TIP, [d]).events[0]!;
    const b = chainEvents(REF, EMPTY_TIP, [reordered]).events[0]!;

    // Assess
    expect(a.hash).toBe(b.hash);
  });
});

describe('hashEvent', () => {
  it('recomputes the hash chainEvents stored', () => {
    // Prepare
    const { hash, ...unhashed } = chain().events[2]!;

    // Act / Assess
    expect(hashEvent(REF, unhashed)).toBe(hash);
  });
});

type Tamper = (e: AuditEvent) => AuditEvent;
const TAMPERS: ReadonlyArray<[string, Tamper]> = [
  ['actor', (e) => ({ ...e, actor: 'mallory' })],
  ['at', (e) => ({ ...e, at: '2030-01-01T00:00:00.000Z' })],
  ['action', (e) => ({ ...e, action: 'archive' })],
  ['version', (e) => ({ ...e, version: '9.9.9' })],
  ['version to null', (e) => ({ ...e, version: null })],
  ['fromStage', (e) => ({ ...e, fromStage: 'archived' })],
  ['toStage', (e) => ({ ...e, toStage: 'production' })],
  ['details (a new member)', (e) => ({ ...e, details: { ...e.details, approvedBy: 'mallory' } })],
  ['details (a nested value)', (e) => ({ ...e, details: { ...e.details, gates: [] } })],
  ['details (emptied)', (e) => ({ ...e, details: {} })],
  ['hash', (e) => ({ ...e, hash: 'f'.repeat(64) })],
  ['prevHash', (e) => ({ ...e, prevHash: 'f'.repeat(64) })],
  ['seq', (e) => ({ ...e, seq: e.seq + 10 })],
];

describe('verifyChain', () => {
  it('accepts an untouched chain, with and without the expected tip', () => {
    // Prepare
    const { events, tip } = chain();

    // Act
    const without = verifyChain(REF, events);
    const withTip = verifyChain(REF, events, tip);

    // Assess
    expect(without).toEqual({ valid: true, checked: 5 });
    expect(withTip).toEqual({ valid: true, checked: 5 });
  });

  it('accepts an empty chain for a model with no events', () => {
    // Act / Assess
    expect(verifyChain(REF, [], EMPTY_TIP)).toEqual({ valid: true, checked: 0 });
  });

  it('accepts a chain that survived a JSON round trip', () => {
    // Prepare
    const { events, tip } = chain();
    const stored = JSON.parse(JSON.stringify(events)) as AuditEvent[];

    // Act / Assess
    expect(verifyChain(REF, stored, tip).valid).toBe(true);
  });

  const tamperCases = TAMPERS.flatMap(([field, tamper]) => [1, 3, 5].map((k) => ({ field, tamper, k })));
  it.each(tamperCases)('fails when $field of event $k is altered, naming seq $k', ({ tamper, k }) => {
    // Prepare
    const { events, tip } = chain();
    const altered = events.map((e) => (e.seq === k ? tamper(e) : e));

    // Act
    const result = verifyChain(REF, altered, tip);

    // Assess
    expect(result.valid).toBe(false);
    expect(result.firstBadSeq).toBe(k);
    expect(result.checked).toBe(k - 1);
    expect(result.reason).toEqual(expect.any(String));
  });

  it('fails when an event whose hash was recomputed after altering it breaks the next link', () => {
    // Prepare
    const { events, tip } = chain();
    const { hash: _, ...unhashed } = { ...events[1]!, actor: 'mallory' };
    const forged = events.map((e) => (e.seq === 2 ? { ...unhashed, hash: hashEvent(REF, unhashed) } : e));

    // Act
    const result = verifyChain(REF, forged, tip);

    // Assess
    expect(result).toMatchObject({ valid: false, firstBadSeq: 3 });
    expect(result.reason).toContain('does not link');
  });

  it.each([1, 2, 3, 4])('fails when event %i is deleted, naming the gap', (k) => {
    // Prepare
    const { events, tip } = chain();
    const cut = events.filter((e) => e.seq !== k);

    // Act
    const result = verifyChain(REF, cut, tip);

    // Assess
    expect(result).toMatchObject({ valid: false, firstBadSeq: k });
    expect(result.reason).toContain(`expected seq ${k}, found ${k + 1}`);
  });

  it('misses a deleted last event when no expected tip is given', () => {
    // Prepare
    const { events } = chain();

    // Act
    const result = verifyChain(REF, events.slice(0, -1));

    // Assess
    expect(result).toEqual({ valid: true, checked: 4 });
  });

  it('fails when the last event is deleted and the expected tip is given', () => {
    // Prepare
    const { events, tip } = chain();

    // Act
    const result = verifyChain(REF, events.slice(0, -1), tip);

    // Assess
    expect(result).toMatchObject({ valid: false, firstBadSeq: 5, checked: 4 });
    expect(result.reason).toContain('records 5 events but the trail ends at seq 4');
  });

  it('fails when every event is deleted and the expected tip is given', () => {
    // Prepare
    const { tip } = chain();

    // Act
    const result = verifyChain(REF, [], tip);

    // Assess
    expect(result).toMatchObject({ valid: false, firstBadSeq: 1 });
  });

  it('fails when the tip names the right seq but a different hash', () => {
    // Prepare
    const { events, tip } = chain();

    // Act
    const result = verifyChain(REF, events, { seq: tip.seq, hash: 'f'.repeat(64) });

    // Assess
    expect(result.valid).toBe(false);
  });

  it.each<[string, ModelRef]>([
    ['another model name', { useCase: 'fraud', modelName: 'scorer' }],
    ['another use case', { useCase: 'churn', modelName: 'detector' }],
    ['swapped halves', { useCase: 'detector', modelName: 'fraud' }],
  ])('fails when the events are verified as belonging to %s', (_label, other) => {
    // Prepare
    const { events, tip } = chain();

    // Act
    const result = verifyChain(other, events, tip);

    // Assess
    expect(result).toMatchObject({ valid: false, firstBadSeq: 1 });
  });

  it('fails when an event is moved into another model’s chain', () => {
    // Prepare
    const other: ModelRef = { useCase: 'fraud', modelName: 'scorer' };
    const mine = chain().events;
    const theirs = chainEvents(other, EMPTY_TIP, [draft(1), draft(2)]).events;
    const spliced = [...mine.slice(0, 2), { ...theirs[1]!, prevHash: mine[1]!.hash, seq: 3 }];

    // Act
    const result = verifyChain(REF, spliced);

    // Assess
    expect(result).toMatchObject({ valid: false, firstBadSeq: 3 });
  });

  it.each([
    ['two neighbours swapped', [1, 3, 2, 4, 5], 2],
    ['the first and last swapped', [5, 2, 3, 4, 1], 1],
    ['the whole chain reversed', [5, 4, 3, 2, 1], 1],
    ['the last two swapped', [1, 2, 3, 5, 4], 4],
  ])('fails when events are reordered (%s)', (_label, order, firstBad) => {
    // Prepare
    const { events, tip } = chain();
    const reordered = order.map((seq) => events[seq - 1]!);

    // Act
    const result = verifyChain(REF, reordered, tip);

    // Assess
    expect(result).toMatchObject({ valid: false, firstBadSeq: firstBad });
  });

  it('fails when reordered events are renumbered', () => {
    // Prepare
    const { events, tip } = chain();
    const renumbered = [
      events[0]!,
      { ...events[2]!, seq: 2 },
      { ...events[1]!, seq: 3 },
      events[3]!,
      events[4]!,
    ];

    // Act
    const result = verifyChain(REF, renumbered, tip);

    // Assess
    expect(result).toMatchObject({ valid: false, firstBadSeq: 2 });
  });

  it('fails when an event is duplicated', () => {
    // Prepare
    const { events, tip } = chain();

    // Act
    const result = verifyChain(REF, [...events.slice(0, 3), events[2]!, ...events.slice(3)], tip);

    // Assess
    expect(result).toMatchObject({ valid: false, firstBadSeq: 4 });
  });
});

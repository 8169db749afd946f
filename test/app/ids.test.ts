import { describe, expect, it } from 'vitest';
import { timeOrderedId } from '../../src/app/ids.js';

describe('timeOrderedId', () => {
  it('sorts in the order the ids were made, also within one millisecond', () => {
    // Prepare: far more ids than a millisecond sees, so many share one
    const made = Array.from({ length: 10_000 }, () => timeOrderedId());

    // Act
    const sorted = [...made].sort();

    // Assess
    expect(sorted).toEqual(made);
    expect(new Set(made).size).toBe(made.length);
  });

  it('keeps the order when the clock stands still or steps back', () => {
    const at = Date.now() + 10_000;
    const ids = [timeOrderedId(at), timeOrderedId(at), timeOrderedId(at - 5), timeOrderedId(at)];
    expect([...ids].sort()).toEqual(ids);
  });

  it('is a version 7, variant 10 UUID', () => {
    expect(timeOrderedId()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

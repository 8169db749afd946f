/**
 * The `require_model_card=intended_use,limitations` gate of `policy set --staging-gate` /
 * `--production-gate`: card sections, not a threshold, so it is split out of the metric gates
 * and checked here with a "did you mean" for a misspelled section.
 */
import { ValidationError } from '../core/errors.js';
import { CARD_SECTIONS, type CardSection } from '../core/model-card.js';
import { nearest } from './suggest.js';

const KEY = 'require_model_card';

/** Whether a gate argument is the model card gate. */
export function isCardGate(arg: string): boolean {
  const key = arg.split('=')[0]!.trim();
  return key === KEY;
}

/**
 * The sections the card gate arguments require (the last one wins), or undefined when none is
 * given; `require_model_card=` (empty) clears the requirement.
 */
export function cardSectionsOf(args: readonly string[]): CardSection[] | undefined {
  const given = args.filter(isCardGate);
  if (given.length === 0) return undefined;
  const last = given[given.length - 1]!;
  const eq = last.indexOf('=');
  const list = eq === -1 ? '' : last.slice(eq + 1);
  const sections = list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (eq === -1) {
    throw new ValidationError(
      `${KEY} lists the card sections that must be filled: ${KEY}=intended_use,limitations (sections: ${CARD_SECTIONS.join(', ')}).`,
    );
  }
  for (const s of sections) {
    if ((CARD_SECTIONS as readonly string[]).includes(s)) continue;
    const match = nearest(s, CARD_SECTIONS);
    throw new ValidationError(
      `${KEY}: ${JSON.stringify(s)} is not a card section.${match ? ` Did you mean ${match}?` : ''} Sections are ${CARD_SECTIONS.join(', ')}.`,
      { section: s, allowed: [...CARD_SECTIONS] },
    );
  }
  return [...new Set(sections)] as CardSection[];
}

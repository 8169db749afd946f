/** The compare step of the workflows: a thin adapter over compareStep (src/app/steps.ts). */
import { CompareInputSchema, compareStep } from '../../src/app/steps.js';
import { step } from '../shared/runtime.js';

export const handler = step('compare', CompareInputSchema, compareStep);

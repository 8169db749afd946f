/** The promote step of the workflows: a thin adapter over promoteStep (src/app/steps.ts). */
import { PromoteInputSchema, promoteStep } from '../../src/app/steps.js';
import { step } from '../shared/runtime.js';

export const handler = step('promote', PromoteInputSchema, promoteStep);

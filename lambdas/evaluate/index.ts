/** The evaluate step of the workflows: a thin adapter over evaluateStep (src/app/steps.ts). */
import { EvaluateInputSchema, evaluateStep } from '../../src/app/steps.js';
import { step } from '../shared/runtime.js';

export const handler = step('evaluate', EvaluateInputSchema, evaluateStep);

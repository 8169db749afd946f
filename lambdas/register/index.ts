/** The register step of the workflows: a thin adapter over registerStep (src/app/steps.ts). */
import { RegisterInputSchema, registerStep } from '../../src/app/steps.js';
import { step } from '../shared/runtime.js';

export const handler = step('register', RegisterInputSchema, registerStep);

/** The archivalPolicy step of the workflows: a thin adapter over archivalPolicyStep (src/app/steps.ts). */
import { ArchivalPolicyInputSchema, archivalPolicyStep } from '../../src/app/steps.js';
import { step } from '../shared/runtime.js';

export const handler = step('archivalPolicy', ArchivalPolicyInputSchema, archivalPolicyStep);

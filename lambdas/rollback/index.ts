/** The rollback step of the workflows: a thin adapter over rollbackStep (src/app/steps.ts). */
import { RollbackInputSchema, rollbackStep } from '../../src/app/steps.js';
import { step } from '../shared/runtime.js';

export const handler = step('rollback', RollbackInputSchema, rollbackStep);

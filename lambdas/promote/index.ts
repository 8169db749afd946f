/**
 * The promote step of the workflows: a thin adapter over promoteEventStep (src/app/steps.ts).
 * It takes our camelCase contract or the reference promote-model's snake_case one, and a
 * default use case from MODELREG_DEFAULT_USE_CASE for payloads that name none.
 */
import { promoteEventSchema, promoteEventStep } from '../../src/app/steps.js';
import { step } from '../shared/runtime.js';

export const handler = step(
  'promote',
  promoteEventSchema(process.env.MODELREG_DEFAULT_USE_CASE),
  promoteEventStep,
);

/** The requestApproval step of the workflows: a thin adapter over requestApprovalStep (src/app/steps.ts). */
import { RequestApprovalInputSchema, requestApprovalStep } from '../../src/app/steps.js';
import { step } from '../shared/runtime.js';

export const handler = step('requestApproval', RequestApprovalInputSchema, requestApprovalStep);

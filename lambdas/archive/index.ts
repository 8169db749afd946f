/** The archive step of the workflows: a thin adapter over archiveStep (src/app/steps.ts). */
import { ArchiveInputSchema, archiveStep } from '../../src/app/steps.js';
import { step } from '../shared/runtime.js';

export const handler = step('archive', ArchiveInputSchema, archiveStep);

/** The register step of the workflows: a thin adapter over registerStep (src/app/steps.ts). */
import { KMSClient } from '@aws-sdk/client-kms';
import { KmsSigner } from '../../src/adapters/aws/kms-signer.js';
import { RegisterInputSchema, registerStep } from '../../src/app/steps.js';
import { step } from '../shared/runtime.js';

// signing: the stack's KMS key (MODELREG_SIGNING_KEY_ID) signs what this step registers
const keyId = process.env.MODELREG_SIGNING_KEY_ID;
const signer = keyId ? new KmsSigner(new KMSClient({}), keyId) : undefined;

export const handler = step('register', RegisterInputSchema, (registry, input) =>
  registerStep(registry, input, signer),
);

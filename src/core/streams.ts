/**
 * Audit trails that are not a model's. Names of use cases and models start with a letter or
 * digit, so these can never be a model's; they have no versions and are never listed. No
 * imports beyond types: the CLI's argument parsing loads this without the rest of the core.
 */
import type { ModelRef } from './model.js';

/**
 * Key trust and revocation are use-case changes, but the audit trail is kept per model:
 * they are audited on this reserved model of the use case (`audit show --use-case U --keys`).
 */
export const KEYS_MODEL = '.keys';

/**
 * Webhook subscriptions span use cases: creating and deleting one is audited on this
 * reserved stream of the registry (`audit show --webhooks`).
 */
export const WEBHOOKS_REF: ModelRef = { useCase: '.registry', modelName: '.webhooks' };

/**
 * What to do next, in the CLI's words: the TypeScript API's errors name no command, so the
 * CLI adds the command a user would run, keyed on the error's stable name.
 */

import { nearest } from './suggest.js';

const HINTS: Record<string, string> = {
  StoreNotFoundError:
    'check --store (or MODELREG_STORE, or the working directory for ./.modelreg); `modelreg init` creates a registry, and so does the first writing command such as `models register`.',
  StoreAccessError: 'give --store a directory you can write to (new, or holding a registry).',
  CorruptStoreError: 'restore registry.db from a backup, or point --store at another registry.',
  ModelNotFoundError: 'list the models of a use case with `modelreg models list --use-case NAME`.',
  VersionNotFoundError: 'list the versions with `modelreg models list --use-case NAME --model NAME`.',
  DeliveryError: 'see `modelreg notifications list`; `modelreg notifications resend --all` sends them again.',
};

/** The CLI hint for an error, if it has one. */
export function hintFor(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const details = (error as { details?: Record<string, unknown> }).details ?? {};
  if (typeof details.evalSet === 'string')
    return `register it with \`modelreg evalsets register --use-case ${String(details.useCase)} --name ${details.evalSet} --file FILE\`.`;
  // a name from a closed list (a format in forbid_formats): the nearest allowed one
  if (typeof details.value === 'string' && Array.isArray(details.allowed)) {
    const match = nearest(details.value, details.allowed.map(String));
    if (match !== undefined) return `did you mean ${match}?`;
  }
  if (typeof details.approvalId === 'string')
    return 'see `modelreg approvals list` (add --status approved|rejected|expired for decided ones).';
  return HINTS[error.name];
}

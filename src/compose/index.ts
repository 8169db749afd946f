/**
 * Choosing a backend: `openRegistry` reads the backend (option, else MODELREG_BACKEND, else
 * local) and loads only that backend's composition root.
 */
import type { Registry, RegistryPorts } from '../app/registry.js';
import { ValidationError } from '../core/errors.js';
import type { RegistryEvent } from '../core/ports.js';

/** The backends a registry can run on. */
export const BACKENDS = ['local', 'aws'] as const;
export type Backend = (typeof BACKENDS)[number];

/** Options of `openRegistry`. */
export interface OpenRegistryOptions {
  /** `local` (SQLite + filesystem) or `aws` (DynamoDB + S3 + SNS). Defaults to `MODELREG_BACKEND`, else `local`. */
  backend?: Backend;
  /** Store directory of the local backend; defaults to `MODELREG_STORE`, else `.modelreg`. */
  store?: string;
  /** Who acts when a call names nobody. */
  actor?: string;
  /** Source of time (tests, the archival policy). */
  clock?: RegistryPorts['clock'];
  /** Called for every committed change's event (local backend). */
  onEvent?: (event: RegistryEvent) => void;
  /** Where warnings go. */
  warn?: (message: string) => void;
  /** Environment to read the AWS settings from. @default process.env */
  env?: NodeJS.ProcessEnv;
}

/** Reads and checks a backend name. */
export function parseBackend(value: string | undefined): Backend {
  const backend = value || 'local';
  if (!(BACKENDS as readonly string[]).includes(backend)) {
    throw new ValidationError(`backend ${JSON.stringify(backend)} is not one of ${BACKENDS.join(', ')}.`, {
      backend,
    });
  }
  return backend as Backend;
}

/**
 * Opens a registry. Close it with `registry.close()` when done. The AWS SDK is loaded
 * only when the aws backend is asked for, and SQLite only when the local one is.
 */
export async function openRegistry(options: OpenRegistryOptions = {}): Promise<Registry> {
  const env = options.env ?? process.env;
  // an empty MODELREG_STORE (or MODELREG_BACKEND) counts as unset, not as the working directory
  const backend = options.backend ?? parseBackend(env.MODELREG_BACKEND);
  const extra = {
    ...(options.actor ? { actor: options.actor } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.warn ? { warn: options.warn } : {}),
  };
  if (backend === 'aws') {
    const { openAwsRegistry } = await import('./aws.js');
    const { awsConfigFromEnv } = await import('../adapters/aws/config.js');
    return openAwsRegistry(awsConfigFromEnv(env), extra);
  }
  const store = options.store ?? (env.MODELREG_STORE || '.modelreg');
  const { openLocalRegistry } = await import('./local.js');
  const { useApprovalSecretStore } = await import('../app/approval-secret.js');
  useApprovalSecretStore(store);
  return openLocalRegistry({ store, ...(options.onEvent ? { onEvent: options.onEvent } : {}) }, extra);
}

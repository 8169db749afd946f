/**
 * The CLI side of audit checkpoints: which key file signs them (never one inside the
 * store, whose writers the checkpoint must hold out), and writing a checkpoint file
 * whole or not at all.
 */
import { rename, rm, writeFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import type { CheckpointSigner } from '../core/audit-checkpoint.js';
import { ValidationError } from '../core/errors.js';

/**
 * Opens the signing key: `--key`, else MODELREG_AUDIT_KEY, else the user's config
 * directory. A key inside the embedded store is refused: whoever can write the store
 * could then sign a rewritten chain. `create` makes a missing key (checkpoint only).
 */
export async function openAuditKey(
  keyOption: string | undefined,
  store: string | null,
  create: boolean,
): Promise<CheckpointSigner> {
  const { Ed25519KeyFileSigner, defaultAuditKeyPath } = await import('../adapters/local/ed25519-key-file.js');
  const path = resolve(keyOption ?? defaultAuditKeyPath());
  if (store !== null) {
    const inside = relative(resolve(store), path);
    if (inside === '' || (!inside.startsWith('..') && !isAbsolute(inside))) {
      throw new ValidationError(
        `the audit key ${path} is inside the store ${resolve(store)}; keep it where the store's writers cannot reach (the default is under ~/.config/modelreg).`,
        { key: path },
      );
    }
  }
  return Ed25519KeyFileSigner.open(path, { create });
}

/** Writes the checkpoint through a temporary file and a rename, so a crash leaves the old one. */
export async function writeCheckpointFile(path: string, checkpoint: unknown): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, `${JSON.stringify(checkpoint, null, 2)}\n`, { mode: 0o644 });
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => {});
    const shown = path.length > 80 ? `${path.slice(0, 80)}…` : path;
    throw new ValidationError(
      `cannot write the checkpoint ${shown} (${(e as { code?: string }).code ?? (e as Error).message}); pass a writable file with --out.`,
    );
  }
}

/**
 * What goes into each handler bundle, read from esbuild's metafile with the exact options
 * infra deploys with (infra/bundle-options.ts): no local backend, no SQLite, no CLI or demo,
 * the rare-path SDK clients left to the runtime, and zod without its locales.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASELINE, type BuiltBundle, buildBundles } from '../../bench/bundles.js';
import { handlerBuildOptions, RUNTIME_PROVIDED_MODULES } from '../../infra/bundle-options.js';
import { HANDLERS } from '../../infra/handlers.js';
import { repoRoot } from '../../infra/paths.js';

/** Input files of a bundle that match a forbidden part, if any. */
function forbiddenInputs(inputs: Metafile['inputs']): string[] {
  const forbidden = [
    /node_modules\/better-sqlite3\//,
    /(^|\/)src\/adapters\/local\//,
    /(^|\/)src\/compose\/local\.ts$/,
    /(^|\/)src\/cli\//,
    // the demo's tour; src/demo/ml.ts stays: it is the scoring of the built-in evaluator
    // (builtin:logistic-regression) that a policy may name on AWS too
    /(^|\/)src\/demo\/(?!ml\.ts$)/,
  ];
  return Object.keys(inputs).filter((file) => forbidden.some((f) => f.test(file)));
}

describe('handler bundles (esbuild metafile, the options infra deploys with)', () => {
  let dir: string;
  let bundles: BuiltBundle[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'modelreg-bundles-'));
    bundles = await buildBundles(dir);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('bundles every handler and the baseline', () => {
    // Assess
    expect(bundles.map((b) => b.name).sort()).toEqual([BASELINE, ...HANDLERS.map((h) => h.dir)].sort());
    for (const b of bundles) expect(b.bytes, b.name).toBeGreaterThan(1000);
  });

  it('no handler bundle includes better-sqlite3, the local backend, the CLI or the demo', () => {
    // Assess
    for (const b of bundles) expect(forbiddenInputs(b.inputs), b.name).toEqual([]);
  });

  it('the check catches the local backend when it is reached (control)', async () => {
    // Prepare: the local composition root, bundled the same way
    const file = join(dir, 'control.mjs');
    const result = await build({
      ...handlerBuildOptions(join(repoRoot(), 'src', 'compose', 'local.ts'), file),
      absWorkingDir: repoRoot(),
      external: ['better-sqlite3'],
    });

    // Assess: the forbidden parts are named (better-sqlite3 itself is external here: its native
    // binding cannot be bundled, so the check on its path is covered by the adapter's files)
    const found = forbiddenInputs((result.metafile as Metafile).inputs);
    expect(found.some((f) => f.includes('src/adapters/local/'))).toBe(true);
    expect(found.some((f) => f.endsWith('src/compose/local.ts'))).toBe(true);
  });

  it('leaves the rare-path SDK clients to the runtime (external, imported only where used)', () => {
    // Assess
    for (const b of bundles) {
      const sdkInputs = Object.keys(b.inputs).filter((f) =>
        RUNTIME_PROVIDED_MODULES.some((m) => f.includes(`node_modules/${m}/`)),
      );
      expect(sdkInputs, b.name).toEqual([]);
    }
  });

  it('carries no zod locale but the default English one', () => {
    // Assess
    for (const b of bundles) {
      const locales = Object.keys(b.inOutput).filter(
        (f) =>
          /node_modules\/zod\/.*\/locales\//.test(f) && !/locales\/en\.js$/.test(f) && b.inOutput[f]! > 0,
      );
      expect(locales, b.name).toEqual([]);
    }
  });

  it('a handler that opens no registry carries none of the registry', () => {
    // Assess
    for (const h of HANDLERS.filter((x) => !x.registry)) {
      const b = bundles.find((x) => x.name === h.dir)!;
      const registry = Object.keys(b.inputs).filter((f) => /src\/(app\/registry|compose\/)/.test(f));
      expect(registry, h.dir).toEqual([]);
    }
  });
});

import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HANDLERS } from '../../infra/handlers.js';
import { ESM_REQUIRE_BANNER } from '../../infra/registry-function.js';
import { resourcesOf, type SynthesizedApp, synthesizeApp } from './synth-app.js';

/** The handler directory a bundle was built from, read from its source map. */
function handlerOf(assetDir: string): string | undefined {
  const map = JSON.parse(readFileSync(join(assetDir, 'index.mjs.map'), 'utf8')) as { sources: string[] };
  const entry = map.sources.find((s) => /lambdas\/[^/]+\/index\.ts$/.test(s) && !s.includes('/shared/'));
  return entry?.match(/lambdas\/([^/]+)\/index\.ts$/)?.[1];
}

describe('handler bundles (local esbuild, no Docker)', () => {
  let synth: SynthesizedApp;
  let bundles: Map<string, string>;

  afterAll(() => synth?.dispose());

  beforeAll(() => {
    synth = synthesizeApp({ bundle: true });
    bundles = new Map();
    for (const dir of readdirSync(synth.outdir)) {
      const assetDir = join(synth.outdir, dir);
      if (!dir.startsWith('asset.') || !existsSync(join(assetDir, 'index.mjs'))) continue;
      const handler = handlerOf(assetDir);
      if (handler) bundles.set(handler, join(assetDir, 'index.mjs'));
    }
  }, 120_000);

  it('builds one ESM bundle per handler', () => {
    // Assess
    expect([...bundles.keys()].sort()).toEqual(HANDLERS.map((h) => h.dir).sort());
    synth.stateless.resourceCountIs('AWS::Lambda::Function', HANDLERS.length);
    for (const [, fn] of resourcesOf(synth.statelessJson, 'AWS::Lambda::Function')) {
      expect(fn.Properties.Handler).toBe('index.handler');
    }
  });

  it('defines require for the CommonJS code bundled into ESM', () => {
    // Assess
    for (const [handler, file] of bundles) {
      expect(readFileSync(file, 'utf8').startsWith(ESM_REQUIRE_BANNER), handler).toBe(true);
    }
  });

  it('loads in Node and exports a handler function, for every bundle', () => {
    // Prepare: a fresh Node process, as the Lambda runtime loads them (not through vitest)
    const script = `
      const files = JSON.parse(process.argv[1]);
      const out = {};
      for (const [name, file] of Object.entries(files)) {
        const mod = await import(new URL('file://' + file).href);
        out[name] = typeof mod.handler;
      }
      console.log(JSON.stringify(out));`;

    // Act
    const stdout = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', script, JSON.stringify(Object.fromEntries(bundles))],
      { encoding: 'utf8', env: { ...process.env, MODELREG_BACKEND: 'aws', AWS_REGION: 'eu-west-1' } },
    );

    // Assess
    const types = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, string>;
    expect(types).toEqual(Object.fromEntries(HANDLERS.map((h) => [h.dir, 'function'])));
  });
});

/**
 * Bundles every handler the way infra does (infra/bundle-options.ts) and a baseline that
 * only builds a DynamoDB client, with esbuild's metafile: the bundle test checks what goes
 * in, the bench measures sizes and cold imports against the baseline.
 */
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { handlerBuildOptions } from '../infra/bundle-options.js';
import { HANDLERS } from '../infra/handlers.js';
import { handlerEntry, repoRoot } from '../infra/paths.js';

/** The name of the baseline bundle in the results. */
export const BASELINE = 'baseline (DynamoDB client only)';

/** What the baseline does: build a DynamoDB client at load, as every registry handler does. */
const BASELINE_SOURCE = `import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
const client = new DynamoDBClient({});
export const handler = async () => client.config.serviceId;`;

/** One bundle: where it is, its size and the input files (relative to the repo root) it holds. */
export interface BuiltBundle {
  name: string;
  file: string;
  bytes: number;
  inputs: Metafile['inputs'];
  /** Bytes in the output per input file. */
  inOutput: Record<string, number>;
}

/** Bundles the baseline and every handler into `outdir`. */
export async function buildBundles(outdir: string): Promise<BuiltBundle[]> {
  const root = repoRoot();
  const jobs: { name: string; entry?: string }[] = [
    { name: BASELINE },
    ...HANDLERS.map((h) => ({ name: h.dir, entry: handlerEntry(h.dir) })),
  ];
  const out: BuiltBundle[] = [];
  for (const job of jobs) {
    const file = join(outdir, `${job.name === BASELINE ? 'baseline' : job.name}.mjs`);
    const options = handlerBuildOptions(job.entry ?? '', file);
    if (!job.entry) {
      delete options.entryPoints;
      options.stdin = {
        contents: BASELINE_SOURCE,
        resolveDir: root,
        sourcefile: 'baseline.ts',
        loader: 'ts',
      };
    }
    const result = await build({ ...options, absWorkingDir: root });
    const meta = result.metafile as Metafile;
    const output = Object.values(meta.outputs)[0];
    out.push({
      name: job.name,
      file,
      bytes: statSync(file).size,
      inputs: meta.inputs,
      inOutput: Object.fromEntries(
        Object.entries(output?.inputs ?? {}).map(([k, v]) => [k, v.bytesInOutput]),
      ),
    });
  }
  return out;
}

/**
 * Milliseconds to import a bundle in a fresh Node process (as a Lambda cold start loads
 * it), the median of `runs`; the handler is not called.
 */
export function coldImportMs(file: string, runs: number, env: NodeJS.ProcessEnv = {}): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); console.log(performance.now() - t);`;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const stdout = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { ...process.env, MODELREG_BACKEND: 'aws', AWS_REGION: 'eu-west-1', ...env },
    });
    times.push(Number(stdout.trim().split('\n').at(-1)));
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.NaN;
}

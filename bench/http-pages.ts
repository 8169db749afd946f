/**
 * How the web UI's model page scales: the median response time of GET /models/:useCase/:model
 * on a model with 10 versions and on one with 10,000, served in-process by the app, and
 * their ratio (target ≤ 1.2×: the page reads one page of versions through the registry's
 * cursor, never all of them). The API's version list is measured the same way, on the
 * same app. Run with `npm run build && node dist/bench/http-pages.js`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiTokens } from '../src/app/api-tokens.js';
import { openLocalRegistry } from '../src/compose/local.js';
import { ids } from '../src/core/workflow.js';
import { createApp } from '../src/http/app.js';

const LARGE = Number(process.env.BENCH_PAGE_VERSIONS ?? 10_000);
const SMALL = 10;
const RUNS = Number(process.env.BENCH_PAGE_RUNS ?? 60);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Medians of two requests timed in alternation, so a busy machine slows both alike and
 * the ratio stays meaningful.
 */
async function medianPair(
  small: () => Promise<unknown>,
  large: () => Promise<unknown>,
): Promise<[number, number]> {
  for (let i = 0; i < 5; i++) {
    await small(); // warm up
    await large();
  }
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    for (const [fn, times] of [
      [small, a],
      [large, b],
    ] as const) {
      const t = performance.now();
      await fn();
      times.push(performance.now() - t);
    }
  }
  return [median(a), median(b)];
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'modelreg-bench-pages-'));
  try {
    const artifact = join(dir, 'model.bin');
    writeFileSync(artifact, 'weights');
    const registry = openLocalRegistry({ store: join(dir, 'store') }, { actor: 'bench', warn: () => {} });
    const csv = join(dir, 'holdout.csv');
    writeFileSync(csv, 'x,label\n0.1,0\n0.9,1\n');
    const set = await registry.registerEvalSet({ useCase: 'bench', name: 'holdout', file: csv });
    const seed = async (modelName: string, n: number) => {
      const ref = { useCase: 'bench', modelName };
      for (let i = 0; i < n; i++) {
        const v = await registry.register({
          useCase: 'bench',
          modelName,
          artifactPath: artifact,
          metrics: { auc: 0.8 + (i % 100) / 1000, f1: 0.7 },
          tags: { team: 'bench' },
        });
        // evidence on the standard set for every version, kept as the evaluation step keeps it
        // (the bench does not run an evaluator 10,000 times)
        await registry.records.putRecord({
          record: {
            kind: 'evidence',
            id: ids.evidence(ref, v.version, set.id),
            scope: ids.modelScope(ref),
            doc: {
              ...ref,
              version: v.version,
              evalSetId: set.id,
              evalSetSha256: set.artifact.sha256,
              metrics: { auc: 0.8 + (i % 100) / 1000 },
              evaluator: 'bench',
              evaluatedAt: new Date().toISOString(),
              evaluatedBy: 'bench',
            },
          },
          expect: 'absent',
        });
      }
      await registry.setPolicy({
        ...ref,
        policy: { evaluation: { evalSet: 'holdout', evaluator: 'bench' } },
      });
    };
    const t0 = performance.now();
    await seed('small', SMALL);
    await seed('large', LARGE);
    console.log(
      `seeded ${SMALL} + ${LARGE} versions through register(), each with evidence, in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );

    // the app as `modelreg serve` builds it on loopback without tokens (the OS user)
    const app = createApp({
      registry,
      auth: {
        mode: 'embedded',
        tokens: new ApiTokens(registry.records),
        secret: Buffer.from('bench'),
        osUser: 'bench',
      },
      approvalSecret: async () => Buffer.from('bench'),
    });
    const get = (path: string) => async () => {
      const res = await app.request(path);
      if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
      await res.text();
    };

    const rows: [string, number, number][] = [];
    // the default page holds up to 50 rows: 10 on the small model, 50 on the large one
    rows.push([
      'model page, default page (GET /models/bench/:model)',
      ...(await medianPair(get('/models/bench/small'), get('/models/bench/large'))),
    ]);
    // the same 10 rows on both: what the model's size alone costs
    rows.push([
      'model page, 10 rows (?limit=10)',
      ...(await medianPair(get('/models/bench/small?limit=10'), get('/models/bench/large?limit=10'))),
    ]);
    // the version page filters the model's audit trail for the version's events: it grows with the model
    rows.push([
      'version page (GET …/versions/1.0.5)',
      ...(await medianPair(
        get('/models/bench/small/versions/1.0.5'),
        get('/models/bench/large/versions/1.0.5'),
      )),
    ]);
    rows.push([
      'API version list (GET /api/v1/…/versions?limit=10)',
      ...(await medianPair(
        get('/api/v1/models/bench/small/versions?limit=10'),
        get('/api/v1/models/bench/large/versions?limit=10'),
      )),
    ]);
    rows.push([
      'API version list, default page',
      ...(await medianPair(
        get('/api/v1/models/bench/small/versions'),
        get('/api/v1/models/bench/large/versions'),
      )),
    ]);

    console.log(`\nmedian of ${RUNS} runs           ${SMALL} versions   ${LARGE} versions   ratio`);
    for (const [name, small, large] of rows) {
      console.log(
        `${name.padEnd(52)} ${small.toFixed(2).padStart(8)} ms ${large.toFixed(2).padStart(12)} ms   ${(large / small).toFixed(2)}×`,
      );
    }
    console.log('\ntarget: ratio ≤ 1.2× (a page of versions costs the same however many the model has).');
    await registry.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

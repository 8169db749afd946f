/**
 * How the web UI's model page scales: the median response time of GET /models/:useCase/:model
 * on a model with 10 versions and on one with 10,000, served in-process by the app, and
 * their ratio (target ≤ 1.2×: the page reads one page of versions through the registry's
 * cursor, never all of them). The registry's version list, which the API's list route
 * wraps, is measured the same way. Run with `npm run build && node dist/bench/http-pages.js`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { openLocalRegistry } from '../src/adapters/local/index.js';
import type { HttpEnv } from '../src/http/env.js';
import { pageRoutes } from '../src/http/pages/index.js';

const LARGE = Number(process.env.BENCH_PAGE_VERSIONS ?? 10_000);
const SMALL = 10;
const RUNS = Number(process.env.BENCH_PAGE_RUNS ?? 60);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function medianMs(fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 5; i++) await fn(); // warm up
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return median(times);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'modelreg-bench-pages-'));
  try {
    const artifact = join(dir, 'model.bin');
    writeFileSync(artifact, 'weights');
    const registry = openLocalRegistry({ store: join(dir, 'store') }, { actor: 'bench', warn: () => {} });
    const seed = async (modelName: string, n: number) => {
      for (let i = 0; i < n; i++) {
        await registry.register({
          useCase: 'bench',
          modelName,
          artifactPath: artifact,
          metrics: { auc: 0.8 + (i % 100) / 1000, f1: 0.7 },
          tags: { team: 'bench' },
        });
      }
    };
    const t0 = performance.now();
    await seed('small', SMALL);
    await seed('large', LARGE);
    console.log(
      `seeded ${SMALL} + ${LARGE} versions through register() in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );

    const app = new Hono<HttpEnv>();
    app.use('*', async (c, next) => {
      c.set('registry', registry);
      c.set('identity', { actor: 'bench', role: 'viewer', via: 'os-user' });
      c.set('csrf', 'bench');
      await next();
    });
    app.route('/', pageRoutes({ approvalSecret: async () => 'bench' }));
    const get = (path: string) => async () => {
      const res = await app.request(path);
      if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
      await res.text();
    };

    const rows: [string, number, number][] = [];
    // the default page holds up to 50 rows: 10 on the small model, 50 on the large one
    rows.push([
      'model page, default page (GET /models/bench/:model)',
      await medianMs(get('/models/bench/small')),
      await medianMs(get('/models/bench/large')),
    ]);
    // the same 10 rows on both: what the model's size alone costs
    rows.push([
      'model page, 10 rows (?limit=10)',
      await medianMs(get('/models/bench/small?limit=10')),
      await medianMs(get('/models/bench/large?limit=10')),
    ]);
    // the version page filters the model's audit trail for the version's events: it grows with the model
    rows.push([
      'version page (GET …/versions/1.0.5)',
      await medianMs(get('/models/bench/small/versions/1.0.5')),
      await medianMs(get('/models/bench/large/versions/1.0.5')),
    ]);
    const list = (modelName: string) => () =>
      registry.listVersions({ useCase: 'bench', modelName, limit: 10 });
    rows.push([
      'version list (Registry.listVersions, 10)',
      await medianMs(list('small')),
      await medianMs(list('large')),
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

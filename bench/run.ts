/**
 * Benchmarks of the embedded backend, each reported as a ratio against a floor measured
 * in the same run on the same machine: the least work the operation could do (raw
 * better-sqlite3 statements and a plain file copy). A ratio, not a time, is what to
 * compare across machines. Run with `npm run bench`.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openLocalRegistry } from '../src/compose/local.js';
import { versionSortKey } from '../src/core/versioning.js';

const N_REGISTER = Number(process.env.BENCH_REGISTER ?? 300);
const N_BULK = Number(process.env.BENCH_VERSIONS ?? 10_000);
const N_PROMOTE = Number(process.env.BENCH_PROMOTE ?? 200);

async function time(fn: () => unknown | Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

function floorDb(dir: string): Database.Database {
  const db = new Database(join(dir, 'floor.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE v (m TEXT, version TEXT, sort_key TEXT, stage TEXT, doc TEXT, PRIMARY KEY (m, version)) WITHOUT ROWID;
           CREATE INDEX v_order ON v (m, sort_key);`);
  return db;
}

const rows: string[][] = [];
function report(name: string, n: number, ms: number, floorMs: number): void {
  rows.push([
    name,
    String(n),
    `${((n / ms) * 1000).toFixed(0)}/s`,
    `${((n / floorMs) * 1000).toFixed(0)}/s`,
    `${(ms / floorMs).toFixed(2)}×`,
  ]);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'modelreg-bench-'));
  try {
    const artifact = join(dir, 'model.bin');
    writeFileSync(artifact, Buffer.alloc(64 * 1024, 7));
    const registry = openLocalRegistry({ store: join(dir, 'store') }, { actor: 'bench' });
    const db = floorDb(dir);
    const doc = JSON.stringify({ metrics: { auc: 0.9, f1: 0.8 }, metadata: {}, tags: {} });

    // 1. register: hash + copy a 64 KiB artifact, one transaction with the audit event
    const regMs = await time(async () => {
      for (let i = 0; i < N_REGISTER; i++) {
        await registry.register({
          useCase: 'bench',
          modelName: 'reg',
          artifactPath: artifact,
          metrics: { auc: 0.9, f1: 0.8 },
        });
      }
    });
    const insert = db.prepare('INSERT INTO v VALUES (?, ?, ?, ?, ?)');
    mkdirSync(join(dir, 'floor-artifacts'));
    const regFloor = await time(() => {
      for (let i = 0; i < N_REGISTER; i++) {
        copyFileSync(artifact, join(dir, 'floor-artifacts', `${i}.bin`));
        db.transaction(() => insert.run('reg', `1.0.${i}`, versionSortKey(`1.0.${i}`), 'development', doc))();
      }
    });
    report('register (64 KiB artifact)', N_REGISTER, regMs, regFloor);

    // 2. promote staging → production, archiving the previous production version
    for (let i = 0; i < N_PROMOTE; i++) {
      await registry.promote({ useCase: 'bench', modelName: 'reg', version: `1.0.${i}`, to: 'staging' });
    }
    const promoteMs = await time(async () => {
      for (let i = 0; i < N_PROMOTE; i++) {
        await registry.promote({ useCase: 'bench', modelName: 'reg', version: `1.0.${i}`, to: 'production' });
      }
    });
    const move = db.prepare('UPDATE v SET stage = ? WHERE m = ? AND version = ? AND stage = ?');
    const promoteFloor = await time(() => {
      for (let i = 0; i < N_PROMOTE; i++) {
        db.transaction(() => {
          move.run('production', 'reg', `1.0.${i}`, 'development');
          if (i > 0) move.run('archived', 'reg', `1.0.${i - 1}`, 'production');
        })();
      }
    });
    report('promote to production (+archive old)', N_PROMOTE, promoteMs, promoteFloor);

    // 3. list the newest page of a model with many versions (the MLflow pain point)
    const { SqliteRegistryStore } = await import('../src/adapters/local/sqlite-store.js');
    const store = new SqliteRegistryStore(join(dir, 'store', 'registry.db'));
    const ins = store.database.prepare(
      'INSERT INTO versions (use_case, model_name, version, sort_key, stage, run_id, doc) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    const head = await store.getHead({ useCase: 'bench', modelName: 'reg' });
    store.database.transaction(() => {
      for (let i = 0; i < N_BULK; i++) {
        const version = `2.${Math.floor(i / 1000)}.${i % 1000}`;
        const record = {
          useCase: 'bench',
          modelName: 'many',
          version,
          stage: 'development',
          artifact: { uri: 'file:///x', sha256: '0'.repeat(64), sizeBytes: 1 },
          metrics: { auc: 0.9 },
          metadata: {},
          lineage: { runId: null, datasetVersion: null, codeVersion: null },
          tags: {},
          registeredAt: '2026-01-01T00:00:00.000Z',
          registeredBy: 'bench',
          stageUpdatedAt: '2026-01-01T00:00:00.000Z',
        };
        ins.run(
          'bench',
          'many',
          version,
          versionSortKey(version),
          'development',
          null,
          JSON.stringify(record),
        );
        insert.run('many', version, versionSortKey(version), 'development', JSON.stringify(record));
      }
      store.database
        .prepare('INSERT INTO heads (use_case, model_name, revision, doc) VALUES (?, ?, ?, ?)')
        .run(
          'bench',
          'many',
          1,
          JSON.stringify({ ...head, modelName: 'many', versionCount: N_BULK, aliases: {} }),
        );
    })();
    await store.close();
    const pages = 200;
    const listMs = await time(async () => {
      for (let i = 0; i < pages; i++)
        await registry.listVersions({ useCase: 'bench', modelName: 'many', limit: 50 });
    });
    const page = db.prepare('SELECT doc FROM v WHERE m = ? ORDER BY sort_key DESC LIMIT 51');
    const listFloor = await time(() => {
      for (let i = 0; i < pages; i++) page.all('many').map((r) => JSON.parse((r as { doc: string }).doc));
    });
    report(`list newest 50 of ${N_BULK} versions`, pages, listMs, listFloor);

    await registry.close();
    db.close();
    const widths = [0, 1, 2, 3, 4].map((c) =>
      Math.max(...[['operation', 'n', 'modelreg', 'floor', 'ratio'], ...rows].map((r) => r[c]!.length)),
    );
    const line = (r: string[]) => r.map((x, i) => x.padEnd(widths[i]!)).join('  ');
    console.log(line(['operation', 'n', 'modelreg', 'floor', 'ratio']));
    console.log(line(widths.map((w) => '-'.repeat(w))));
    for (const r of rows) console.log(line(r));
    console.log(
      '\nfloor = raw better-sqlite3 statements (+ a plain file copy for register) in the same run.',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

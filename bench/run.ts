/**
 * `npm run bench`: modelreg's speed on both backends, every figure a ratio against a floor
 * measured in the same run on the same machine (the least work the operation could do), so
 * that figures compare across machines. Prints a table and writes bench/results.json.
 * `npm run bench -- --quick` runs every part with small counts (the CI smoke test).
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { TransactWriteItemsCommand, type TransactWriteItemsCommandInput } from '@aws-sdk/client-dynamodb';
import { repoRoot } from '../infra/paths.js';
import type { AwsConfig } from '../src/adapters/aws/config.js';
import type { createAwsClients } from '../src/adapters/aws/index.js';
import { SqliteRegistryStore } from '../src/adapters/local/sqlite-store.js';
import { allPages } from '../src/app/pages.js';
import type { Registry } from '../src/app/registry.js';
import { openAwsRegistry } from '../src/compose/aws.js';
import { openLocalRegistry } from '../src/compose/local.js';
import { versionSortKey } from '../src/core/versioning.js';
import { freshAwsResources } from '../test/support/aws-resources.js';
import { startEmulators } from '../test/support/emulators.js';
import { type RequestRecorder, recordRequests } from '../test/support/sdk-requests.js';
import { BASELINE, buildBundles, coldImportMs } from './bundles.js';

const QUICK = process.argv.includes('--quick');
const SIZES = QUICK
  ? { ops: 20, awsOps: 8, scale: [10, 100], contention: 8, runs: 3, pages: 20 }
  : { ops: 300, awsOps: 60, scale: [10, 1000, 10_000], contention: 64, runs: 9, pages: 200 };
/** Step Functions Standard list price: $0.025 per 1,000 state transitions. */
const USD_PER_TRANSITION = 0.025 / 1000;
const ARTIFACT_BYTES = 64 * 1024;

/** One timed operation against its floor: medians and 99th percentiles in milliseconds. */
export interface LatencyRow {
  backend: 'sqlite' | 'dynamodb';
  operation: string;
  n: number;
  p50Ms: number;
  p99Ms: number;
  floorP50Ms: number;
  floorP99Ms: number;
  ratioP50: number;
  ratioP99: number;
  target: number;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}

function stats(samples: number[]): { p50: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99) };
}

async function timeEach(n: number, fn: (i: number) => unknown | Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    out.push(performance.now() - t);
  }
  return out;
}

function latency(
  backend: LatencyRow['backend'],
  operation: string,
  samples: number[],
  floor: number[],
  target: number,
): LatencyRow {
  const s = stats(samples);
  const f = stats(floor);
  return {
    backend,
    operation,
    n: samples.length,
    p50Ms: s.p50,
    p99Ms: s.p99,
    floorP50Ms: f.p50,
    floorP99Ms: f.p99,
    ratioP50: s.p50 / f.p50,
    ratioP99: s.p99 / f.p99,
    target,
  };
}

/** The floor of a registration: the same file copied and hashed, and the same rows in one transaction. */
function floorCopyAndHash(from: string, to: string): string {
  const bytes = readFileSync(from);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  writeFileSync(to, bytes, { flag: 'wx' });
  return sha256;
}

async function sqliteLatencies(dir: string, artifact: string): Promise<LatencyRow[]> {
  const registry = openLocalRegistry({ store: join(dir, 'store') }, { actor: 'bench', warn: () => {} });
  const ref = { useCase: 'bench', modelName: 'reg' };
  const register = await timeEach(SIZES.ops, () =>
    registry.register({ ...ref, artifactPath: artifact, metrics: { auc: 0.9, f1: 0.8 } }),
  );
  for (let i = 0; i < SIZES.ops; i++) await registry.promote({ ...ref, version: `1.0.${i}`, to: 'staging' });
  const promote = await timeEach(SIZES.ops, (i) =>
    registry.promote({ ...ref, version: `1.0.${i}`, to: 'production' }),
  );
  await registry.close();

  // the floor: a store with the same schema, written with raw statements
  const floorStore = new SqliteRegistryStore(join(dir, 'floor', 'registry.db'));
  const db = floorStore.database;
  const head = db.prepare(
    'INSERT OR REPLACE INTO heads (use_case, model_name, revision, doc) VALUES (?, ?, ?, ?)',
  );
  const version = db.prepare(
    'INSERT INTO versions (use_case, model_name, version, sort_key, stage, run_id, doc) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const event = db.prepare('INSERT INTO audit (use_case, model_name, seq, doc) VALUES (?, ?, ?, ?)');
  const move = db.prepare(
    `UPDATE versions SET stage = ?, doc = json_set(doc, '$.stage', ?) WHERE use_case = ? AND model_name = ? AND version = ? AND stage = ?`,
  );
  mkdirSync(join(dir, 'floor', 'files'));
  let seq = 0;
  const registerFloor = await timeEach(SIZES.ops, (i) => {
    const sha256 = floorCopyAndHash(artifact, join(dir, 'floor', 'files', `${i}.bin`));
    const v = `1.0.${i}`;
    db.transaction(() => {
      head.run('bench', 'reg', i + 1, JSON.stringify({ latest: v, versionCount: i + 1 }));
      version.run('bench', 'reg', v, versionSortKey(v), 'development', null, JSON.stringify({ v, sha256 }));
      event.run('bench', 'reg', ++seq, JSON.stringify({ action: 'register', version: v, sha256 }));
    }).immediate();
  });
  for (let i = 0; i < SIZES.ops; i++)
    move.run('staging', 'staging', 'bench', 'reg', `1.0.${i}`, 'development');
  const promoteFloor = await timeEach(SIZES.ops, (i) => {
    db.transaction(() => {
      head.run('bench', 'reg', SIZES.ops + i + 1, JSON.stringify({ production: `1.0.${i}` }));
      move.run('production', 'production', 'bench', 'reg', `1.0.${i}`, 'staging');
      if (i > 0) move.run('archived', 'archived', 'bench', 'reg', `1.0.${i - 1}`, 'production');
      event.run('bench', 'reg', ++seq, JSON.stringify({ action: 'promote', version: `1.0.${i}` }));
    }).immediate();
  });
  await floorStore.close();
  return [
    latency('sqlite', 'register (64 KiB artifact)', register, registerFloor, 5),
    latency('sqlite', 'promote to production (+archive old)', promote, promoteFloor, 3),
  ];
}

/** Sums of HTTP attempts per service, as the SDK middleware counted them. */
export type RoundTrips = Record<string, Record<string, number>>;

interface AwsBench {
  config: AwsConfig;
  clients: ReturnType<typeof createAwsClients>;
  recorders: Record<'dynamodb' | 's3' | 'sns', RequestRecorder>;
  registry: Registry;
}

async function openAwsBench(): Promise<AwsBench> {
  const { config, clients } = await freshAwsResources('bench', 'bench');
  const recorders = {
    dynamodb: recordRequests(clients.dynamodb),
    s3: recordRequests(clients.s3),
    sns: recordRequests(clients.sns),
  };
  const registry = openAwsRegistry(config, { clients, actor: 'bench', warn: () => {} });
  return { config, clients, recorders, registry };
}

function countsOf(bench: AwsBench, ops: number): Record<string, number> {
  const out: Record<string, number> = {};
  let total = 0;
  for (const [service, r] of Object.entries(bench.recorders)) {
    for (const [command, n] of Object.entries(r.counts())) {
      out[`${service}:${command.replace(/Command$/, '')}`] = n / ops;
      total += n;
    }
    r.reset();
  }
  out.total = total / ops;
  return out;
}

/** The captured transaction, replayed as plain Puts of the same items on fresh keys (no conditions). */
function asFloorTransaction(input: TransactWriteItemsCommandInput, table: string, salt: string) {
  type Av = NonNullable<NonNullable<TransactWriteItemsCommandInput['TransactItems']>[number]['Put']>['Item'];
  const items = (input.TransactItems ?? []).map((t, k) => {
    const item: NonNullable<Av> = { ...(t.Put?.Item ?? {}), ...(t.Update?.ExpressionAttributeValues ?? {}) };
    for (const [name, value] of Object.entries(t.Update?.Key ?? t.ConditionCheck?.Key ?? {}))
      item[name] = value;
    item.PK = { S: `floor#${salt}#${k}` };
    item.SK = { S: 'floor' };
    return { Put: { TableName: table, Item: item } };
  });
  return new TransactWriteItemsCommand({ TransactItems: items });
}

async function dynamoLatencies(
  dir: string,
  artifact: string,
): Promise<{ rows: LatencyRow[]; roundTrips: RoundTrips }> {
  const bench = await openAwsBench();
  const { registry, recorders } = bench;
  const ref = { useCase: 'bench', modelName: 'reg' };
  const lastTransaction = () =>
    [...recorders.dynamodb.sent].reverse().find((s) => s.command === 'TransactWriteItemsCommand')
      ?.input as unknown as TransactWriteItemsCommandInput;
  const captured: { register: TransactWriteItemsCommandInput[]; promote: TransactWriteItemsCommandInput[] } =
    {
      register: [],
      promote: [],
    };
  countsOf(bench, 1);
  const roundTrips: RoundTrips = {};
  const register = await timeEach(SIZES.awsOps, async () => {
    await registry.register({ ...ref, artifactPath: artifact, metrics: { auc: 0.9, f1: 0.8 } });
    captured.register.push(lastTransaction());
  });
  roundTrips.register = countsOf(bench, SIZES.awsOps);
  for (let i = 0; i < SIZES.awsOps; i++)
    await registry.promote({ ...ref, version: `1.0.${i}`, to: 'staging' });
  countsOf(bench, 1);
  const promote = await timeEach(SIZES.awsOps, async (i) => {
    await registry.promote({ ...ref, version: `1.0.${i}`, to: 'production' });
    captured.promote.push(lastTransaction());
  });
  roundTrips.promote = countsOf(bench, SIZES.awsOps);
  recorders.dynamodb.reset();
  await registry.listVersions({ ...ref, limit: 50 });
  roundTrips['list first page'] = countsOf(bench, 1);
  await registry.info({ ...ref, version: '1.0.0' });
  roundTrips.info = countsOf(bench, 1);

  const ddb = bench.clients.dynamodb;
  const registerFloor = await timeEach(SIZES.awsOps, (i) =>
    ddb.send(asFloorTransaction(captured.register[i]!, bench.config.table, `r${i}`)),
  );
  const promoteFloor = await timeEach(SIZES.awsOps, (i) =>
    ddb.send(asFloorTransaction(captured.promote[i]!, bench.config.table, `p${i}`)),
  );
  const contention = await contend('dynamodb', bench.registry, dir);
  aws.contention = contention;
  await registry.close();
  bench.clients.dynamodb.destroy();
  bench.clients.s3.destroy();
  bench.clients.sns.destroy();
  return {
    rows: [
      latency('dynamodb', 'register (64 KiB artifact)', register, registerFloor, 5),
      latency('dynamodb', 'promote to production (+archive old)', promote, promoteFloor, 3),
    ],
    roundTrips,
  };
}

/** Contention on one model: different versions promoted at once, and one version promoted many times. */
export interface ContentionResult {
  backend: 'sqlite' | 'dynamodb';
  concurrent: number;
  succeeded: number;
  changed: number;
  refused: number;
  failedOther: number;
  ms: number;
  throughputPerS: number;
  floorPerS: number;
  ratio: number;
  productionVersions: number;
  auditEventsAdded: number;
  consistent: boolean;
}

const aws: { contention?: ContentionResult } = {};

function auditEvents(registry: Registry, ref: { useCase: string; modelName: string }) {
  return allPages((cursor) => registry.auditTrail({ ...ref, limit: 500, ...(cursor ? { cursor } : {}) }));
}

async function allVersions(registry: Registry, ref: { useCase: string; modelName: string }) {
  return allPages((cursor) => registry.listVersions({ ...ref, limit: 500, ...(cursor ? { cursor } : {}) }));
}

async function contend(backend: ContentionResult['backend'], registry: Registry, dir: string) {
  const ref = { useCase: 'bench', modelName: `contended-${randomUUID().slice(0, 6)}` };
  const artifact = join(dir, `contended-${ref.modelName}.bin`);
  writeFileSync(artifact, Buffer.alloc(1024, 1));
  const n = SIZES.contention;
  // versions 0..n-1 are promoted at once, n is the floor, n+1 is promoted n times at once
  for (let i = 0; i <= n + 1; i++) {
    await registry.register({ ...ref, artifactPath: artifact });
    await registry.promote({ ...ref, version: `1.0.${i}`, to: 'staging' });
  }
  // the floor: one promotion alone
  const t0 = performance.now();
  await registry.promote({ ...ref, version: `1.0.${n}`, to: 'production' });
  const floorMs = performance.now() - t0;
  const before = (await auditEvents(registry, ref)).length;
  const jobs = [
    ...Array.from({ length: n }, (_, i) => `1.0.${i}`),
    ...Array.from({ length: n }, () => `1.0.${n + 1}`),
  ];
  const t = performance.now();
  const settled = await Promise.allSettled(
    jobs.map((version) => registry.promote({ ...ref, version, to: 'production' })),
  );
  const ms = performance.now() - t;
  const ok = settled.filter((s) => s.status === 'fulfilled').map((s) => s.value);
  const failures = settled.filter((s) => s.status === 'rejected').map((s) => s.reason as Error);
  const changed = ok.filter((r) => r.promoted && !r.alreadyPromoted).length;
  // a refusal is a decision (the version was superseded by a later promotion before its turn);
  // anything else (retries exhausted, say) is counted apart
  const refused = failures.filter((e) => e.name === 'InvalidTransitionError').length;
  const added = (await auditEvents(registry, ref)).slice(before);
  const production = (await allVersions(registry, ref)).filter((v) => v.stage === 'production').length;
  const toProduction = added.filter((e) => e.toStage === 'production').length;
  const superseded = added.filter((e) => e.toStage === 'superseded').length;
  return {
    backend,
    concurrent: jobs.length,
    succeeded: ok.length,
    changed,
    refused,
    failedOther: failures.length - refused,
    ms,
    throughputPerS: (jobs.length / ms) * 1000,
    floorPerS: 1000 / floorMs,
    ratio: floorMs / (ms / jobs.length),
    productionVersions: production,
    auditEventsAdded: added.length,
    // each promotion to production supersedes the one before it in the same change
    consistent:
      production === 1 && toProduction === changed && superseded === changed && added.length === 2 * changed,
  } satisfies ContentionResult;
}

/** The first page and info of a model at a number of versions, against the same at the smallest. */
export interface ScalingRow {
  backend: 'sqlite';
  operation: string;
  versions: number;
  p50Ms: number;
  ratio: number;
}

async function scaling(dir: string, artifact: string): Promise<ScalingRow[]> {
  const registry = openLocalRegistry({ store: join(dir, 'scaling') }, { actor: 'bench', warn: () => {} });
  const rows: ScalingRow[] = [];
  let count = 0;
  const ref = { useCase: 'bench', modelName: 'many' };
  const base: Record<string, number> = {};
  for (const size of SIZES.scale) {
    for (; count < size; count++) {
      await registry.register({ ...ref, artifactPath: artifact, metrics: { auc: 0.9 } });
      if (count === 0) {
        await registry.promote({ ...ref, version: '1.0.0', to: 'staging' });
        await registry.promote({ ...ref, version: '1.0.0', to: 'production' });
      }
    }
    // a page of 10, so the smallest model fills it too and every size returns as many items
    const list = stats(await timeEach(SIZES.pages, () => registry.listVersions({ ...ref, limit: 10 }))).p50;
    const info = stats(await timeEach(SIZES.pages, () => registry.info({ ...ref, version: '1.0.0' }))).p50;
    for (const [operation, p50] of [
      ['first list page (10)', list],
      ['info', info],
    ] as const) {
      base[operation] ??= p50;
      rows.push({ backend: 'sqlite', operation, versions: size, p50Ms: p50, ratio: p50 / base[operation]! });
    }
  }
  await registry.close();
  return rows;
}

/** A handler bundle against the baseline (a bundle that only builds a DynamoDB client). */
export interface BundleRow {
  name: string;
  bytes: number;
  sizeRatio: number;
  coldImportMs: number;
  coldRatio: number;
}

async function bundles(dir: string): Promise<BundleRow[]> {
  const built = await buildBundles(join(dir, 'bundles'));
  const baseline = built.find((b) => b.name === BASELINE)!;
  const baseCold = coldImportMs(baseline.file, SIZES.runs, { NODE_NO_WARNINGS: '1' });
  return built.map((b) => {
    const cold = b === baseline ? baseCold : coldImportMs(b.file, SIZES.runs, { NODE_NO_WARNINGS: '1' });
    return {
      name: b.name,
      bytes: b.bytes,
      sizeRatio: b.bytes / baseline.bytes,
      coldImportMs: cold,
      coldRatio: cold / baseCold,
    };
  });
}

/** Start of a CLI command against bare `node -e 0`. */
export interface CliRow {
  command: string;
  p50Ms: number;
  ratio: number;
}

function processMs(args: string[], env: NodeJS.ProcessEnv): number {
  const t = performance.now();
  execFileSync(process.execPath, args, { env: { ...process.env, ...env }, stdio: 'ignore' });
  return performance.now() - t;
}

function cliStart(dir: string): CliRow[] {
  const main = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
  const env = { MODELREG_STORE: join(dir, 'cli-store'), NODE_NO_WARNINGS: '1' };
  const median = (args: string[]) =>
    stats(Array.from({ length: SIZES.runs }, () => processMs(args, env))).p50;
  // a read on a missing store is refused (exit 8): make the store first, as a user would
  processMs([main, 'init'], env);
  const bare = median(['-e', '0']);
  const rows: CliRow[] = [{ command: 'node -e 0', p50Ms: bare, ratio: 1 }];
  for (const args of [['--help'], ['models', 'list', '--use-case', 'bench']]) {
    const ms = median([main, ...args]);
    rows.push({ command: `modelreg ${args.join(' ')}`, p50Ms: ms, ratio: ms / bare });
  }
  return rows;
}

/** The promotion workflow run locally: time, state transitions and what it costs on Step Functions. */
export interface WorkflowResult {
  status: string;
  ms: number;
  directMs: number;
  ratio: number;
  stateTransitions: number;
  usdPer1000Executions: number;
}

async function workflow(dir: string): Promise<WorkflowResult> {
  const { runPipeline } = await import('../src/cli/pipeline.js');
  const store = join(dir, 'workflow');
  const registry = openLocalRegistry({ store }, { actor: 'bench', warn: () => {} });
  const model = join(dir, 'workflow-model.json');
  writeFileSync(model, JSON.stringify({ kind: 'bench-model', weights: [0.1, 0.2] }));
  const event = {
    useCase: 'bench',
    modelName: 'flow',
    artifactUri: model,
    runId: 'bench-run-1',
    requestedBy: 'bench',
    metrics: { auc: 0.91 },
  };
  let transitions = 0;
  const t = performance.now();
  const result = await runPipeline({
    registry,
    store,
    event,
    retryIntervalMs: 1,
    say: (line) => {
      if (line.startsWith('▶') || line.startsWith('↻')) transitions += 1;
    },
  });
  const ms = performance.now() - t;
  // the floor: the same register and promotion as direct use-case calls
  const t2 = performance.now();
  await registry.register({
    useCase: 'bench',
    modelName: 'direct',
    artifactPath: model,
    metrics: { auc: 0.91 },
  });
  await registry.promote({ useCase: 'bench', modelName: 'direct', version: '1.0.0', to: 'staging' });
  await registry.promote({ useCase: 'bench', modelName: 'direct', version: '1.0.0', to: 'production' });
  const directMs = performance.now() - t2;
  await registry.close();
  return {
    status: result.status,
    ms,
    directMs,
    ratio: ms / directMs,
    stateTransitions: transitions,
    usdPer1000Executions: transitions * 1000 * USD_PER_TRANSITION,
  };
}

/** Everything one run measured: what bench/results.json holds. */
export interface BenchResults {
  mode: 'quick' | 'full';
  generatedAt: string;
  node: string;
  cpus: number;
  latency: LatencyRow[];
  roundTrips: RoundTrips;
  scaling: ScalingRow[];
  contention: ContentionResult[];
  bundles: BundleRow[];
  cli: CliRow[];
  workflow: WorkflowResult;
}

const fmt = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : String(x));

function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, c) => Math.max(...cells.map((r) => r[c]!.length)));
  const line = (r: string[]) => `| ${r.map((x, i) => x.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.slice(1).map(line)].join('\n');
}

/** The results as the Markdown tables the README carries. */
export function render(r: BenchResults): string {
  const out: string[] = [];
  out.push(
    table(
      ['backend', 'operation', 'n', 'p50 ms', 'p99 ms', 'floor p50', 'floor p99', 'p50 ×', 'p99 ×', 'target'],
      r.latency.map((l) => [
        l.backend,
        l.operation,
        l.n,
        fmt(l.p50Ms),
        fmt(l.p99Ms),
        fmt(l.floorP50Ms),
        fmt(l.floorP99Ms),
        `${fmt(l.ratioP50)}×`,
        `${fmt(l.ratioP99)}×`,
        `≤ ${l.target}×`,
      ]),
    ),
  );
  out.push(
    table(
      ['operation (DynamoDB)', 'round trips per call'],
      Object.entries(r.roundTrips).map(([op, c]) => [
        op,
        Object.entries(c)
          .map(([k, v]) => `${k} ${fmt(v, 1)}`)
          .join(', '),
      ]),
    ),
  );
  out.push(
    table(
      ['operation (SQLite)', 'versions', 'p50 ms', '× at fewest', 'target'],
      r.scaling.map((s) => [s.operation, s.versions, fmt(s.p50Ms, 3), `${fmt(s.ratio)}×`, '≤ 1.2×']),
    ),
  );
  out.push(
    table(
      [
        'contention',
        'calls',
        'ok',
        'changed',
        'refused',
        'other errors',
        'calls/s',
        '× one promote',
        'production',
        'audit added',
        'consistent',
      ],
      r.contention.map((c) => [
        c.backend,
        c.concurrent,
        c.succeeded,
        c.changed,
        c.refused,
        c.failedOther,
        fmt(c.throughputPerS, 0),
        `${fmt(c.ratio)}×`,
        c.productionVersions,
        c.auditEventsAdded,
        c.consistent ? 'yes' : 'NO',
      ]),
    ),
  );
  out.push(
    table(
      ['bundle', 'KiB', '× baseline', 'cold import ms', '× baseline', 'target'],
      r.bundles.map((b) => [
        b.name,
        fmt(b.bytes / 1024, 0),
        `${fmt(b.sizeRatio)}×`,
        fmt(b.coldImportMs, 1),
        `${fmt(b.coldRatio)}×`,
        b.name === BASELINE ? '' : '≤ 1.3×',
      ]),
    ),
  );
  out.push(
    table(
      ['CLI start', 'p50 ms', '× node -e 0', 'target'],
      r.cli.map((c) => [c.command, fmt(c.p50Ms, 0), `${fmt(c.ratio)}×`, c.ratio === 1 ? '' : '≤ 2×']),
    ),
  );
  const w = r.workflow;
  out.push(
    table(
      [
        'local promotion workflow',
        'status',
        'ms',
        '× direct calls',
        'state transitions',
        '$ per 1,000 on SFN Standard',
      ],
      [
        [
          'register → compare → promote',
          w.status,
          fmt(w.ms, 0),
          `${fmt(w.ratio)}×`,
          w.stateTransitions,
          `$${fmt(w.usdPer1000Executions, 3)}`,
        ],
      ],
    ),
  );
  return out.join('\n\n');
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'modelreg-bench-'));
  const emulators = await startEmulators();
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ENDPOINT_URL_DYNAMODB = emulators.dynamodbEndpoint;
  process.env.AWS_ENDPOINT_URL_S3 = emulators.motoEndpoint;
  process.env.AWS_ENDPOINT_URL_SNS = emulators.motoEndpoint;
  try {
    const artifact = join(dir, 'model.bin');
    writeFileSync(artifact, Buffer.alloc(ARTIFACT_BYTES, 7));
    const latencyRows = await sqliteLatencies(dir, artifact);
    const local = openLocalRegistry({ store: join(dir, 'contention') }, { actor: 'bench', warn: () => {} });
    const contention = [await contend('sqlite', local, dir)];
    await local.close();
    const dynamo = await dynamoLatencies(dir, artifact);
    if (aws.contention) contention.push(aws.contention);
    const results: BenchResults = {
      mode: QUICK ? 'quick' : 'full',
      generatedAt: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      latency: [...latencyRows, ...dynamo.rows],
      roundTrips: dynamo.roundTrips,
      scaling: await scaling(dir, artifact),
      contention,
      bundles: await bundles(dir),
      cli: cliStart(dir),
      workflow: await workflow(dir),
    };
    const out = process.env.BENCH_RESULTS ?? join(repoRoot(), 'bench', 'results.json');
    writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
    console.log(render(results));
    console.log(`\nEvery × is against a floor measured in this run; results in ${out}.`);
  } finally {
    emulators.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

/**
 * `npm run bench -- --quick` as a smoke test: it runs every part of the bench on both
 * backends with small counts and writes its JSON, whose shape and sanity are checked here.
 * No timing is asserted (speed is the bench's table, as ratios against its floors).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchResults } from '../../bench/run.js';
import { HANDLERS } from '../../infra/handlers.js';

const positive = (x: number) => Number.isFinite(x) && x > 0;

describe('npm run bench -- --quick', () => {
  let dir: string;
  let results: BenchResults;
  let stdout: string;

  beforeAll(() => {
    // Prepare: the compiled bench (pretest builds dist/), results written outside the repo
    dir = mkdtempSync(join(tmpdir(), 'modelreg-bench-quick-'));
    const file = join(dir, 'results.json');
    stdout = execFileSync(process.execPath, ['dist/bench/run.js', '--quick'], {
      encoding: 'utf8',
      env: { ...process.env, BENCH_RESULTS: file, NODE_NO_WARNINGS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(existsSync(file)).toBe(true);
    results = JSON.parse(readFileSync(file, 'utf8')) as BenchResults;
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('says it ran in quick mode and prints the table it wrote', () => {
    expect(results.mode).toBe('quick');
    expect(stdout).toContain('| backend');
    expect(stdout).toContain('results in');
  });

  it('has register and promote on both backends, each against a positive floor', () => {
    const keys = results.latency.map((l) => `${l.backend}/${l.operation.split(' ')[0]}`).sort();
    expect(keys).toEqual(['dynamodb/promote', 'dynamodb/register', 'sqlite/promote', 'sqlite/register']);
    for (const l of results.latency) {
      expect(l.n).toBeGreaterThan(0);
      for (const x of [l.p50Ms, l.p99Ms, l.floorP50Ms, l.floorP99Ms])
        expect(positive(x), l.operation).toBe(true);
      expect(l.p99Ms).toBeGreaterThanOrEqual(l.p50Ms);
      expect(l.ratioP50).toBeCloseTo(l.p50Ms / l.floorP50Ms, 6);
    }
  });

  it('counts round trips: one transaction per register and promote, the artifact put to S3', () => {
    expect(results.roundTrips.register?.['dynamodb:TransactWriteItems']).toBe(1);
    expect(results.roundTrips.promote?.['dynamodb:TransactWriteItems']).toBe(1);
    expect(results.roundTrips.register?.['s3:PutObject']).toBeGreaterThanOrEqual(1);
    for (const counts of Object.values(results.roundTrips)) expect(counts.total).toBeGreaterThan(0);
  });

  it('measures list and info at every size, each against the smallest', () => {
    const sizes = [...new Set(results.scaling.map((s) => s.versions))];
    expect(sizes.length).toBeGreaterThanOrEqual(2);
    for (const s of results.scaling) expect(positive(s.p50Ms) && positive(s.ratio)).toBe(true);
    for (const op of new Set(results.scaling.map((s) => s.operation))) {
      expect(results.scaling.find((s) => s.operation === op && s.versions === sizes[0])?.ratio).toBe(1);
    }
  });

  it('ends contention with one production version and as many audit events as changes, on both backends', () => {
    expect(results.contention.map((c) => c.backend).sort()).toEqual(['dynamodb', 'sqlite']);
    for (const c of results.contention) {
      expect(c.productionVersions, c.backend).toBe(1);
      expect(c.auditEventsAdded, c.backend).toBe(2 * c.changed);
      expect(c.consistent, c.backend).toBe(true);
      expect(c.succeeded + c.refused + c.failedOther).toBe(c.concurrent);
      // the duplicates change the registry once at most
      expect(c.changed).toBeLessThanOrEqual(c.concurrent / 2 + 1);
    }
  });

  it('sizes every handler bundle against the baseline', () => {
    expect(results.bundles.map((b) => b.name)).toEqual(
      expect.arrayContaining(HANDLERS.map((h) => h.dir as string)),
    );
    const baseline = results.bundles.find((b) => b.name.startsWith('baseline'));
    expect(baseline?.sizeRatio).toBe(1);
    for (const b of results.bundles) expect(positive(b.bytes) && positive(b.coldImportMs)).toBe(true);
  });

  it('times CLI start against bare node, and the local workflow with its cost on Step Functions', () => {
    expect(results.cli.map((c) => c.command)[0]).toBe('node -e 0');
    expect(results.cli.length).toBeGreaterThanOrEqual(3);
    expect(results.workflow.status).toBe('SUCCEEDED');
    expect(results.workflow.stateTransitions).toBeGreaterThan(0);
    expect(results.workflow.usdPer1000Executions).toBeCloseTo(results.workflow.stateTransitions * 0.025, 9);
  });
});

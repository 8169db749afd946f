/**
 * Every command with --json prints one parseable JSON document of the documented shape
 * (README, "Exit codes and JSON output"), and nothing on stderr.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CliResult,
  cliAt,
  type Json,
  makeTempDir,
  okJson,
  removeTempDir,
  requireBuiltCli,
} from './run-cli.js';

const MODEL = ['--use-case', 'churn', '--model', 'ChurnModel'];
const VERSION_KEYS = [
  'aliases',
  'artifact',
  'format',
  'lineage',
  'metadata',
  'metrics',
  'modelName',
  'registeredAt',
  'registeredBy',
  'stage',
  'stageUpdatedAt',
  'tags',
  'useCase',
  'version',
];
const AUDIT_KEYS = [
  'action',
  'actor',
  'at',
  'details',
  'fromStage',
  'hash',
  'prevHash',
  'seq',
  'toStage',
  'version',
];
const HEX64 = /^[0-9a-f]{64}$/;

const keys = (o: object) => Object.keys(o).sort();

function expectVersion(v: Json, version: string, stage: string): void {
  expect(keys(v)).toEqual(VERSION_KEYS);
  expect(keys(v.artifact)).toEqual(['sha256', 'sizeBytes', 'uri']);
  expect(keys(v.lineage)).toEqual([
    'codeVersion',
    'configHash',
    'curationRuleset',
    'datasetVersion',
    'featureSet',
    'parent',
    'runId',
  ]);
  expect(v.artifact.sha256).toMatch(HEX64);
  expect(v).toMatchObject({ useCase: 'churn', modelName: 'ChurnModel', version, stage });
}

describe('--json output of every command', () => {
  let dir: string;
  let mr: (...args: string[]) => Promise<CliResult>;
  /** Runs with --json, expects exit 0 and an empty stderr, returns the document. */
  let json: (...args: string[]) => Promise<Json>;

  beforeAll(async () => {
    requireBuiltCli();
    dir = await makeTempDir('json');
    mr = cliAt(dir, join(dir, 'store'));
    json = async (...args) => {
      const r = await mr(...args, '--json');
      const doc = okJson(r);
      expect(r.stderr, `stderr of ${args.join(' ')}`).toBe('');
      return doc;
    };
    await writeFile(join(dir, 'a.bin'), 'model a\n');
    await writeFile(join(dir, 'b.bin'), 'model b, bigger\n');
    await writeFile(join(dir, 'metadata.json'), '{"drift_check_passed": true, "framework": "xgboost"}\n');
  });
  afterAll(() => removeTempDir(dir));

  it('register prints the version contract', async () => {
    // Act
    const a = await json(
      'models',
      'register',
      ...MODEL,
      '--artifact',
      'a.bin',
      '--metrics',
      'auc=0.8,f1=0.7',
      '--run-id',
      'run-a',
      '--tag',
      'team=growth',
    );
    const b = await json(
      'models',
      'register',
      ...MODEL,
      '--artifact',
      'b.bin',
      '--metrics',
      'auc=0.9',
      '--metrics',
      'f1=0.75',
      '--metadata-file',
      'metadata.json',
      '--run-id',
      'run-b',
      '--registered-by',
      'ana',
    );

    // Assess
    expectVersion(a, '1.0.0', 'development');
    expect(a).toMatchObject({
      metrics: { auc: 0.8, f1: 0.7 },
      tags: { team: 'growth' },
      lineage: { runId: 'run-a', datasetVersion: null, codeVersion: null },
      registeredBy: 'tester',
      aliases: [],
      artifact: {
        sizeBytes: 8,
        sha256: createHash('sha256')
          .update(await readFile(join(dir, 'a.bin')))
          .digest('hex'),
      },
    });
    expectVersion(b, '1.0.1', 'development');
    expect(b).toMatchObject({
      metrics: { auc: 0.9, f1: 0.75 }, // repeated --metrics add up
      metadata: { drift_check_passed: true, framework: 'xgboost' },
      registeredBy: 'ana',
    });
  });

  it('list prints {items, nextCursor} and pages with --limit and --cursor', async () => {
    // Act
    const all = await json('models', 'list', ...MODEL);
    const first = await json('models', 'list', ...MODEL, '--limit', '1');
    const second = await json('models', 'list', ...MODEL, '--limit', '1', '--cursor', first.nextCursor);
    const models = await json('models', 'list', '--use-case', 'churn');

    // Assess
    expect(keys(all)).toEqual(['items', 'nextCursor']);
    expect(all.nextCursor).toBeNull();
    expect(all.items).toHaveLength(2);
    expectVersion(all.items[0], '1.0.1', 'development');
    expectVersion(all.items[1], '1.0.0', 'development');
    expect(first.items.map((v: Json) => v.version)).toEqual(['1.0.1']);
    expect(first.nextCursor).toEqual(expect.any(String));
    expect(second.items.map((v: Json) => v.version)).toEqual(['1.0.0']);
    expect(second.nextCursor).toBeNull();
    expect(keys(models)).toEqual(['items', 'nextCursor']);
    expect(models.items).toHaveLength(1);
    expect(keys(models.items[0])).toEqual([
      'aliases',
      'latestVersion',
      'modelName',
      'productionSince',
      'productionVersion',
      'updatedAt',
      'useCase',
      'versionCount',
    ]);
    expect(models.items[0]).toMatchObject({
      modelName: 'ChurnModel',
      productionVersion: null,
      latestVersion: '1.0.1',
      versionCount: 2,
    });
  });

  it('info prints the version contract', async () => {
    // Act
    const v = await json('models', 'info', ...MODEL, '--version', '1.0.0');

    // Assess
    expectVersion(v, '1.0.0', 'development');
  });

  it('promote prints {promoted, version, stage, archivedVersion}, with the gates evaluated', async () => {
    // Act
    const staging = await json('models', 'promote', ...MODEL, '--version', '1.0.0');
    const production = await json('models', 'promote', ...MODEL, '--version', '1.0.0', '--to', 'production');
    const again = await json('models', 'promote', ...MODEL, '--version', '1.0.0', '--to', 'production');
    await json('models', 'promote', ...MODEL, '--version', '1.0.1', '--to', 'staging');
    const replacing = await json(
      'models',
      'promote',
      ...MODEL,
      '--version',
      '1.0.1',
      '--to',
      'production',
      '--gate',
      'min_auc=0.85',
      '--gate',
      'require_drift_check=true',
    );

    // Assess
    expect(staging).toEqual({ promoted: true, version: '1.0.0', stage: 'staging', archivedVersion: null });
    expect(production).toEqual({
      promoted: true,
      version: '1.0.0',
      stage: 'production',
      archivedVersion: null,
      supersededVersion: null,
      line: null,
    });
    expect(again).toEqual({
      promoted: true,
      version: '1.0.0',
      stage: 'production',
      archivedVersion: null,
      alreadyPromoted: true,
    });
    expect(keys(replacing)).toEqual([
      'archivedVersion',
      'gates',
      'line',
      'promoted',
      'stage',
      'supersededVersion',
      'version',
    ]);
    expect(replacing).toMatchObject({
      promoted: true,
      version: '1.0.1',
      stage: 'production',
      archivedVersion: null,
      supersededVersion: '1.0.0',
      line: null,
    });
    expect(replacing.gates).toEqual([
      { gate: 'min_auc', metric: 'auc', threshold: 0.85, actual: 0.9, passed: true, source: 'request' },
      expect.objectContaining({ gate: 'require_drift_check', actual: true, threshold: true, passed: true }),
    ]);
  });

  it('demote, rollback and archive print the same shape with demoted, rolledBack, archived', async () => {
    // Act
    const rollback = await json('models', 'rollback', ...MODEL, '--reason', 'latency');
    const demote = await json('models', 'demote', ...MODEL, '--version', '1.0.0', '--to', 'development');
    const archive = await json('models', 'archive', ...MODEL, '--version', '1.0.0', '--reason', 'old');
    const archivedAgain = await json('models', 'archive', ...MODEL, '--version', '1.0.0');

    // Assess
    expect(rollback).toEqual({
      rolledBack: true,
      version: '1.0.0',
      stage: 'production',
      archivedVersion: '1.0.1',
      stillRunning: [],
    });
    expect(demote).toEqual({ demoted: true, version: '1.0.0', stage: 'development', archivedVersion: null });
    expect(archive).toEqual({
      archived: true,
      version: '1.0.0',
      stage: 'archived',
      archivedVersion: null,
      stillRunning: [],
    });
    expect(archivedAgain).toEqual({
      archived: true,
      version: '1.0.0',
      stage: 'archived',
      archivedVersion: null,
      alreadyArchived: true,
      stillRunning: [],
    });
  });

  it('compare prints {useCase, modelName, a, b, metrics: {name: {a, b, delta}}}', async () => {
    // Act
    const r = await json('models', 'compare', ...MODEL, '--versions', '1.0.0', '1.0.1');

    // Assess
    expect(keys(r)).toEqual(['a', 'b', 'metrics', 'modelName', 'useCase']);
    expect(r).toMatchObject({ useCase: 'churn', modelName: 'ChurnModel', a: '1.0.0', b: '1.0.1' });
    expect(r.metrics.auc.delta).toBeCloseTo(0.1, 10);
    expect(r.metrics.f1).toEqual({ a: 0.7, b: 0.75, delta: expect.closeTo(0.05, 10) });
  });

  it('get prints {useCase, modelName, version, path, sha256, verified, signature}', async () => {
    // Act
    const r = await json('models', 'get', ...MODEL, '--stage', 'archived', '--output', 'fetched');

    // Assess
    expect(keys(r)).toEqual([
      'format',
      'modelName',
      'path',
      'sha256',
      'signature',
      'useCase',
      'verified',
      'version',
    ]);
    expect(r.signature).toMatchObject({ status: 'unsigned', description: 'unsigned' });
    expect(r).toMatchObject({ useCase: 'churn', modelName: 'ChurnModel', version: '1.0.1', verified: true });
    expect(r.path).toBe(join('fetched', 'b.bin'));
    expect(await readFile(join(dir, r.path), 'utf8')).toBe('model b, bigger\n');
    expect(r.sha256).toBe(createHash('sha256').update('model b, bigger\n').digest('hex'));
  });

  it('alias set and remove print {alias, version, previousVersion, changed}', async () => {
    // Act
    const set = await json('models', 'alias', 'set', ...MODEL, '--alias', 'shadow', '--version', '1.0.1');
    const same = await json('models', 'alias', 'set', ...MODEL, '--alias', 'shadow', '--version', '1.0.1');
    const moved = await json('models', 'alias', 'set', ...MODEL, '--alias', 'shadow', '--version', '1.0.0');
    const removed = await json('models', 'alias', 'remove', ...MODEL, '--alias', 'shadow');

    // Assess
    expect(set).toEqual({ alias: 'shadow', version: '1.0.1', previousVersion: null, changed: true });
    expect(same).toEqual({ alias: 'shadow', version: '1.0.1', previousVersion: '1.0.1', changed: false });
    expect(moved).toEqual({ alias: 'shadow', version: '1.0.0', previousVersion: '1.0.1', changed: true });
    expect(removed).toEqual({ alias: 'shadow', version: null, previousVersion: '1.0.0', changed: true });
  });

  it('policy set and show print the policy; a shown policy can be set back with --file', async () => {
    // Act
    const set = await json(
      'models',
      'policy',
      'set',
      ...MODEL,
      '--staging-gate',
      'min_auc=0.7',
      '--production-gate',
      'min_auc=0.85',
      '--production-gate',
      'require_drift_check',
      '--require-approval',
      '--approver',
      'carol',
      '--archive-after-days',
      '90',
      '--by',
      'platform',
    );
    const shown = await json('models', 'policy', 'show', ...MODEL);
    await writeFile(join(dir, 'policy.json'), JSON.stringify({ ...shown, requireApproval: false }));
    const fromFile = await json('models', 'policy', 'set', ...MODEL, '--file', 'policy.json');

    // Assess
    expect(set).toEqual({
      gates: { staging: { min_auc: 0.7 }, production: { min_auc: 0.85, require_drift_check: true } },
      requireApproval: true,
      approvers: ['carol'],
      approvalTimeoutHours: 24,
      evaluation: { evalSet: null, evaluator: null },
      archival: { maxAgeDays: 90, supersededAfterDays: null },
      requireModelCard: { staging: [], production: [] },
      monitoring: [],
    });
    expect(shown).toEqual(set);
    expect(fromFile).toEqual({ ...set, requireApproval: false });
  });

  it('policy apply --dry-run prints {items: [{useCase, modelName, archived, keptForAlias}], dryRun}', async () => {
    // Act
    const r = await json('models', 'policy', 'apply', '--use-case', 'churn', '--dry-run');

    // Assess
    expect(r).toEqual({
      items: [{ useCase: 'churn', modelName: 'ChurnModel', archived: [], keptForAlias: [] }],
      dryRun: true,
    });
  });

  it('lineage show prints {runId, items: [version], nextCursor}', async () => {
    // Act
    const r = await json('lineage', 'show', '--run-id', 'run-b');

    // Assess
    expect(keys(r)).toEqual(['items', 'nextCursor', 'runId']);
    expect(r.runId).toBe('run-b');
    expect(r.nextCursor).toBeNull();
    expect(r.items).toHaveLength(1);
    expectVersion(r.items[0], '1.0.1', 'archived');
  });

  it('audit show prints {items: [event]} chained by hash, oldest first, and pages', async () => {
    // Act
    const r = await json('audit', 'show', ...MODEL);
    const page = await json('audit', 'show', ...MODEL, '--limit', '2');
    const next = await json('audit', 'show', ...MODEL, '--limit', '2', '--cursor', page.nextCursor);

    // Assess
    expect(keys(r)).toEqual(['items', 'nextCursor']);
    expect(r.nextCursor).toBeNull();
    const events = r.items as Json[];
    expect(events.map((e) => [e.action, e.version, e.fromStage, e.toStage])).toEqual([
      ['register', '1.0.0', null, 'development'],
      ['register', '1.0.1', null, 'development'],
      ['promote', '1.0.0', 'development', 'staging'],
      ['promote', '1.0.0', 'staging', 'production'],
      ['promote', '1.0.1', 'development', 'staging'],
      ['promote', '1.0.1', 'staging', 'production'],
      ['supersede', '1.0.0', 'production', 'superseded'],
      ['rollback', '1.0.0', 'superseded', 'production'],
      ['archive', '1.0.1', 'production', 'archived'],
      ['demote', '1.0.0', 'production', 'development'],
      ['archive', '1.0.0', 'development', 'archived'],
      ['alias.set', '1.0.1', null, null],
      ['alias.set', '1.0.0', null, null],
      ['alias.remove', '1.0.0', null, null],
      ['policy.set', null, null, null],
      ['policy.set', null, null, null],
    ]);
    for (const [i, e] of events.entries()) {
      expect(keys(e)).toEqual(AUDIT_KEYS);
      expect(e.seq).toBe(i + 1);
      expect(e.hash).toMatch(HEX64);
      expect(e.prevHash).toBe(i === 0 ? '0'.repeat(64) : events[i - 1].hash);
      expect(Number.isNaN(Date.parse(e.at))).toBe(false);
    }
    expect(events.map((e) => e.actor)).toContain('ana');
    expect(events.at(-2).actor).toBe('platform');
    expect(page.items.map((e: Json) => e.seq)).toEqual([1, 2]);
    expect(next.items.map((e: Json) => e.seq)).toEqual([3, 4]);
  });

  it('audit verify prints {valid, checked}', async () => {
    // Act
    const r = await json('audit', 'verify', ...MODEL);

    // Assess
    expect(r).toEqual({ valid: true, checked: 16 });
  });
});

/**
 * `events` and `monitor` through the built CLI: events are recorded and audited; a
 * sustained breach of a rollback rule rolls production back exactly once, whether the same
 * reports are redelivered or eight processes report at the same time.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cliAt,
  describeRun,
  expectExit,
  type Json,
  makeTempDir,
  okJson,
  removeTempDir,
  requireBuiltCli,
  startCli,
} from './run-cli.js';

const PROCESSES = 8;
const T0 = Date.parse('2026-05-01T00:00:00.000Z');
const hour = (h: number) => new Date(T0 + h * 3_600_000).toISOString();

describe('modelreg events and monitor', () => {
  let dir: string;

  beforeAll(async () => {
    requireBuiltCli();
    dir = await makeTempDir('monitor');
    await writeFile(join(dir, 'model.bin'), 'model\n');
  });
  afterAll(() => removeTempDir(dir));

  /** A store with 1.0.0 replaced in production by 1.1.0, and a rollback rule on auc. */
  async function twoProductions(name: string, rule: string) {
    const store = join(dir, name);
    const mr = cliAt(dir, store);
    const MODEL = ['--use-case', 'fraud', '--model', 'Risk'];
    for (const v of ['1.0.0', '1.1.0']) {
      okJson(
        await mr(
          'models',
          'register',
          ...MODEL,
          '--artifact',
          'model.bin',
          '--version',
          v,
          '--metrics',
          'auc=0.9',
          '--json',
        ),
      );
      for (const to of ['staging', 'production']) {
        okJson(await mr('models', 'promote', ...MODEL, '--version', v, '--to', to, '--json'));
      }
    }
    const policy = await mr('models', 'policy', 'set', ...MODEL, '--monitor', rule, '--json');
    expect(okJson(policy).monitoring).toHaveLength(1);
    const reportArgs = (h: number, auc: number) => [
      'monitor',
      'report',
      ...MODEL,
      '--version',
      '1.1.0',
      '--metric',
      `auc=${auc}`,
      '--at',
      hour(h),
      '--window',
      '1h',
    ];
    const report = (h: number, auc: number, ...extra: string[]) =>
      mr(...reportArgs(h, auc), '--json', ...extra);
    return { store, mr, MODEL, report, reportArgs };
  }

  const rollbacks = (audit: Json) => audit.items.filter((e: Json) => e.action === 'rollback');

  it('records an event on a version, audits it, and lists it by version', async () => {
    // Prepare
    const { mr, MODEL } = await twoProductions('events', 'auc>=0.8 for 3h then notify');
    // Act
    const e = okJson(
      await mr(
        'events',
        'record',
        ...MODEL,
        '--version',
        '1.0.0',
        '--kind',
        'maintenance',
        '--details',
        'GPU node swapped',
        '--by',
        'carol',
        '--json',
      ),
    );
    const wrongKind = await mr(
      'events',
      'record',
      ...MODEL,
      '--version',
      '1.0.0',
      '--kind',
      'regresion',
      '--details',
      'x',
    );
    const noVersion = await mr(
      'events',
      'record',
      ...MODEL,
      '--version',
      '9.9.9',
      '--kind',
      'note',
      '--details',
      'x',
      '--json',
    );
    // Assess
    expect(e).toMatchObject({
      version: '1.0.0',
      kind: 'maintenance',
      details: 'GPU node swapped',
      actor: 'carol',
      source: 'manual',
    });
    expectExit(wrongKind, 2);
    expect(wrongKind.stderr).toContain('Did you mean regression?');
    expectExit(noVersion, 4);
    expect(okJson(await mr('events', 'list', ...MODEL, '--version', '1.0.0', '--json')).items).toEqual([e]);
    expect(okJson(await mr('events', 'list', ...MODEL, '--version', '1.1.0', '--json')).items).toEqual([]);
    const audit = okJson(await mr('audit', 'show', ...MODEL, '--json'));
    const recorded = audit.items.filter((x: Json) => x.action === 'event.record');
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({
      version: '1.0.0',
      actor: 'carol',
      details: { eventId: e.id, kind: 'maintenance' },
    });
  });

  it('rolls back once on a sustained breach, and redelivered reports change nothing', async () => {
    // Prepare
    const { mr, MODEL, report } = await twoProductions('redeliver', 'auc>=0.8 for 3h then rollback');
    // Act: three hourly windows of auc=0.7 cover the 3h span on the third report
    const first = okJson(await report(1, 0.7));
    const second = okJson(await report(2, 0.7));
    const third = okJson(await report(3, 0.7));
    const again = [];
    for (const h of [1, 2, 3, 3]) again.push(okJson(await report(h, 0.7)));
    // Assess
    expect(first.rules[0]).toMatchObject({ state: 'breaching', outcome: 'none' });
    expect(second.rules[0]).toMatchObject({ state: 'breaching', outcome: 'none' });
    expect(third).toMatchObject({ recorded: 1, duplicates: 0 });
    expect(third.rules[0]).toMatchObject({
      state: 'sustained',
      outcome: 'acted',
      actedOn: { rolledBackTo: '1.0.0' },
    });
    for (const r of again) {
      expect(r).toMatchObject({ recorded: 0, duplicates: 1 });
      expect(r.rules[0].outcome).not.toBe('acted');
    }
    expect(okJson(await mr('models', 'info', ...MODEL, '--stage', 'production', '--json')).version).toBe(
      '1.0.0',
    );
    const audit = okJson(await mr('audit', 'show', ...MODEL, '--json'));
    expect(rollbacks(audit)).toHaveLength(1);
    expect(rollbacks(audit)[0].details.reason).toMatch(/monitoring rule auc>=0.8 for 3h then rollback/);
    const events = okJson(await mr('events', 'list', ...MODEL, '--json')).items;
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      version: '1.1.0',
      kind: 'regression',
      source: 'monitor',
      id: third.rules[0].eventId,
    });
    const status = okJson(await mr('monitor', 'status', ...MODEL, '--version', '1.1.0', '--json'));
    expect(status.stage).toBe('archived');
    expect(status.latest).toEqual([{ metric: 'auc', value: 0.7, at: hour(3), windowSeconds: 3600 }]);
    expect(status.rules[0]).toMatchObject({ state: 'sustained', breachStart: hour(0) });
    expect(status.rules[0].actedAt).toEqual(expect.any(String));
  });

  it(`${PROCESSES} processes reporting at once roll back exactly once`, async () => {
    // Prepare: two breaching windows already in; the third completes the span
    const { store, mr, MODEL, report, reportArgs } = await twoProductions(
      'race',
      'auc>=0.8 for 3h then rollback',
    );
    okJson(await report(1, 0.6));
    okJson(await report(2, 0.6));
    // Act: half redeliver hour 3, half report hour 4; every one may see a sustained breach
    const running = Array.from({ length: PROCESSES }, (_, i) =>
      startCli([...reportArgs(3 + (i % 2), 0.6), '--json', '--store', store], { cwd: dir }),
    );
    const results = await Promise.all(running);
    // Assess
    for (const r of results) expect(r.code, describeRun(r)).toBe(0);
    const outcomes = results.map((r) => JSON.parse(r.stdout).rules[0].outcome);
    expect(outcomes.filter((o) => o === 'acted')).toHaveLength(1);
    expect(results.reduce((n, r) => n + JSON.parse(r.stdout).recorded, 0)).toBe(2);
    const audit = okJson(await mr('audit', 'show', ...MODEL, '--json'));
    expect(rollbacks(audit)).toHaveLength(1);
    expect(audit.items.filter((e: Json) => e.action === 'event.record')).toHaveLength(1);
    expect(okJson(await mr('models', 'info', ...MODEL, '--stage', 'production', '--json')).version).toBe(
      '1.0.0',
    );
    expect(okJson(await mr('audit', 'verify', ...MODEL, '--json')).valid).toBe(true);
  });

  it('reports on a version that is not in production record but never roll production back', async () => {
    // Prepare
    const { mr, MODEL } = await twoProductions('old', 'auc>=0.8 for 1h then rollback');
    // Act
    const r = okJson(
      await mr(
        'monitor',
        'report',
        ...MODEL,
        '--version',
        '1.0.0',
        '--metric',
        'auc=0.1',
        '--at',
        hour(1),
        '--json',
      ),
    );
    // Assess
    expect(r).toMatchObject({ recorded: 1, rules: [{ state: 'sustained', outcome: 'not-production' }] });
    expect(okJson(await mr('models', 'info', ...MODEL, '--stage', 'production', '--json')).version).toBe(
      '1.1.0',
    );
    expect(okJson(await mr('events', 'list', ...MODEL, '--json')).items).toEqual([]);
  });

  it('keeps the first value of a re-sent observation and warns of a different one (exit 0)', async () => {
    // Prepare
    const { mr, report, reportArgs } = await twoProductions('conflict', 'auc>=0.8 for 3h then notify');
    okJson(await report(1, 0.9));
    // Act
    const json = okJson(await report(1, 0.5));
    const text = await mr(...reportArgs(1, 0.4)); // the text output, not --json
    // Assess
    expect(json).toMatchObject({
      recorded: 0,
      duplicates: 1,
      conflicts: [{ metric: 'auc', kept: 0.9, sent: 0.5 }],
    });
    expectExit(text, 0);
    expect(text.stdout + text.stderr).toMatch(/auc .*0\.9.*0\.4|auc .*0\.4.*0\.9/);
  });

  it('refuses bad input with what to write instead', async () => {
    const { mr, MODEL } = await twoProductions('bad', 'auc>=0.8 for 1h then archive');
    const badMetric = await mr(
      'monitor',
      'report',
      ...MODEL,
      '--version',
      '1.1.0',
      '--metric',
      'auc',
      '--json',
    );
    const badWindow = await mr(
      'monitor',
      'report',
      ...MODEL,
      '--version',
      '1.1.0',
      '--metric',
      'auc=1',
      '--window',
      '90 minutes',
      '--json',
    );
    const reportAt = (at: string) =>
      mr('monitor', 'report', ...MODEL, '--version', '1.1.0', '--metric', 'auc=1', '--at', at, '--json');
    const badAt = await reportAt('yesterday');
    // read in the reporter's local zone if accepted: a zone is required
    const noZone = await reportAt(hour(1).replace(/(\.\d+)?Z$/, ''));
    const future = await reportAt('2099-01-01T00:00:00Z');
    const metric = (...values: string[]) =>
      mr(
        'monitor',
        'report',
        ...MODEL,
        '--version',
        '1.1.0',
        ...values.flatMap((v) => ['--metric', v]),
        '--at',
        hour(1),
        '--json',
      );
    const twice = await metric('auc=0.9', 'auc=0.1');
    const hex = await metric('auc=0x10');
    const proto = await metric('__proto__=1');
    const badRule = await mr('models', 'policy', 'set', ...MODEL, '--monitor', 'auc>0.8 for 1h', '--json');
    const typo = await mr('models', 'policy', 'set', ...MODEL, '--monitor', 'acu>=0.8 for 1h');
    const infinite = await mr(
      'models',
      'policy',
      'set',
      ...MODEL,
      '--monitor',
      'auc<=1e999 for 1h',
      '--json',
    );
    const tooLong = await mr('models', 'policy', 'set', ...MODEL, '--monitor', 'auc>=0.8 for 99999999d');
    for (const [refused, says] of [
      [badMetric, 'name=number'],
      [badWindow, '30m, 6h, 2d'],
      [badAt, 'ISO 8601'],
      [noZone, 'with a zone, Z or an offset'],
      [future, 'after the registry clock'],
      [twice, 'auc is given twice'],
      [hex, 'decimal number'],
      [proto, 'metric name "__proto__"'],
    ] as const) {
      expectExit(refused, 2);
      expect(JSON.parse(refused.stdout).error.message).toContain(says);
    }
    expectExit(badRule, 2);
    expectExit(infinite, 2);
    expect(JSON.parse(infinite.stdout).error).toMatchObject({
      name: 'ValidationError',
      message: expect.stringContaining('finite number'),
    });
    expectExit(tooLong, 2);
    expect(tooLong.stderr).toContain('too long');
    expect(tooLong.stderr).not.toContain('    at ');
    expectExit(typo, 0);
    expect(typo.stderr).toContain('Did you mean auc?');
  });
});

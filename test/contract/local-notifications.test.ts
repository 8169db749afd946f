/**
 * Undelivered notifications on the embedded backend: a notifier that fails after a
 * commit never fails the change; the events are kept in SQLite, listed, and re-sent to
 * the outbox file once the notifier works again (the AWS twin is test/aws/failures.test.ts).
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsArtifactStore } from '../../src/adapters/local/fs-artifact-store.js';
import { OutboxNotifier } from '../../src/adapters/local/outbox-notifier.js';
import { SqliteRegistryStore } from '../../src/adapters/local/sqlite-store.js';
import type { Notifier, RegistryEvent } from '../../src/core/ports.js';
import { DeliveryError, NotFoundError, Registry } from '../../src/index.js';
import { writeFileArtifact } from '../support/artifacts.js';
import { readOutbox } from '../support/local-backend.js';
import { rejection } from './registry-contract.js';

/** The outbox notifier behind a switch: down, it throws (all events, or those `failing` picks). */
class FlakyNotifier implements Notifier {
  down = false;
  failing: ((e: RegistryEvent) => boolean) | null = null;
  calls = 0;

  constructor(private readonly inner: Notifier) {}

  async publish(events: readonly RegistryEvent[]): Promise<void> {
    this.calls += 1;
    if (this.down) throw new Error('outbox disk is full');
    const pick = this.failing;
    if (pick === null) return this.inner.publish(events);
    await this.inner.publish(events.filter((e) => !pick(e)));
    const failed = events.filter(pick);
    if (failed.length > 0) throw new DeliveryError(`${failed.length} event(s) bounced`, failed);
  }
}

describe('local backend: undelivered notifications', () => {
  let dir: string;
  let outbox: string;
  let stores: SqliteRegistryStore[];
  let notifier: FlakyNotifier;
  let reg: Registry;
  let warnings: string[];
  let ref: { useCase: string; modelName: string };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'modelreg-local-notify-'));
    outbox = join(dir, 'notifications.jsonl');
    stores = [];
    warnings = [];
    notifier = new FlakyNotifier(new OutboxNotifier(outbox));
    reg = open(notifier);
    ref = { useCase: `uc-${randomUUID().slice(0, 8)}`, modelName: 'churn' };
  });

  afterEach(async () => {
    for (const s of stores) await s.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A registry on the store directory (a second one is another process's view of it). */
  function open(with_: Notifier): Registry {
    const store = new SqliteRegistryStore(join(dir, 'registry.db'));
    stores.push(store);
    return new Registry({
      store,
      artifacts: new FsArtifactStore(dir),
      notifier: with_,
      actor: 'notify-tester',
      warn: (m) => warnings.push(m),
    });
  }

  async function register(): Promise<string> {
    const path = await writeFileArtifact(join(dir, 'src', randomUUID(), 'model.pkl'), `w ${randomUUID()}`);
    return (await reg.register({ ...ref, artifactPath: path })).version;
  }

  function idOf(seq: number): string {
    return `${ref.useCase}/${ref.modelName}#${seq}`;
  }

  it('commits a change whose notification fails and keeps the event in SQLite', async () => {
    // Prepare
    notifier.down = true;

    // Act
    const version = await register();

    // Assess
    expect((await reg.info({ ...ref, version })).stage).toBe('development');
    const [event] = (await reg.auditTrail(ref)).items;
    expect(event).toMatchObject({ action: 'register', version: '1.0.0', seq: 1 });
    const undelivered = (await reg.listUndelivered()).items;
    expect(undelivered).toEqual([
      expect.objectContaining({ id: idOf(1), attempts: 1, error: 'outbox disk is full' }),
    ]);
    expect(undelivered[0]!.event).toMatchObject({ type: 'model.register', seq: 1, version: '1.0.0' });
    const db = new Database(join(dir, 'registry.db'), { readonly: true });
    try {
      expect(db.prepare('SELECT id FROM undelivered').all()).toEqual([{ id: idOf(1) }]);
    } finally {
      db.close();
    }
    expect(await readOutbox(outbox)).toEqual([]);
    expect(warnings).toEqual([
      expect.stringMatching(/committed but 1 notification\(s\) failed \(outbox disk is full\)/),
    ]);
  });

  it('counts another attempt when a resend fails again', async () => {
    // Prepare
    notifier.down = true;
    await register();

    // Act
    const result = await reg.resendUndelivered();

    // Assess
    expect(result).toEqual({ sent: [], failed: [{ id: idOf(1), error: 'outbox disk is full' }] });
    expect((await reg.listUndelivered()).items.map((u) => u.attempts)).toEqual([2]);
    expect(await readOutbox(outbox)).toEqual([]);
  });

  it('delivers to the outbox file on resend once the notifier recovers, and clears the list', async () => {
    // Prepare
    notifier.down = true;
    await register();
    await reg.promote({ ...ref, version: '1.0.0', to: 'staging' });
    const kept = (await reg.listUndelivered()).items;
    notifier.down = false;

    // Act
    const result = await reg.resendUndelivered();

    // Assess
    expect(result).toEqual({ sent: [idOf(1), idOf(2)], failed: [] });
    expect((await reg.listUndelivered()).items).toEqual([]);
    expect(await readOutbox(outbox)).toEqual(kept.map((k) => k.event));
    expect((await readOutbox(outbox)).map((e) => e.type)).toEqual(['model.register', 'model.promote']);
  });

  it('keeps undelivered events across registries on the same store', async () => {
    // Prepare
    notifier.down = true;
    await register();
    const later = open(new OutboxNotifier(outbox));

    // Act
    const result = await later.resendUndelivered();

    // Assess
    expect(result.sent).toEqual([idOf(1)]);
    expect((await reg.listUndelivered()).items).toEqual([]);
    expect((await readOutbox(outbox)).map((e) => e.seq)).toEqual([1]);
  });

  it('keeps only the events a DeliveryError names', async () => {
    // Prepare
    await register();
    await reg.promote({ ...ref, version: '1.0.0', to: 'staging' });
    await register();
    notifier.failing = (e) => e.type === 'model.promote';

    // Act
    await reg.promote({ ...ref, version: '1.0.1', to: 'staging' });
    await reg.promote({ ...ref, version: '1.0.1', to: 'production' });

    // Assess
    const undelivered = (await reg.listUndelivered()).items;
    expect(undelivered.map((u) => [u.event.type, u.event.version, u.event.toStage])).toEqual([
      ['model.promote', '1.0.1', 'staging'],
      ['model.promote', '1.0.1', 'production'],
    ]);
    expect(undelivered.map((u) => u.error)).toEqual(['1 event(s) bounced', '1 event(s) bounced']);
    const delivered = (await readOutbox(outbox)).map((e) => `${e.type}:${e.version}`);
    expect(delivered).toEqual(['model.register:1.0.0', 'model.promote:1.0.0', 'model.register:1.0.1']);
  });

  it('resends only the named events', async () => {
    // Prepare
    notifier.down = true;
    await register();
    await register();
    notifier.down = false;

    // Act
    const result = await reg.resendUndelivered({ ids: [idOf(2)] });

    // Assess
    expect(result.sent).toEqual([idOf(2)]);
    expect((await reg.listUndelivered()).items.map((u) => u.id)).toEqual([idOf(1)]);
    expect((await readOutbox(outbox)).map((e) => e.version)).toEqual(['1.0.1']);
  });

  it('refuses to resend an id that is not undelivered, sending nothing', async () => {
    // Prepare
    notifier.down = true;
    await register();
    notifier.down = false;
    const calls = notifier.calls;

    // Act
    const error = await rejection(reg.resendUndelivered({ ids: [idOf(1), idOf(9)] }), NotFoundError);

    // Assess
    expect(error.message).toContain(idOf(9));
    expect(notifier.calls).toBe(calls);
    expect((await reg.listUndelivered()).items.map((u) => u.id)).toEqual([idOf(1)]);
  });
});

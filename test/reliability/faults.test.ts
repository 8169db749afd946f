/**
 * Faults at every external call of register, promote, rollback, archive and approval on
 * the embedded backend: the commit fails before writing (a dropped connection, a
 * throttle), or writes and then fails (a timeout after the write); the notifier is down;
 * Slack answers 500 or 429. After each: no half-registered version, never two production
 * versions, the chain verifies, and every committed change's notification is delivered
 * or kept undelivered (then delivered by resend). The AWS equivalents with DynamoDB
 * Local, moto and aws-sdk-client-mock live in test/aws/failures.test.ts.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsArtifactStore } from '../../src/adapters/local/fs-artifact-store.js';
import { OutboxNotifier } from '../../src/adapters/local/outbox-notifier.js';
import type { SqliteRegistryStore } from '../../src/adapters/local/sqlite-store.js';
import { SlackNotifier } from '../../src/adapters/slack/slack-notifier.js';
import { Registry } from '../../src/app/registry.js';
import type { ModelRef } from '../../src/core/model.js';
import type { ChangeSet, Notifier, RegistryEvent, RegistryStore } from '../../src/core/ports.js';
import { writeFileArtifact } from '../support/artifacts.js';
import { type LocalBackend, makeLocalBackend } from '../support/local-backend.js';

/** A store whose next commits fail: `before` writes nothing, `after` writes and then fails. */
function faultyStore(
  store: SqliteRegistryStore,
  plan: { mode: 'before' | 'after'; times: number },
): RegistryStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'commit') {
        return async (change: ChangeSet) => {
          if (plan.times > 0 && plan.mode === 'before') {
            plan.times--;
            throw Object.assign(new Error('connection reset before the write'), { name: 'TimeoutError' });
          }
          await target.commit(change);
          if (plan.times > 0 && plan.mode === 'after') {
            plan.times--;
            throw Object.assign(new Error('the answer timed out after the write'), { name: 'TimeoutError' });
          }
        };
      }
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** A notifier that fails while `down` is true, then delivers to `delivered`. */
class FlakyNotifier implements Notifier {
  down = true;
  delivered: RegistryEvent[] = [];
  async publish(events: readonly RegistryEvent[]): Promise<void> {
    if (this.down) throw new Error('SNS: service unavailable');
    this.delivered.push(...events);
  }
}

const ref: ModelRef = { useCase: 'fraud', modelName: 'risk' };

describe('faults at the external calls (local)', () => {
  let backend: LocalBackend;
  let setup: Registry;

  beforeEach(async () => {
    backend = await makeLocalBackend();
    setup = backend.registry();
    for (const n of ['a', 'b', 'c']) {
      await setup.register({
        ...ref,
        artifactPath: await writeFileArtifact(join(backend.dir, `${n}.bin`), n),
      });
    }
    await setup.promote({ ...ref, version: '1.0.0', to: 'staging' });
    await setup.promote({ ...ref, version: '1.0.0', to: 'production' });
    await setup.promote({ ...ref, version: '1.0.1', to: 'staging' });
    await setup.promote({ ...ref, version: '1.0.1', to: 'production' });
  });
  afterEach(() => backend.cleanup());

  function registryOver(
    store: RegistryStore,
    notifier: Notifier = new OutboxNotifier(join(backend.dir, 'n.jsonl')),
  ) {
    return new Registry({
      store,
      artifacts: new FsArtifactStore(backend.dir),
      notifier,
      actor: 'fault-tester',
      warn: () => {},
    });
  }

  async function consistent(): Promise<{ versions: string[]; production: string | null; events: number }> {
    const versions = (await setup.listVersions({ ...ref, limit: 100 })).items;
    const production = versions.filter((v) => v.stage === 'production');
    expect(production.length).toBeLessThanOrEqual(1);
    const audit = (await setup.auditTrail({ ...ref, limit: 1000 })).items;
    expect(await setup.verifyAudit(ref)).toEqual({ valid: true, checked: audit.length });
    const registered = audit.filter((e) => e.action === 'register').map((e) => e.version);
    // every version has exactly its register event, and nothing registered is missing
    expect([...registered].sort()).toEqual(versions.map((v) => v.version).sort());
    return {
      versions: versions.map((v) => v.version),
      production: production[0]?.version ?? null,
      events: audit.length,
    };
  }

  /** Each operation, as a call that a fault may interrupt and that can be retried as is. */
  const operations: Record<string, (r: Registry) => Promise<unknown>> = {
    register: async (r) =>
      r.register({
        ...ref,
        version: '2.0.0',
        artifactPath: await writeFileArtifact(join(backend.dir, 'd.bin'), 'd'),
      }),
    promote: (r) => r.promote({ ...ref, version: '1.0.2', to: 'staging' }),
    rollback: (r) => r.rollback({ ...ref, version: '1.0.0' }),
    archive: (r) => r.archive({ ...ref, version: '1.0.2' }),
    approval: async (r) => {
      await setup.promote({ ...ref, version: '1.0.2', to: 'staging' });
      return r.requestApproval({ ...ref, version: '1.0.2', requestedBy: 'bot', taskToken: 'tok-1' });
    },
  };

  /** Audit events one application of each operation appends (a rollback also archives the version it replaces). */
  const eventsOf: Record<string, number> = { register: 1, promote: 1, rollback: 2, archive: 1, approval: 1 };

  for (const [name, run] of Object.entries(operations)) {
    it(`${name}: a commit that fails before writing changes nothing, and the retry applies once`, async () => {
      const before = await consistent();
      const plan = { mode: 'before' as const, times: 1 };
      const store = faultyStore(backend.stores[0]!, plan);
      const faulty = registryOver(store);
      await expect(run(faulty)).rejects.toThrow(/connection reset/);
      const after = await consistent();
      expect(after.events).toBe(name === 'approval' ? before.events + 1 : before.events);
      await run(faulty);
      const done = await consistent();
      expect(done.events).toBe(after.events + eventsOf[name]!);
      // a second retry is a no-op
      await run(faulty).catch(() => {});
      expect((await consistent()).events).toBe(done.events);
    });

    it(`${name}: a commit that wrote and then timed out is applied once, whatever the caller does next`, async () => {
      const before = await consistent();
      const plan = { mode: 'after' as const, times: 1 };
      const faulty = registryOver(faultyStore(backend.stores[0]!, plan));
      const outcome = await run(faulty).then(
        () => 'answered',
        () => 'failed',
      );
      const mid = await consistent();
      const extra = name === 'approval' ? 1 : 0;
      expect(mid.events).toBe(before.events + extra + eventsOf[name]!);
      if (outcome === 'failed') await run(faulty).catch(() => {});
      expect((await consistent()).events).toBe(mid.events);
    });

    it(`${name}: with the notifier down the change commits and its events are kept, then resent`, async () => {
      const notifier = new FlakyNotifier();
      const r = registryOver(backend.stores[0]!, notifier);
      const before = await consistent();
      await run(r);
      const after = await consistent();
      const kept = (await r.listUndelivered({ limit: 100 })).items;
      const changed = after.events - before.events - (name === 'approval' ? 1 : 0);
      expect(changed).toBe(eventsOf[name]);
      expect(kept).toHaveLength(changed);
      notifier.down = false;
      const resent = await r.resendUndelivered();
      expect(resent.failed).toEqual([]);
      expect(notifier.delivered).toHaveLength(changed);
      expect((await r.listUndelivered({ limit: 100 })).items).toEqual([]);
    });
  }

  describe('Slack answering 500 or 429', () => {
    let server: Server;
    let answers: number[];
    let url: string;

    beforeEach(async () => {
      answers = [];
      server = createServer((_req, res) => {
        const status = answers.shift() ?? 200;
        res.writeHead(status, status === 429 ? { 'retry-after': '0' } : {}).end(status === 200 ? 'ok' : 'no');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    });
    afterEach(() => new Promise((resolve) => server.close(resolve)));

    const slack = () => new SlackNotifier({ webhookUrl: url, maxAttempts: 2, sleep: async () => {} });

    for (const status of [500, 429]) {
      it(`keeps the promotion's events undelivered while Slack answers ${status}, and delivers them on resend`, async () => {
        answers = Array(20).fill(status);
        const r = registryOver(backend.stores[0]!, slack());
        const result = await r.promote({ ...ref, version: '1.0.2', to: 'staging' });
        expect(result.promoted).toBe(true);
        const kept = (await r.listUndelivered({ limit: 100 })).items;
        expect(kept.map((k) => k.event.type)).toEqual(['model.promote']);
        expect(kept[0]!.error).toContain(String(status));
        answers = [];
        expect((await r.resendUndelivered()).sent).toEqual(kept.map((k) => k.id));
        expect((await r.listUndelivered({ limit: 100 })).items).toEqual([]);
      });
    }

    it('delivers at once when Slack answers 429 once and then accepts (retried, nothing kept)', async () => {
      answers = [429];
      const r = registryOver(backend.stores[0]!, slack());
      await r.promote({ ...ref, version: '1.0.2', to: 'staging' });
      expect((await r.listUndelivered({ limit: 100 })).items).toEqual([]);
    });
  });
});

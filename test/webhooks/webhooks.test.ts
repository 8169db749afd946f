import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook as Verifier } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkDestination, type WebhookDestinationError } from '../../src/app/webhooks.js';
import { isPrivateAddress, parseRetryAfter, retryDelayMs } from '../../src/core/webhooks.js';
import { writeFileArtifact } from '../support/artifacts.js';
import { type LocalBackend, makeLocalBackend } from '../support/local-backend.js';

interface Received {
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A subscriber on loopback that answers each request with the next scripted status. */
async function subscriber(script: Array<{ status: number; headers?: Record<string, string> }>) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      received.push({ url: req.url ?? '', headers: req.headers, body });
      const next = script.shift() ?? { status: 200 };
      res.writeHead(next.status, next.headers ?? {});
      res.end('ok');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, received, close: () => server.close() };
}

describe('webhooks', () => {
  let backend: LocalBackend;
  let work: string;
  let now: Date;
  const clock = { now: () => now };
  const ref = { useCase: 'fraud', modelName: 'risk' };

  beforeEach(async () => {
    backend = await makeLocalBackend();
    work = await mkdtemp(join(tmpdir(), 'modelreg-hooks-'));
    now = new Date(); // deliveries are signed with this time, and verifiers refuse old ones
  });
  afterEach(async () => {
    await backend.cleanup();
    await rm(work, { recursive: true, force: true });
  });

  async function toProduction(reg: ReturnType<LocalBackend['registry']>, n = 1) {
    const v = await reg.register({
      ...ref,
      artifactPath: await writeFileArtifact(join(work, `m${n}`, 'm.bin'), `w${n}`),
    });
    await reg.promote({ ...ref, version: v.version, to: 'staging' });
    await reg.promote({ ...ref, version: v.version, to: 'production' });
    return v.version;
  }

  it('delivers a promotion signed so that the Standard Webhooks verifier accepts it', async () => {
    // Prepare
    const sub = await subscriber([{ status: 204 }]);
    const reg = backend.registry({ clock });
    const { webhook, secret } = await reg
      .webhooks()
      .create({ url: sub.url, events: ['model.promote'], stage: 'production', allowPrivate: true });
    const version = await toProduction(reg);

    // Act
    const result = await reg.webhooks().drain();

    // Assess
    sub.close();
    expect(result).toEqual({ delivered: 1, retrying: 0, failed: 0 });
    expect(sub.received).toHaveLength(1);
    const got = sub.received[0]!;
    const verified = new Verifier(secret).verify(got.body, got.headers as Record<string, string>) as {
      type: string;
      data: { version: string; toStage: string };
    };
    expect(verified.type).toBe('model.promote');
    expect(verified.data).toMatchObject({ version, toStage: 'production' });
    expect(() =>
      new Verifier(`whsec_${Buffer.from('x'.repeat(24)).toString('base64')}`).verify(
        got.body,
        got.headers as Record<string, string>,
      ),
    ).toThrow();
    const log = await reg.webhooks().deliveries({ id: webhook.id });
    expect(log.items.map((d) => d.status)).toEqual(['delivered']);
    expect(log.items[0]!.attempts[0]!.status).toBe(204);
  });

  it('triggers a CI job by URL (token in the query) when production changes, and only then', async () => {
    // Prepare: a GitLab-style pipeline trigger, served locally
    const sub = await subscriber([]);
    const reg = backend.registry({ clock });
    await reg.webhooks().create({
      url: `${sub.url}?token=t0k3n&ref=main`,
      events: ['model.promote', 'model.rollback'],
      useCase: 'fraud',
      stage: 'production',
      allowPrivate: true,
    });
    const v = await reg.register({
      ...ref,
      artifactPath: await writeFileArtifact(join(work, 's', 'm.bin'), 's'),
    });
    await reg.promote({ ...ref, version: v.version, to: 'staging' });

    // Act
    const beforeProduction = await reg.webhooks().drain();
    await reg.promote({ ...ref, version: v.version, to: 'production' });
    const afterProduction = await reg.webhooks().drain();

    // Assess
    sub.close();
    expect(beforeProduction.delivered).toBe(0);
    expect(afterProduction.delivered).toBe(1);
    expect(sub.received.map((r) => r.url)).toEqual(['/hook?token=t0k3n&ref=main']);
    expect(JSON.parse(sub.received[0]!.body)).toMatchObject({
      type: 'model.promote',
      data: { useCase: 'fraud', modelName: 'risk', version: v.version, toStage: 'production' },
    });
  });

  it('retries on 500 and on 429, waiting at least what Retry-After asks, then delivers once', async () => {
    // Prepare
    const sub = await subscriber([
      { status: 500 },
      { status: 429, headers: { 'retry-after': '120' } },
      { status: 200 },
    ]);
    const reg = backend.registry({ clock });
    const hooks = reg.webhooks({ random: () => 1 });
    const { webhook } = await hooks.create({
      url: sub.url,
      events: ['*'],
      modelName: 'risk',
      useCase: 'fraud',
      allowPrivate: true,
    });
    await reg.register({ ...ref, artifactPath: await writeFileArtifact(join(work, 'a', 'm.bin'), 'w') });

    // Act / Assess
    expect(await hooks.drain()).toEqual({ delivered: 0, retrying: 1, failed: 0 });
    expect(await hooks.drain()).toEqual({ delivered: 0, retrying: 0, failed: 0 }); // not due yet
    now = new Date(now.getTime() + 1000);
    expect(await hooks.drain()).toEqual({ delivered: 0, retrying: 1, failed: 0 }); // the 429
    now = new Date(now.getTime() + 119_000);
    expect(await hooks.drain()).toEqual({ delivered: 0, retrying: 0, failed: 0 }); // Retry-After not over
    now = new Date(now.getTime() + 1000);
    expect(await hooks.drain()).toEqual({ delivered: 1, retrying: 0, failed: 0 });
    expect(await hooks.drain()).toEqual({ delivered: 0, retrying: 0, failed: 0 });
    sub.close();
    expect(sub.received).toHaveLength(3);
    expect(new Set(sub.received.map((r) => r.headers['webhook-id'])).size).toBe(1);
    const [d] = (await hooks.deliveries({ id: webhook.id })).items;
    expect(d!.attempts.map((a) => a.status)).toEqual([500, 429, 200]);
  });

  it('keeps the delivery in the outbox written by the commit, and a later worker sends it', async () => {
    // Prepare: the process that commits never sends (it "dies" before any worker runs)
    const sub = await subscriber([]);
    const committing = backend.registry({ clock });
    const { webhook } = await committing
      .webhooks()
      .create({ url: sub.url, events: ['model.promote'], allowPrivate: true });
    await toProduction(committing);
    await committing.close();
    expect(sub.received).toHaveLength(0);

    // Act: a new process's worker
    const restarted = backend.registry({ clock });
    const pending = await restarted.webhooks().deliveries({ id: webhook.id });
    const result = await restarted.webhooks().drain();

    // Assess
    sub.close();
    expect(pending.items.map((d) => [d.status, d.event.type])).toEqual([
      ['pending', 'model.promote'],
      ['pending', 'model.promote'],
    ]);
    expect(result.delivered).toBe(2);
    expect(sub.received).toHaveLength(2);
  });

  it('refuses an event type the registry never publishes, naming the one meant', async () => {
    // Prepare
    const hooks = backend.registry({ clock }).webhooks({ resolve: async () => ['93.184.216.34'] });
    const create = (events: string[]) => hooks.create({ url: 'https://hooks.example.com/x', events });

    // Act
    const unprefixed = await create(['model.promote', 'approval.request']).catch((e: Error) => e);
    const unknown = await create(['model.promoted']).catch((e: Error) => e);
    const family = await create(['model.approval.*', 'model.rollback']);

    // Assess
    expect(String(unprefixed)).toMatch(/no event "approval.request"; did you mean model.approval.request\?/);
    expect(String(unknown)).toMatch(/no event "model.promoted"\. Event types: model.register, model.promote/);
    expect(family.webhook.events).toEqual(['model.approval.*', 'model.rollback']);
    expect((await hooks.list()).items).toHaveLength(1); // the refused ones wrote nothing
  });

  it('delivers every event of a family (model.approval.*) and nothing else', async () => {
    // Prepare
    const reg = backend.registry({ clock });
    const hooks = reg.webhooks({ resolve: async () => ['93.184.216.34'] });
    const { webhook } = await hooks.create({
      url: 'https://hooks.example.com/x',
      events: ['model.approval.*'],
    });
    const v = await reg.register({
      ...ref,
      artifactPath: await writeFileArtifact(join(work, 'f', 'm.bin'), 'w'),
    });
    await reg.promote({ ...ref, version: v.version, to: 'staging' });

    // Act
    const approval = await reg.requestApproval({
      ...ref,
      version: v.version,
      requestedBy: 'ben',
      taskToken: 't-1',
    });
    await reg.decideApproval({
      approvalId: approval.approvalId,
      decision: 'approve',
      by: 'ana',
      reason: 'ok',
    });
    await reg.promote({ ...ref, version: v.version, to: 'production' });

    // Assess
    const types = (await hooks.deliveries({ id: webhook.id })).items.map((d) => d.event.type);
    expect(types).toEqual(['model.approval.request', 'model.approval.approve']);
  });

  it('refuses what would subscribe to nothing or twice, and names that other commands refuse', async () => {
    // Prepare
    const hooks = backend.registry({ clock }).webhooks({ resolve: async () => ['93.184.216.34'] });
    const url = 'https://hooks.example.com/x';
    await hooks.create({ url, events: ['model.promote'], useCase: 'fraud' });

    // Act
    const outcomes = await Promise.all(
      [
        { url, events: ['model.promote'], useCase: 'fraud' }, // the same subscription again
        { url, events: ['*', 'model.promote'] },
        { url, events: ['model.promote'], useCase: '../x' },
        { url: `https://hooks.example.com/${'a'.repeat(2100)}`, events: ['model.promote'] },
        { url, events: ['model.key.trust'], stage: 'production' as const }, // never moves a version
      ].map((input) =>
        hooks.create(input).then(
          () => 'created',
          (e: Error) => `${e.name}: ${e.message}`,
        ),
      ),
    );

    // Assess
    expect(outcomes[0]).toMatch(/^ConflictError: webhook wh_\S+ already sends these events/);
    expect(outcomes[1]).toMatch(/^ValidationError: .*`\*` already takes every event/);
    expect(outcomes[2]).toMatch(/^ValidationError: .*use case "..\/x" is not allowed/);
    expect(outcomes[3]).toMatch(/^ValidationError: .*longer than 2048 characters/);
    expect(outcomes[4]).toMatch(
      /^ValidationError: --stage production only matches events that move a version/,
    );
    expect((await hooks.list()).items).toHaveLength(1);
  });

  it('does not ping a deleted subscription', async () => {
    // Prepare
    const calls: string[] = [];
    const hooks = backend.registry({ clock }).webhooks({
      resolve: async () => ['93.184.216.34'],
      send: async ({ url }) => {
        calls.push(url);
        return { status: 200, retryAfter: null };
      },
    });
    const { webhook } = await hooks.create({ url: 'https://hooks.example.com/x', events: ['*'] });
    await hooks.delete({ id: webhook.id, deletedBy: 'ana' });

    // Act
    const ping = hooks.ping({ id: webhook.id });

    // Assess
    await expect(ping).rejects.toThrow(/was deleted \(.* by ana\); nothing is sent/);
    expect(calls).toEqual([]);
  });

  it('writes no delivery for a change that does not commit', async () => {
    // Prepare
    const reg = backend.registry({ clock });
    const { webhook } = await reg
      .webhooks({ resolve: async () => ['93.184.216.34'] })
      .create({ url: 'https://hooks.example.com/x', events: ['*'] });
    const v = await reg.register({
      ...ref,
      artifactPath: await writeFileArtifact(join(work, 'a', 'm.bin'), 'w'),
    });
    await reg.setPolicy({ ...ref, policy: { gates: { staging: { min_auc: 0.9 }, production: {} } } });

    // Act
    const refused = await reg.promote({ ...ref, version: v.version, to: 'staging' });
    expect(refused.promoted).toBe(false);

    // Assess
    const types = (await reg.webhooks().deliveries({ id: webhook.id })).items.map((d) => d.event.type);
    expect(types).toEqual(['model.register', 'model.policy.set']);
  });

  it('sends the deliveries of a worker that died mid-send again once its claim expires', async () => {
    // Prepare
    const sub = await subscriber([]);
    const reg = backend.registry({ clock });
    const { webhook } = await reg
      .webhooks()
      .create({ url: sub.url, events: ['model.register'], allowPrivate: true });
    await reg.register({ ...ref, artifactPath: await writeFileArtifact(join(work, 'a', 'm.bin'), 'w') });
    const [d] = (await reg.webhooks().deliveries({ id: webhook.id })).items;
    const claim = new Date(now.getTime() + 60_000).toISOString();
    await reg.records.putRecord({
      record: {
        kind: 'webhook-delivery',
        id: d!.id,
        scope: webhook.id,
        status: 'sending',
        doc: { ...d!, status: 'sending', dueAt: claim },
      },
      expect: { status: 'pending' },
    });

    // Act / Assess
    expect((await reg.webhooks().drain()).delivered).toBe(0); // the claim still holds
    now = new Date(now.getTime() + 61_000);
    expect((await reg.webhooks().drain()).delivered).toBe(1);
    sub.close();
    expect(sub.received).toHaveLength(1);
  });

  it('keeps an exhausted delivery as failed, and redeliver puts it back', async () => {
    // Prepare
    const reg = backend.registry({ clock });
    const calls: string[] = [];
    const hooks = reg.webhooks({
      resolve: async () => ['93.184.216.34'],
      random: () => 0,
      send: async ({ url }) => {
        calls.push(url);
        return { status: 503, retryAfter: null };
      },
    });
    const { webhook } = await hooks.create({
      url: 'https://hooks.example.com/x',
      events: ['model.register'],
    });
    await reg.register({ ...ref, artifactPath: await writeFileArtifact(join(work, 'a', 'm.bin'), 'w') });

    // Act
    for (let i = 0; i < 8; i++) {
      await hooks.drain();
      now = new Date(now.getTime() + 3_600_000);
    }
    const [failed] = (await hooks.deliveries({ id: webhook.id })).items;
    const again = await hooks.redeliver({ deliveryId: failed!.id });

    // Assess
    for (let i = 0; i < 8; i++) {
      await hooks.drain();
      now = new Date(now.getTime() + 3_600_000);
    }
    const [second] = (await hooks.deliveries({ id: webhook.id })).items;

    expect(calls).toHaveLength(16); // a redelivery is a new series of 8 attempts with their backoff
    expect(failed!.status).toBe('failed');
    expect(again.status).toBe('pending');
    expect(second).toMatchObject({ status: 'failed', retriesFrom: 8 });
    expect(second!.attempts).toHaveLength(16);
    await expect(hooks.redeliver({ deliveryId: failed!.id })).resolves.toMatchObject({ retriesFrom: 16 });
    await expect(hooks.redeliver({ deliveryId: failed!.id })).rejects.toThrow(
      /is pending, still in the outbox: its next attempt is due at .*; only a failed or delivered one is re-sent/,
    );
  });

  it('re-sends a delivered delivery with the same webhook-id, and refuses one of a deleted subscription', async () => {
    // Prepare: one promotion delivered
    const sub = await subscriber([]);
    const reg = backend.registry({ clock });
    const hooks = reg.webhooks();
    const { webhook, secret } = await hooks.create({
      url: sub.url,
      events: ['model.promote'],
      stage: 'production',
      allowPrivate: true,
    });
    await toProduction(reg);
    await hooks.drain();
    const [delivered] = (await hooks.deliveries({ id: webhook.id })).items;

    // Act
    const again = await hooks.redeliver({ deliveryId: delivered!.id });
    const sent = await hooks.drain();
    await hooks.delete({ id: webhook.id });
    const refused = await hooks.redeliver({ deliveryId: delivered!.id }).catch((e: Error) => e);

    // Assess
    sub.close();
    expect(delivered!.status).toBe('delivered');
    expect(again).toMatchObject({ status: 'pending', retriesFrom: 1 });
    expect(sent.delivered).toBe(1);
    expect(sub.received).toHaveLength(2);
    const [first, second] = sub.received;
    expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
    expect(second!.body).toBe(first!.body);
    expect(() =>
      new Verifier(secret).verify(second!.body, second!.headers as Record<string, string>),
    ).not.toThrow();
    expect((refused as Error).message).toContain('nothing is sent to a deleted subscription');
    const [after] = (await hooks.deliveries({ id: webhook.id })).items;
    expect(after).toMatchObject({ status: 'delivered', retriesFrom: 1 });
    expect(after!.attempts).toHaveLength(2);
  });

  describe('refuses destinations that reach the registry network (SSRF)', () => {
    it.each([
      ['http://127.0.0.1:8080/x'],
      ['http://10.1.2.3/x'],
      ['http://169.254.169.254/latest/meta-data'],
      ['http://[::1]/x'],
      ['http://[::ffff:127.0.0.1]/x'],
      ['http://100.64.0.1/x'],
      ['http://localhost/x'],
      ['http://[::7f00:1]/x'], // IPv4-compatible 127.0.0.1
      ['http://[::ffff:0:7f00:1]/x'], // IPv4-translated 127.0.0.1
      ['http://[2002:7f00:1::]/x'], // 6to4 around 127.0.0.1
      ['http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/x'], // Teredo
      ['http://[100::1]/x'], // discard-only
    ])('%s', async (url) => {
      const reg = backend.registry({ clock });
      const e = (await reg
        .webhooks()
        .create({ url, events: ['*'] })
        .catch((x: unknown) => x)) as WebhookDestinationError;
      expect(e.name).toBe('WebhookDestinationError');
      expect(e.message).toMatch(/--allow-private/);
      expect((await reg.webhooks().list()).items).toHaveLength(0);
    });

    it.each([
      ['file:///etc/passwd'],
      ['ftp://example.com/x'],
      ['https://user:pw@example.com/x'],
      ['not a url'],
    ])('%s', async (url) => {
      const reg = backend.registry({ clock });
      await expect(reg.webhooks().create({ url, events: ['*'] })).rejects.toMatchObject({
        name: 'ValidationError',
      });
    });

    it.each([
      ['http://169.254.169.254/latest/meta-data'],
      ['http://[fe80::1]/x'],
      ['http://[fd00:ec2::254]/x'],
    ])('%s is refused even with --allow-private (cloud metadata, link-local)', async (url) => {
      const reg = backend.registry({ clock });
      const e = (await reg
        .webhooks()
        .create({ url, events: ['*'], allowPrivate: true })
        .catch((x: unknown) => x)) as WebhookDestinationError;
      expect(e.name).toBe('WebhookDestinationError');
      expect(e.message).toMatch(/never a webhook destination, even with --allow-private/);
    });

    it('drops a URL fragment, which is never sent', async () => {
      const hooks = backend.registry({ clock }).webhooks({ resolve: async () => ['93.184.216.34'] });
      const { webhook } = await hooks.create({ url: 'https://hooks.example.com/x?a=1#frag', events: ['*'] });
      expect(webhook.url).toBe('https://hooks.example.com/x?a=1');
    });

    it('checks again when it sends: a host that now resolves privately is not called', async () => {
      const url = new URL('https://hooks.example.com/x');
      await expect(checkDestination(url, false, async () => ['93.184.216.34'])).resolves.toMatchObject({
        address: '93.184.216.34',
      });
      await expect(
        checkDestination(url, false, async () => ['93.184.216.34', '10.0.0.5']),
      ).rejects.toMatchObject({
        name: 'WebhookDestinationError',
      });
    });

    it('classifies addresses', () => {
      expect(['8.8.8.8', '2606:4700::1111'].map(isPrivateAddress)).toEqual([false, false]);
      expect(
        ['0.0.0.0', '192.168.1.1', '172.31.0.1', 'fd00::1', 'fe80::1', '::', '224.0.0.1'].map(
          isPrivateAddress,
        ),
      ).toEqual([true, true, true, true, true, true, true]);
    });
  });

  it('backs off exponentially with jitter and honours Retry-After in seconds or as a date', () => {
    const t = new Date('2026-12-01T10:00:00Z');
    expect(retryDelayMs(1, null, 1)).toBe(1000);
    expect(retryDelayMs(4, null, 1)).toBe(8000);
    expect(retryDelayMs(4, null, 0.5)).toBe(4000);
    expect(retryDelayMs(1, 30_000, 0.1)).toBe(30_000);
    expect(retryDelayMs(40, null, 1)).toBe(3_600_000);
    expect(parseRetryAfter('7', t)).toBe(7000);
    expect(parseRetryAfter('Tue, 01 Dec 2026 10:01:00 GMT', t)).toBe(60_000);
    expect(parseRetryAfter('soon', t)).toBeNull();
  });
});

/**
 * Contract of webhook subscriptions and their outbox: the same tests over every backend
 * (SQLite + filesystem, and DynamoDB Local + S3 on moto), through the Registry API. Sending
 * is replaced by a recorder, so what is checked is what the stores keep; the HTTP side
 * (signatures, retries, SSRF) is in test/webhooks.
 */
import { createHmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WebhookSender } from '../../src/app/webhooks.js';
import { MAX_ACTIVE_WEBHOOKS, WEBHOOKS_REF } from '../../src/core/webhooks.js';
import { ConflictError, type Registry } from '../../src/index.js';
import { writeFileArtifact } from '../support/artifacts.js';
import { type ContractBackend, rejection } from './registry-contract.js';

/** Runs the webhooks contract against one backend. */
export function describeWebhooksContract(
  backendName: string,
  makeBackend: () => Promise<ContractBackend>,
): void {
  describe(`Webhooks contract: ${backendName}`, () => {
    let backend: ContractBackend;
    let work: string;
    let reg: Registry;
    const sent: { url: string; body: string }[] = [];
    const send: WebhookSender = async ({ url, body }) => {
      sent.push({ url, body });
      return { status: 200, retryAfter: null };
    };
    const resolve = async () => ['93.184.216.34']; // a public address: no --allow-private needed
    const hooks = (r: Registry = reg) => r.webhooks({ send, resolve });
    const ref = { useCase: 'fraud', modelName: 'risk' };

    beforeEach(async () => {
      backend = await makeBackend();
      work = await mkdtemp(join(tmpdir(), 'modelreg-hooks-contract-'));
      reg = backend.registry();
      sent.length = 0;
    });
    afterEach(async () => {
      await backend.cleanup();
      await rm(work, { recursive: true, force: true });
    });

    it('audits creating and deleting a subscription on the webhooks trail, without the URL path or query', async () => {
      // Prepare
      const url = 'https://ci.example.com/trigger/abc?token=s3cr3t-t0ken';

      // Act
      const { webhook, secret } = await hooks().create({ url, events: ['model.promote'], createdBy: 'ana' });
      const deleted = await hooks().delete({ id: webhook.id, deletedBy: 'bo' });
      const again = await hooks().delete({ id: webhook.id, deletedBy: 'cy' });
      const trail = await reg.auditTrail({ trail: 'webhooks' });
      const verified = await reg.verifyAudit({ trail: 'webhooks' });

      // Assess
      expect(trail.items.map((e) => [e.action, e.actor])).toEqual([
        ['webhook.create', 'ana'],
        ['webhook.delete', 'bo'],
      ]);
      expect(trail.items[0]!.details).toMatchObject({
        webhookId: webhook.id,
        origin: 'https://ci.example.com',
        urlHmacSha256: createHmac('sha256', secret).update(url).digest('hex'),
        events: ['model.promote'],
      });
      const written = JSON.stringify(trail.items);
      expect(written).not.toContain('s3cr3t-t0ken');
      expect(written).not.toContain(secret);
      expect(deleted).toMatchObject({ status: 'deleted', deletedBy: 'bo' });
      expect(again).toEqual({ ...deleted, alreadyDeleted: true }); // deleting twice changes nothing, and says so
      expect(verified).toMatchObject({ valid: true, checked: 2 });
      expect((await reg.listUseCases()).items.map((u) => u.useCase)).not.toContain(WEBHOOKS_REF.useCase);
    });

    it('refuses an actor with a control character (webhooks, policy, events, reports), so no trail stores one', async () => {
      // Act
      const refusal = (p: Promise<unknown>) =>
        p.then(
          () => 'accepted',
          (e: Error) => e.message,
        );
      const created = await refusal(
        hooks().create({ url: 'https://a.example.com/h', events: ['*'], createdBy: 'ev\u001b[31mil' }),
      );
      const promoted = await refusal(reg.setPolicy({ ...ref, policy: {}, setBy: 'ev\u001b[31mil' }));
      const v = await reg.register({
        ...ref,
        artifactPath: await writeFileArtifact(join(work, 'c', 'm.bin'), 'w'),
      });
      const noted = await refusal(
        reg.recordEvent({ ...ref, version: v.version, kind: 'note', details: 'x', recordedBy: 'a\nb' }),
      );
      const reported = await refusal(
        reg.reportMetrics({ ...ref, version: v.version, metrics: { auc: 0.9 }, reportedBy: 'a\u0007' }),
      );

      // Assess
      for (const message of [created, promoted, noted, reported]) {
        expect(message).toMatch(/the actor \(--by\) contains the control character U\+00(1B|0A|07)/);
      }
      expect(await reg.listEvents(ref)).toEqual([]);
      expect((await hooks().list()).items).toHaveLength(0);
    });

    it(`keeps at most ${MAX_ACTIVE_WEBHOOKS} active subscriptions when creates race`, async () => {
      // Prepare
      for (let i = 1; i < MAX_ACTIVE_WEBHOOKS; i++) {
        await hooks().create({ url: `https://hooks.example.com/${i}`, events: ['*'] });
      }
      const racers = Array.from({ length: 4 }, () => backend.registry());

      // Act
      const outcomes = await Promise.allSettled(
        racers.map((r, i) => hooks(r).create({ url: `https://hooks.example.com/race-${i}`, events: ['*'] })),
      );

      // Assess
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      for (const o of outcomes.filter((o) => o.status === 'rejected')) {
        await rejection(Promise.reject((o as PromiseRejectedResult).reason), ConflictError);
      }
      const active = (await hooks().list()).items.filter((h) => h.status === 'active');
      expect(active).toHaveLength(MAX_ACTIVE_WEBHOOKS);
      expect((await reg.auditTrail({ trail: 'webhooks', limit: 1000 })).items).toHaveLength(
        MAX_ACTIVE_WEBHOOKS,
      );
    });

    it('subscribes the same URL to the same events once when identical creates race', async () => {
      // Prepare
      const racers = Array.from({ length: 5 }, () => backend.registry());
      const input = { url: 'https://ci.example.com/dup?token=abc', events: ['model.promote'] };

      // Act
      const outcomes = await Promise.allSettled(racers.map((r) => hooks(r).create(input)));

      // Assess
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      for (const o of outcomes.filter((o) => o.status === 'rejected')) {
        expect(String((o as PromiseRejectedResult).reason)).toMatch(/already sends these events/);
      }
      expect((await hooks().list()).items).toHaveLength(1);
    });

    it('writes a delivery in the commit that follows a create at once, and a later worker sends it once', async () => {
      // Prepare
      const { webhook } = await hooks().create({
        url: 'https://deploy.example.com/hook',
        events: ['model.register'],
      });
      const artifactPath = await writeFileArtifact(join(work, 'a', 'm.bin'), 'weights');

      // Act
      const v = await reg.register({ ...ref, artifactPath });
      const pending = (await hooks().deliveries({ id: webhook.id })).items;
      const first = await hooks(backend.registry()).drain();
      const second = await hooks(backend.registry()).drain();

      // Assess
      expect(pending.map((d) => d.status)).toEqual(['pending']);
      expect(first).toEqual({ delivered: 1, retrying: 0, failed: 0 });
      expect(second).toEqual({ delivered: 0, retrying: 0, failed: 0 });
      expect(sent).toHaveLength(1);
      expect(JSON.parse(sent[0]!.body)).toMatchObject({
        type: 'model.register',
        data: { ...ref, version: v.version },
      });
    });

    it('never sends an attempt twice when workers race on stale reads: every send is in the log', async () => {
      // Prepare: 6 deliveries to a subscriber that always fails, retried at once (random 0); the
      // first worker is slow, so it reaches deliveries the others already tried, with its stale read
      const sends: string[] = [];
      const sender =
        (delayMs: number): WebhookSender =>
        async ({ headers }) => {
          sends.push(headers['webhook-id']!);
          await new Promise((r) => setTimeout(r, delayMs));
          return { status: 500, retryAfter: null };
        };
      const options = (delayMs: number) => ({
        send: sender(delayMs),
        random: () => 0,
        resolve: async () => ['93.184.216.34'],
      });
      const { webhook } = await reg.webhooks(options(1)).create({
        url: 'https://hooks.example.com/x',
        events: ['model.register'],
      });
      for (let i = 0; i < 6; i++) {
        await reg.register({
          ...ref,
          artifactPath: await writeFileArtifact(join(work, `r${i}`, 'm.bin'), `w${i}`),
        });
      }
      const workers = [40, 1, 1, 1].map((delay) => backend.registry().webhooks(options(delay)));

      // Act
      const results = await Promise.all(workers.map((w) => w.drain()));

      // Assess
      const deliveries = (await reg.webhooks().deliveries({ id: webhook.id })).items;
      const logged = deliveries.reduce((n, d) => n + d.attempts.length, 0);
      expect(sends.length).toBe(logged);
      expect(results.reduce((n, r) => n + r.retrying + r.failed + r.delivered, 0)).toBe(logged);
      for (const d of deliveries) {
        expect(sends.filter((id) => id === d.id)).toHaveLength(d.attempts.length);
      }
    });

    it('stops writing deliveries for a deleted subscription', async () => {
      // Prepare
      const kept = await hooks().create({ url: 'https://a.example.com/h', events: ['model.register'] });
      const gone = await hooks().create({ url: 'https://b.example.com/h', events: ['model.register'] });
      await hooks().delete({ id: gone.webhook.id });

      // Act
      await reg.register({ ...ref, artifactPath: await writeFileArtifact(join(work, 'b', 'm.bin'), 'w') });

      // Assess
      expect((await hooks().deliveries({ id: kept.webhook.id })).items).toHaveLength(1);
      expect((await hooks().deliveries({ id: gone.webhook.id })).items).toHaveLength(0);
    });
  });
}

/**
 * The audit chain under attack, one suite for every backend: events altered, removed,
 * reordered or appended behind the registry's back are named by `verifyAudit`, and the
 * tester's rewrite (change an actor, recompute every hash with hashEvent, update the
 * head) is caught against a signed checkpoint, which a store writer cannot forge.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ed25519KeyFileSigner } from '../../src/adapters/local/ed25519-key-file.js';
import { CheckpointInvalidError } from '../../src/app/audit-anchor.js';
import type { Registry } from '../../src/app/registry.js';
import { type AuditEvent, type AuditTip, GENESIS_HASH, hashEvent } from '../../src/core/audit.js';
import type { ModelRef } from '../../src/core/model.js';
import type { RegistryStore } from '../../src/core/ports.js';
import { AuditChainError, ValidationError } from '../../src/index.js';
import { type ContractBackend, rejection } from '../contract/registry-contract.js';
import { writeFileArtifact } from '../support/artifacts.js';

/** Raw writes behind the registry's back, as someone with write access to the database. */
export interface ChainTamper {
  /** Writes (inserts or replaces) an audit event as is. */
  putEvent(ref: ModelRef, event: AuditEvent): Promise<void>;
  removeEvent(ref: ModelRef, seq: number): Promise<void>;
  /** Points the model head's audit tip elsewhere. */
  setTip(ref: ModelRef, tip: AuditTip): Promise<void>;
}

/** A backend with a way to tamper with it and to read its raw store. */
export interface TamperableBackend extends ContractBackend {
  tamper: ChainTamper;
  store: () => RegistryStore;
}

/** The attack of the hostile tester: alter seq `at`, recompute every later hash, update the head. */
export async function rewriteChain(
  tamper: ChainTamper,
  ref: ModelRef,
  events: readonly AuditEvent[],
  at: number,
  change: (e: AuditEvent) => AuditEvent,
): Promise<AuditEvent[]> {
  let prev = GENESIS_HASH;
  const out: AuditEvent[] = [];
  for (const original of events) {
    const edited = original.seq === at ? change(original) : original;
    const { hash: _old, ...unhashed } = { ...edited, prevHash: prev };
    const event = { ...unhashed, hash: hashEvent(ref, unhashed) };
    prev = event.hash;
    out.push(event);
    await tamper.putEvent(ref, event);
  }
  const last = out[out.length - 1]!;
  await tamper.setTip(ref, { seq: last.seq, hash: last.hash });
  return out;
}

/** Runs the suite over a backend. */
export function auditReliabilitySuite(name: string, make: () => Promise<TamperableBackend>): void {
  describe(`audit chain under attack: ${name}`, () => {
    let backend: TamperableBackend;
    let reg: Registry;
    let work: string;
    let signer: Ed25519KeyFileSigner;
    let ref: ModelRef;

    beforeEach(async () => {
      backend = await make();
      reg = backend.registry({ actor: 'alice' });
      work = await mkdtemp(join(tmpdir(), 'modelreg-audit-'));
      signer = await Ed25519KeyFileSigner.open(join(work, 'keys', 'audit.pem'), { create: true });
      ref = { useCase: 'fraud', modelName: 'risk' };
    });

    afterEach(async () => {
      await reg.close();
      await backend.cleanup();
      await rm(work, { recursive: true, force: true });
    });

    /** Five events: three registrations, a promotion to staging and one to production. */
    async function history(): Promise<AuditEvent[]> {
      for (const n of ['a', 'b', 'c']) {
        await reg.register({ ...ref, artifactPath: await writeFileArtifact(join(work, `${n}.bin`), n) });
      }
      await reg.promote({ ...ref, version: '1.0.1', to: 'staging' });
      await reg.promote({ ...ref, version: '1.0.1', to: 'production' });
      const events = (await reg.auditTrail({ ...ref, limit: 100 })).items;
      expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
      expect(await reg.verifyAudit(ref)).toEqual({ valid: true, checked: 5 });
      return events;
    }

    it('names the altered event when one field of it is changed', async () => {
      const events = await history();
      await backend.tamper.putEvent(ref, { ...events[2]!, actor: 'mallory' });
      const r = await reg.verifyAudit(ref);
      expect(r).toMatchObject({ valid: false, firstBadSeq: 3, checked: 2 });
      expect(r.reason).toMatch(/altered/);
    });

    it('names the gap when an event in the middle is removed', async () => {
      await history();
      await backend.tamper.removeEvent(ref, 2);
      expect(await reg.verifyAudit(ref)).toMatchObject({ valid: false, firstBadSeq: 2, checked: 1 });
    });

    it('names the first swapped event when two events are reordered', async () => {
      const events = await history();
      const [e2, e3] = [events[1]!, events[2]!];
      await backend.tamper.putEvent(ref, { ...e3, seq: 2 });
      await backend.tamper.putEvent(ref, { ...e2, seq: 3 });
      expect(await reg.verifyAudit(ref)).toMatchObject({ valid: false, firstBadSeq: 2 });
    });

    it('names the appended event when one is added out of band with a valid link', async () => {
      const events = await history();
      const last = events[4]!;
      const { hash: _h, ...base } = { ...last, seq: 6, prevHash: last.hash, actor: 'mallory' };
      await backend.tamper.putEvent(ref, { ...base, hash: hashEvent(ref, base) });
      const r = await reg.verifyAudit(ref);
      expect(r).toMatchObject({ valid: false, firstBadSeq: 6 });
      expect(r.reason).toMatch(/records 5 events but the trail ends at seq 6/);
    });

    it('names the end when the last events are cut off', async () => {
      await history();
      await backend.tamper.removeEvent(ref, 5);
      expect(await reg.verifyAudit(ref)).toMatchObject({ valid: false, firstBadSeq: 5, checked: 4 });
    });

    it('passes a full rewrite without a checkpoint: the chain alone proves nothing to a store writer', async () => {
      const events = await history();
      await rewriteChain(backend.tamper, ref, events, 1, (e) => ({ ...e, actor: 'mallory' }));
      expect((await reg.auditTrail({ ...ref, limit: 10 })).items[0]!.actor).toBe('mallory');
      expect(await reg.verifyAudit(ref)).toEqual({ valid: true, checked: 5 });
    });

    it('catches the tester’s rewrite (actor changed, every hash recomputed, head updated) against a signed checkpoint', async () => {
      const events = await history();
      const { checkpoint } = await reg.checkpointAudit(ref, signer);
      expect(checkpoint).toMatchObject({ seq: 5, hash: events[4]!.hash, keyId: signer.keyId });

      await rewriteChain(backend.tamper, ref, events, 1, (e) => ({ ...e, actor: 'mallory' }));

      for (const full of [false, true]) {
        const r = await reg.verifyAudit(ref, { against: checkpoint, signer, full });
        expect(r.valid).toBe(false);
        expect(r.firstBadSeq).toBe(5);
        expect(r.reason).toMatch(/rewritten at or before seq 5/);
      }
    });

    it('catches a rewrite before the checkpoint on the full walk, and the events after it on both', async () => {
      const events = await history();
      const { checkpoint } = await reg.checkpointAudit(ref, signer);
      await reg.promote({ ...ref, version: '1.0.2', to: 'staging' });
      expect(await reg.verifyAudit(ref, { against: checkpoint, signer })).toMatchObject({
        valid: true,
        checked: 2,
        from: 5,
      });
      expect(await reg.verifyAudit(ref, { against: checkpoint, signer, full: true })).toMatchObject({
        valid: true,
        checked: 6,
        from: 1,
      });
      const after = (await reg.auditTrail({ ...ref, limit: 100 })).items;
      await rewriteChain(backend.tamper, ref, after, 6, (e) => ({ ...e, actor: 'mallory' }));
      // seq 6 came after the checkpoint, so the rewrite is indistinguishable from a real event
      expect((await reg.verifyAudit(ref, { against: checkpoint, signer })).valid).toBe(true);
      await backend.tamper.putEvent(ref, { ...events[1]!, actor: 'mallory' });
      expect((await reg.verifyAudit(ref, { against: checkpoint, signer })).valid).toBe(true);
      expect(await reg.verifyAudit(ref, { against: checkpoint, signer, full: true })).toMatchObject({
        valid: false,
        firstBadSeq: 2,
      });
    });

    it('reads only the events from the checkpoint on when verifying again', async () => {
      await history();
      const { checkpoint } = await reg.checkpointAudit(ref, signer);
      await reg.promote({ ...ref, version: '1.0.2', to: 'staging' });
      const store = backend.store();
      const seen: number[] = [];
      const original = store.listAudit.bind(store);
      store.listAudit = async (r, o) => {
        const page = await original(r, o);
        seen.push(...page.items.map((e) => e.seq));
        return page;
      };
      try {
        await reg.verifyAudit(ref, { against: checkpoint, signer });
      } finally {
        store.listAudit = original;
      }
      expect(seen).toEqual([5, 6]);
    });

    it('catches events removed below the checkpoint', async () => {
      await history();
      const { checkpoint } = await reg.checkpointAudit(ref, signer);
      await backend.tamper.removeEvent(ref, 5);
      await backend.tamper.removeEvent(ref, 4);
      const r = await reg.verifyAudit(ref, { against: checkpoint, signer, full: true });
      expect(r).toMatchObject({ valid: false });
      expect(r.reason).toMatch(/trail ends at seq 3: events were removed/);
      expect(await reg.verifyAudit(ref, { against: checkpoint, signer })).toMatchObject({
        valid: false,
        firstBadSeq: 5,
      });
    });

    it('refuses a checkpoint whose seq or hash was edited, one signed by another key, and one of another model', async () => {
      await history();
      const { checkpoint } = await reg.checkpointAudit(ref, signer);
      await rejection(
        reg.verifyAudit(ref, { against: { ...checkpoint, seq: 3 }, signer }),
        CheckpointInvalidError,
      );
      const other = await Ed25519KeyFileSigner.open(join(work, 'other.pem'), { create: true });
      await rejection(reg.verifyAudit(ref, { against: checkpoint, signer: other }), CheckpointInvalidError);
      // a forger who signs with their own key and writes its id in the file
      const forged = await reg.checkpointAudit(ref, other);
      await rejection(
        reg.verifyAudit(ref, { against: { ...forged.checkpoint, keyId: signer.keyId }, signer }),
        CheckpointInvalidError,
      );
      await rejection(
        reg.verifyAudit({ ...ref, modelName: 'other' }, { against: checkpoint, signer }),
        CheckpointInvalidError,
      );
      await rejection(reg.verifyAudit(ref, { against: checkpoint }), ValidationError);
      await rejection(reg.verifyAudit(ref, { against: { format: 'x' }, signer }), ValidationError);
    });

    it('verifies with the public key alone, which cannot sign', async () => {
      await history();
      const { checkpoint } = await reg.checkpointAudit(ref, signer);
      const verifier = Ed25519KeyFileSigner.fromPem(signer.publicKeyPem());
      expect(verifier.keyId).toBe(signer.keyId);
      expect((await reg.verifyAudit(ref, { against: checkpoint, signer: verifier })).valid).toBe(true);
      await rejection(reg.checkpointAudit(ref, verifier), ValidationError);
    });

    it('refuses to sign a chain that does not verify, and checkpoints incrementally from the previous one', async () => {
      const events = await history();
      const first = await reg.checkpointAudit(ref, signer);
      expect(first.verification).toEqual({ valid: true, checked: 5 });
      await reg.promote({ ...ref, version: '1.0.2', to: 'staging' });
      const second = await reg.checkpointAudit(ref, signer, { previous: first.checkpoint });
      expect(second.checkpoint.seq).toBe(6);
      expect(second.verification).toMatchObject({ valid: true, checked: 2, from: 5 });
      await backend.tamper.putEvent(ref, { ...events[0]!, actor: 'mallory' });
      const e = await rejection(reg.checkpointAudit(ref, signer, { full: true }), AuditChainError);
      expect(e.details).toMatchObject({ firstBadSeq: 1 });
    });
  });
}

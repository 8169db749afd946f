/**
 * Concurrent deliveries of one training event (EventBridge delivers at least once, and
 * a retried Lambda runs again): one version, one audit event, one delivery record,
 * whatever the interleaving. The dedupe is a conditional write keyed by the event's id,
 * committed with the registration, not a check before it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Registry } from '../../src/app/registry.js';
import type { ContractBackend } from '../contract/registry-contract.js';
import { writeFileArtifact } from '../support/artifacts.js';

/** Runs the suite over a backend. */
export function deliveriesSuite(name: string, make: () => Promise<ContractBackend>): void {
  describe(`concurrent deliveries of one training event: ${name}`, () => {
    let backend: ContractBackend;
    let work: string;
    let registries: Registry[];
    const ref = { useCase: 'fraud', modelName: 'risk' };

    beforeEach(async () => {
      backend = await make();
      work = await mkdtemp(join(tmpdir(), 'modelreg-deliveries-'));
      // separate clients, as separate Lambda containers are
      registries = Array.from({ length: 4 }, () => backend.registry({ actor: 'workflow' }));
    });

    afterEach(async () => {
      for (const r of registries) await r.close();
      await backend.cleanup();
      await rm(work, { recursive: true, force: true });
    });

    async function event(extra: Record<string, unknown> = {}) {
      return {
        ...ref,
        artifactUri: await writeFileArtifact(join(work, 'model.bin'), 'weights-1'),
        runId: 'run-7',
        requestedBy: 'trainer',
        ...extra,
      };
    }

    for (const keyed of [true, false]) {
      it(`registers one version for 8 concurrent deliveries ${keyed ? 'of an event with an id' : 'keyed by run and digest'}`, async () => {
        const e = await event(keyed ? { eventId: 'evt-0001' } : {});
        const answers = await Promise.all(
          Array.from({ length: 8 }, (_, i) => registries[i % registries.length]!.registerFromEvent(e)),
        );
        expect(new Set(answers.map((a) => a.version))).toEqual(new Set(['1.0.0']));
        expect(answers.filter((a) => !a.alreadyRegistered)).toHaveLength(1);
        const reader = registries[0]!;
        expect((await reader.listVersions({ ...ref, limit: 10 })).items.map((v) => v.version)).toEqual([
          '1.0.0',
        ]);
        const audit = (await reader.auditTrail({ ...ref, limit: 50 })).items;
        expect(audit.map((a) => a.action)).toEqual(['register']);
        expect(await reader.verifyAudit(ref)).toEqual({ valid: true, checked: 1 });
        const told = (await backend.events()).filter((n) => n.type === 'model.register');
        expect(told).toHaveLength(1);
      });
    }

    it('registers a second version for a second event with new bytes, and dedupes each', async () => {
      const first = await event({ eventId: 'evt-a' });
      await Promise.all(registries.map((r) => r.registerFromEvent(first)));
      const second = {
        ...first,
        eventId: 'evt-b',
        runId: 'run-8',
        artifactUri: await writeFileArtifact(join(work, 'model-2.bin'), 'weights-2'),
      };
      const answers = await Promise.all(registries.map((r) => r.registerFromEvent(second)));
      expect(new Set(answers.map((a) => a.version))).toEqual(new Set(['1.0.1']));
      expect((await registries[0]!.auditTrail({ ...ref, limit: 50 })).items).toHaveLength(2);
    });

    it('answers the first registration when the same event id comes again later', async () => {
      const e = await event({ eventId: 'evt-late' });
      const first = await registries[0]!.registerFromEvent(e);
      const again = await registries[1]!.registerFromEvent(e);
      expect(again).toEqual({ ...first, alreadyRegistered: true });
    });
  });
}

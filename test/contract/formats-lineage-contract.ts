/**
 * The backend contract of format detection and the lineage walk (issue 11): the detected
 * format is stored with the version, the walk's index is written in the registration's
 * commit and read back by scope, and a missing parent is refused, on every backend.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RegisterInput } from '../../src/app/inputs.js';
import { type ModelVersion, ParentNotFoundError, type Registry } from '../../src/index.js';
import { tinyOnnx, tinySafetensors } from '../support/model-files.js';
import { type ContractBackend, rejection } from './registry-contract.js';

/** Runs the formats and lineage contract against one backend; `makeBackend` is called once per test. */
export function describeFormatsLineageContract(
  backendName: string,
  makeBackend: () => Promise<ContractBackend>,
): void {
  describe(`Formats and lineage contract: ${backendName}`, () => {
    let backend: ContractBackend;
    let reg: Registry;
    let work: string;
    let useCase: string;
    let n = 0;

    beforeEach(async () => {
      backend = await makeBackend();
      reg = backend.registry({ actor: 'contract-tester' });
      work = await mkdtemp(join(tmpdir(), 'modelreg-lineage-'));
      useCase = `uc-${randomUUID().slice(0, 8)}`;
    });

    afterEach(async () => {
      await backend.cleanup();
      await rm(work, { recursive: true, force: true });
    });

    async function file(bytes: Buffer | string): Promise<string> {
      const path = join(work, `artifact-${++n}`);
      await writeFile(path, bytes);
      return path;
    }

    async function register(
      modelName: string,
      input: Partial<RegisterInput> = {},
      bytes: Buffer | string = `weights ${randomUUID()}`,
    ): Promise<ModelVersion> {
      return reg.register({ useCase, modelName, artifactPath: await file(bytes), ...input });
    }

    const lineage = (extra: Record<string, unknown>) =>
      ({ runId: null, datasetVersion: null, codeVersion: null, ...extra }) as RegisterInput['lineage'];

    describe('format detection', () => {
      it('stores the format read from the bytes with the version, and reads it back', async () => {
        // Act
        const v = await register('scorer', {}, tinyOnnx());
        const read = await reg.info({ useCase, modelName: 'scorer', version: v.version });
        // Assess
        expect(v.format?.name).toBe('onnx');
        expect(read.format?.inputs).toEqual([{ name: 'input', dtype: 'float32', shape: ['batch', 3] }]);
        expect(read.format?.opsets).toEqual([{ domain: '', version: 17 }]);
      });

      it('records unknown, with the reason, for bytes of no known format', async () => {
        const v = await register('blob', {}, 'plain text weights');
        expect((await reg.info({ useCase, modelName: 'blob', version: v.version })).format).toMatchObject({
          name: 'unknown',
          reason: expect.any(String),
        });
      });

      it('names the format in the registration audit event', async () => {
        await register('weights', {}, tinySafetensors());
        const trail = await reg.auditTrail({ useCase, modelName: 'weights' });
        expect(trail.items[0]?.details.format).toBe('safetensors');
      });

      it('refuses promotion of a forbidden format with the forbid_formats gate, and allows another', async () => {
        // Prepare
        const policy = { gates: { staging: { forbid_formats: ['unknown', 'pickle'] } } };
        await reg.setPolicy({ useCase, modelName: 'blob', policy });
        await reg.setPolicy({ useCase, modelName: 'weights', policy });
        const blob = await register('blob', {}, 'text, not a model');
        const weights = await register('weights', {}, tinySafetensors());
        // Act
        const refused = await reg.promote({ useCase, modelName: 'blob', version: blob.version });
        const allowed = await reg.promote({ useCase, modelName: 'weights', version: weights.version });
        // Assess
        expect(refused.promoted).toBe(false);
        expect(refused.gates).toContainEqual(
          expect.objectContaining({
            gate: 'forbid_formats',
            actual: 'unknown',
            threshold: ['unknown', 'pickle'],
            passed: false,
          }),
        );
        expect(allowed).toMatchObject({ promoted: true, stage: 'staging' });
      });
    });

    describe('lineage walk', () => {
      it('walks from a dataset version to every version and feature set built from it, across models', async () => {
        // Prepare
        const dataset = `ds-${randomUUID().slice(0, 6)}`;
        const a = await register('a', {
          lineage: lineage({ datasetVersion: dataset, featureSet: { name: 'fs', version: '2' } }),
        });
        const b = await register('b', { lineage: lineage({ datasetVersion: dataset }) });
        await register('c', { lineage: lineage({ datasetVersion: `${dataset}-other` }) });
        // Act
        const walk = await reg.lineageWalk({ datasetVersion: dataset });
        // Assess
        expect(walk.versions.map((v) => `${v.modelName}@${v.version}`).sort()).toEqual([
          `a@${a.version}`,
          `b@${b.version}`,
        ]);
        expect(walk.featureSets).toEqual([{ name: 'fs', version: '2' }]);
        expect(walk.truncated).toBe(false);
      });

      it('walks from a feature set to the versions built on it, with their current stage', async () => {
        const featureSet = { name: `fs-${randomUUID().slice(0, 6)}`, version: '1.0' };
        const v = await register('a', { lineage: lineage({ featureSet }) });
        await register('b', { lineage: lineage({ featureSet: { ...featureSet, version: '1.1' } }) });
        await reg.promote({ useCase, modelName: 'a', version: v.version });
        const walk = await reg.lineageWalk({ featureSet });
        expect(walk.versions).toHaveLength(1);
        expect(walk.versions[0]).toMatchObject({ modelName: 'a', version: v.version, stage: 'staging' });
      });

      it('walks from a model version to its parents (transitively, with relations) and its children', async () => {
        // Prepare: base ← tuned (fine-tune) ← small (distillation); base ← retrained (retrain)
        const base = await register('base');
        const tuned = await register('tuned', {
          lineage: lineage({
            parent: { useCase, modelName: 'base', version: base.version, relation: 'fine-tune' },
          }),
        });
        const small = await register('small', {
          lineage: lineage({
            parent: { useCase, modelName: 'tuned', version: tuned.version, relation: 'distillation' },
          }),
        });
        await register('retrained', {
          lineage: lineage({
            parent: { useCase, modelName: 'base', version: base.version, relation: 'retrain' },
          }),
        });
        // Act
        const fromSmall = await reg.lineageWalk({ useCase, modelName: 'small', version: small.version });
        const fromBase = await reg.lineageWalk({ useCase, modelName: 'base', version: base.version });
        // Assess
        expect(fromSmall.parents.map((p) => [p.modelName, p.relation, p.depth])).toEqual([
          ['tuned', 'distillation', 1],
          ['base', 'fine-tune', 2],
        ]);
        expect(fromSmall.children).toEqual([]);
        expect(fromBase.parents).toEqual([]);
        expect(fromBase.children.map((c) => [c.modelName, c.relation, c.depth]).sort()).toEqual([
          ['retrained', 'retrain', 1],
          ['small', 'distillation', 2],
          ['tuned', 'fine-tune', 1],
        ]);
        expect(fromBase.children.find((c) => c.modelName === 'small')?.parentOf).toBe(
          `${useCase}/tuned@${tuned.version}`,
        );
      });

      it('refuses a registration whose parent is not registered, and writes nothing', async () => {
        // Prepare
        await register('base');
        // Act
        const error = await rejection(
          register('tuned', {
            lineage: lineage({
              parent: { useCase, modelName: 'base', version: '9.9.9', relation: 'fine-tune' },
            }),
          }),
          ParentNotFoundError,
        );
        // Assess
        expect(error.message).toContain(`${useCase}/base@9.9.9`);
        expect((await reg.listModels({ useCase })).items.map((m) => m.modelName)).toEqual(['base']);
      });

      it('finds every index entry present after registration, so a reindex writes nothing', async () => {
        // Prepare: one version with a dataset and a feature set, one with a dataset only
        const dataset = `ds-${randomUUID().slice(0, 6)}`;
        await register('a', {
          lineage: lineage({ datasetVersion: dataset, featureSet: { name: 'fs', version: '1' } }),
        });
        await register('b', { lineage: lineage({ datasetVersion: dataset }) });
        // Act
        const dry = await reg.reindexLineage({ dryRun: true });
        const real = await reg.reindexLineage();
        // Assess
        expect(dry).toEqual({ versions: 2, written: 0, present: 3, dryRun: true });
        expect(real).toEqual({ versions: 2, written: 0, present: 3, dryRun: false });
      });

      it('answers an empty walk for a dataset nothing was built from', async () => {
        const walk = await reg.lineageWalk({ datasetVersion: `nothing-${randomUUID()}` });
        expect(walk).toMatchObject({ versions: [], featureSets: [], truncated: false });
      });
    });
  });
}

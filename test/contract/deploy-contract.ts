/**
 * Contract of variants, deployments and explain: the same tests over every backend (the
 * embedded SQLite + filesystem one, and DynamoDB Local + S3 on moto), through the Registry API.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VariantExistsError } from '../../src/core/variant.js';
import {
  ConflictError,
  InvalidTransitionError,
  NotFoundError,
  type Registry,
  ValidationError,
  VersionNotFoundError,
} from '../../src/index.js';
import { sha256, writeFileArtifact, writeTree } from '../support/artifacts.js';
import { type ContractBackend, rejection } from './registry-contract.js';

/** Runs the variants/deployments contract against one backend. */
export function describeDeployContract(
  backendName: string,
  makeBackend: () => Promise<ContractBackend>,
): void {
  describe(`Variants and deployments contract: ${backendName}`, () => {
    let backend: ContractBackend;
    let work: string;
    let reg: Registry;
    let ref: { useCase: string; modelName: string };

    beforeEach(async () => {
      backend = await makeBackend();
      work = await mkdtemp(join(tmpdir(), 'modelreg-deploy-contract-'));
      reg = backend.registry({ actor: 'contract-tester' });
      ref = { useCase: `uc-${randomUUID().slice(0, 8)}`, modelName: 'perception' };
    });

    afterEach(async () => {
      await backend.cleanup();
      await rm(work, { recursive: true, force: true });
    });

    async function register(model = ref) {
      const file = await writeFileArtifact(join(work, randomUUID(), 'model.onnx'), `weights ${randomUUID()}`);
      return reg.register({ ...model, artifactPath: file });
    }

    async function actionsOf(model = ref): Promise<string[]> {
      return (await reg.auditTrail({ ...model, limit: 1000 })).items.map((e) => e.action);
    }

    describe('variants', () => {
      it('stores a variant with its sha256, lists it, and gets the same bytes back', async () => {
        // Prepare
        const v = await register();
        const bytes = `engine ${randomUUID()}`;
        const engine = await writeFileArtifact(join(work, 'build', 'model.engine'), bytes);

        // Act
        const added = await reg.addVariant({
          ...ref,
          version: v.version,
          target: 'jetson-orin-int8',
          artifactPath: engine,
          format: 'tensorrt',
          precision: 'int8',
          builder: 'trtexec-10.3',
        });
        const listed = await reg.listVariants({ ...ref, version: v.version });
        const got = await reg.getVariant({
          ...ref,
          version: v.version,
          target: 'jetson-orin-int8',
          output: join(work, 'out'),
        });

        // Assess
        expect(added.artifact.sha256).toBe(sha256(bytes));
        expect(added.artifact.uri).toContain(`/versions/${v.version}/variants/jetson-orin-int8/`);
        expect(listed.map((x) => [x.target, x.format, x.precision, x.builder])).toEqual([
          ['jetson-orin-int8', 'tensorrt', 'int8', 'trtexec-10.3'],
        ]);
        expect(got.sha256).toBe(sha256(bytes));
        expect(await readFile(got.path, 'utf8')).toBe(bytes);
        const audit = (await reg.auditTrail({ ...ref, limit: 1000 })).items.filter(
          (e) => e.action === 'variant.add',
        );
        expect(audit.map((e) => [e.version, e.details.target, e.details.sha256])).toEqual([
          [v.version, 'jetson-orin-int8', sha256(bytes)],
        ]);
      });

      it('refuses a second variant for the same target and keeps the first', async () => {
        // Prepare
        const v = await register();
        const first = await writeFileArtifact(join(work, 'a', 'model.engine'), 'first');
        const second = await writeFileArtifact(join(work, 'b', 'model.engine'), 'second');
        await reg.addVariant({ ...ref, version: v.version, target: 'orin', artifactPath: first });

        // Act
        const err = await rejection(
          reg.addVariant({ ...ref, version: v.version, target: 'orin', artifactPath: second }),
          VariantExistsError,
        );

        // Assess
        expect(err).toBeInstanceOf(ConflictError);
        const got = await reg.getVariant({
          ...ref,
          version: v.version,
          target: 'orin',
          output: join(work, 'o'),
        });
        expect(await readFile(got.path, 'utf8')).toBe('first');
        expect((await actionsOf()).filter((a) => a === 'variant.add')).toHaveLength(1);
      });

      it('keeps a directory variant and one variant per target', async () => {
        // Prepare
        const v = await register();
        const dir = await writeTree(join(work, 'bundle'), { 'model.tflite': 'tfl', 'labels.txt': 'a\nb' });
        const file = await writeFileArtifact(join(work, 'x', 'model.onnx'), 'cpu');

        // Act
        await reg.addVariant({ ...ref, version: v.version, target: 'pixel-tflite', artifactPath: dir });
        await reg.addVariant({ ...ref, version: v.version, target: 'x86-fp32', artifactPath: file });
        const got = await reg.getVariant({
          ...ref,
          version: v.version,
          target: 'pixel-tflite',
          output: join(work, 'o'),
        });

        // Assess
        expect((await reg.listVariants({ ...ref, version: v.version })).map((x) => x.target)).toEqual([
          'pixel-tflite',
          'x86-fp32',
        ]);
        expect(await readFile(join(got.path, 'labels.txt'), 'utf8')).toBe('a\nb');
      });

      it('refuses unknown versions, unknown targets and bad target names', async () => {
        // Prepare
        const v = await register();
        const file = await writeFileArtifact(join(work, 'e', 'm.engine'), 'e');

        // Act / Assess
        await rejection(
          reg.addVariant({ ...ref, version: '9.9.9', target: 'orin', artifactPath: file }),
          VersionNotFoundError,
        );
        await rejection(
          reg.getVariant({ ...ref, version: v.version, target: 'orin', output: join(work, 'o') }),
          NotFoundError,
        );
        await rejection(
          reg.addVariant({ ...ref, version: v.version, target: '../escape', artifactPath: file }),
          ValidationError,
        );
        expect(await reg.listVariants({ ...ref, version: v.version })).toEqual([]);
      });
    });

    describe('deployments', () => {
      it('lists by version, by model, and across models by fleet, site and customer', async () => {
        // Prepare
        const a = await register();
        const other = { ...ref, modelName: 'planner' };
        const b = await register(other);
        const place = (fleet: string, site: string, customer: string) => ({
          env: 'prod',
          fleet,
          site,
          customer,
        });

        // Act
        const d1 = await reg.recordDeployment({
          ...ref,
          version: a.version,
          ...place('f1', 's1', 'acme'),
          by: 'ci',
        });
        const d2 = await reg.recordDeployment({ ...ref, version: a.version, ...place('f2', 's1', 'globex') });
        const d3 = await reg.recordDeployment({ ...other, version: b.version, ...place('f1', 's2', 'acme') });

        // Assess
        const ids = (list: { id: string }[]) => list.map((d) => d.id);
        expect(ids(await reg.listDeployments({ ...ref, version: a.version }))).toEqual([d1.id, d2.id]);
        expect(ids(await reg.listDeployments({ ...other }))).toEqual([d3.id]);
        expect(ids(await reg.listDeployments({ fleet: 'f1' }))).toEqual([d1.id, d3.id]);
        expect(ids(await reg.listDeployments({ site: 's1' }))).toEqual([d1.id, d2.id]);
        expect(ids(await reg.listDeployments({ customer: 'acme' }))).toEqual([d1.id, d3.id]);
        expect(d1.by).toBe('ci');
        expect(d2.by).toBe('contract-tester');
        expect((await actionsOf()).filter((x) => x === 'deployment.record')).toHaveLength(2);
      });

      it('answers the running deployment when the same one is recorded again, and writes nothing', async () => {
        // Prepare
        const v = await register();
        const where = { env: 'prod', fleet: 'f', site: 's', customer: 'c' };
        const first = await reg.recordDeployment({ ...ref, version: v.version, ...where });
        const eventsBefore = (await actionsOf()).length;

        // Act
        const again = await reg.recordDeployment({
          ...ref,
          version: v.version,
          ...where,
          by: 'someone-else',
        });
        const elsewhere = await reg.recordDeployment({ ...ref, version: v.version, ...where, site: 's2' });

        // Assess
        expect(again).toMatchObject({ id: first.id, status: 'active', alreadyRunning: true });
        expect(first).not.toHaveProperty('alreadyRunning');
        expect(elsewhere.id).not.toBe(first.id);
        expect(elsewhere).not.toHaveProperty('alreadyRunning');
        expect((await reg.listDeployments({ ...ref })).map((d) => d.id)).toEqual([first.id, elsewhere.id]);
        expect((await actionsOf()).length).toBe(eventsBefore + 1);
      });

      it('records the same deployment anew once the running one has ended', async () => {
        // Prepare
        const v = await register();
        const where = { env: 'prod', fleet: 'f', site: 's', customer: 'c' };
        const first = await reg.recordDeployment({ ...ref, version: v.version, ...where });
        await reg.endDeployment({ id: first.id, reason: 'paused' });

        // Act
        const second = await reg.recordDeployment({ ...ref, version: v.version, ...where });
        const third = await reg.recordDeployment({ ...ref, version: v.version, ...where });

        // Assess
        expect(second.id).not.toBe(first.id);
        expect(second).not.toHaveProperty('alreadyRunning');
        expect(third).toMatchObject({ id: second.id, alreadyRunning: true });
        expect((await reg.listDeployments({ ...ref, active: true })).map((d) => d.id)).toEqual([second.id]);
      });

      it('records one deployment when 8 writers record the same one at once', async () => {
        // Prepare
        const v = await register();
        const where = { env: 'prod', fleet: 'f', site: 's', customer: 'c' };

        // Act
        const answers = await Promise.all(
          Array.from({ length: 8 }, () => reg.recordDeployment({ ...ref, version: v.version, ...where })),
        );

        // Assess
        const running = await reg.listDeployments({ ...ref, active: true });
        expect(running).toHaveLength(1);
        expect(new Set(answers.map((a) => a.id))).toEqual(new Set([running[0]!.id]));
        expect(answers.filter((a) => !('alreadyRunning' in a))).toHaveLength(1);
        expect((await actionsOf()).filter((x) => x === 'deployment.record')).toHaveLength(1);
      });

      it('refuses control characters in who deployed it, the end reason and a variant’s builder', async () => {
        // Prepare
        const v = await register();
        const where = { env: 'prod', fleet: 'f', site: 's', customer: 'c' };
        const engine = await writeFileArtifact(join(work, 'b', 'model.engine'), 'e');

        // Act
        const by = await rejection(
          reg.recordDeployment({ ...ref, version: v.version, ...where, by: 'ops\u001b[31m' }),
          ValidationError,
        );
        const builder = await rejection(
          reg.addVariant({
            ...ref,
            version: v.version,
            target: 'orin',
            artifactPath: engine,
            builder: 'trt\u001b]0;x',
          }),
          ValidationError,
        );
        const d = await reg.recordDeployment({ ...ref, version: v.version, ...where });
        const reason = await rejection(
          reg.endDeployment({ id: d.id, reason: 'drained\u001b[2K' }),
          ValidationError,
        );

        // Assess
        expect(by.message).toContain('U+001B');
        expect(builder.message).toContain('U+001B');
        expect(reason.message).toContain('U+001B');
        expect(await reg.listVariants({ ...ref, version: v.version })).toEqual([]);
        expect((await reg.listDeployments({ ...ref, active: true })).map((x) => x.id)).toEqual([d.id]);
        expect((await reg.endDeployment({ id: d.id, reason: 'drained\nby ops' })).endReason).toBe(
          'drained\nby ops',
        );
      });

      it('ends a deployment once: it is no longer running, and ending again is refused', async () => {
        // Prepare
        const v = await register();
        const d = await reg.recordDeployment({
          ...ref,
          version: v.version,
          env: 'prod',
          fleet: 'f',
          site: 's',
          customer: 'c',
        });

        // Act
        const ended = await reg.endDeployment({ id: d.id, reason: 'fleet retired' });

        // Assess
        expect(ended.status).toBe('ended');
        expect(await reg.listDeployments({ ...ref, active: true })).toEqual([]);
        expect((await reg.listDeployments({ fleet: 'f' })).map((x) => x.status)).toEqual(['ended']);
        await rejection(reg.endDeployment({ id: d.id }), ConflictError);
        await rejection(reg.endDeployment({ id: 'no-such-id' }), NotFoundError);
        expect((await actionsOf()).filter((x) => x === 'deployment.end')).toHaveLength(1);
      });

      it('refuses an archived version and a variant the version does not have', async () => {
        // Prepare
        const v = await register();
        const where = { env: 'prod', fleet: 'f', site: 's', customer: 'c' };

        // Act / Assess
        await rejection(
          reg.recordDeployment({ ...ref, version: v.version, variant: 'orin', ...where }),
          NotFoundError,
        );
        await reg.archive({ ...ref, version: v.version });
        await rejection(
          reg.recordDeployment({ ...ref, version: v.version, ...where }),
          InvalidTransitionError,
        );
        expect(await reg.listDeployments({ ...ref })).toEqual([]);
      });

      it('refuses a deprecated version, which stays fetchable', async () => {
        // Prepare
        const v = await register();
        await reg.deprecate({ ...ref, version: v.version, reason: 'trained on the leaked split' });

        // Act
        const error = await rejection(
          reg.recordDeployment({
            ...ref,
            version: v.version,
            env: 'prod',
            fleet: 'f',
            site: 's',
            customer: 'c',
          }),
          InvalidTransitionError,
        );

        // Assess
        expect(error.message).toContain('deprecated and not eligible for new deployments');
        expect(await reg.listDeployments({ ...ref })).toEqual([]);
      });

      it('after a rollback, shows which deployments still run the version rolled back from', async () => {
        // Prepare
        const old = await register();
        const next = await register();
        await reg.promote({ ...ref, version: old.version, to: 'staging' });
        await reg.promote({ ...ref, version: old.version, to: 'production' });
        const where = { env: 'prod', site: 's', customer: 'c' };
        const onOld = await reg.recordDeployment({ ...ref, version: old.version, fleet: 'f0', ...where });
        await reg.promote({ ...ref, version: next.version, to: 'staging' });
        await reg.promote({ ...ref, version: next.version, to: 'production' });
        const onNext = await reg.recordDeployment({ ...ref, version: next.version, fleet: 'f1', ...where });
        const canary = await register();
        await reg.promote({ ...ref, version: canary.version, to: 'staging' });
        const onCanary = await reg.recordDeployment({
          ...ref,
          version: canary.version,
          fleet: 'f2',
          ...where,
        });

        // Act
        const rolled = await reg.rollback({ ...ref, reason: 'regression' });
        const running = await reg.listDeployments({ ...ref, active: true });
        const explained = await reg.explain({ ...ref, version: next.version });

        // Assess
        expect((await reg.info({ ...ref, stage: 'production' })).version).toBe(old.version);
        expect(running.map((d) => [d.id, d.version])).toEqual([
          [onOld.id, old.version],
          [onNext.id, next.version],
          [onCanary.id, canary.version],
        ]);
        // still running the version rolled back from; the staging canary is not stale
        expect(rolled.archivedVersion).toBe(next.version);
        expect((await reg.stillRunning(ref, rolled.archivedVersion)).map((d) => d.id)).toEqual([onNext.id]);
        expect(await reg.stillRunning(ref, null)).toEqual([]);
        expect(explained.deployments.running.map((d) => d.id)).toEqual([onNext.id]);
        expect(explained.events.map((e) => e.kind)).toContain('archive');
      });
    });
  });
}

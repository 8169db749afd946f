/**
 * The backend contract: one suite of behaviour tests over the Registry use cases that
 * every backend (embedded SQLite, DynamoDB + S3 + SNS …) must pass unchanged. Tests see
 * the backend only through the Registry API and the events its notifier published.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LIMITS, type RegisterInput } from '../../src/app/inputs.js';
import type { Clock } from '../../src/core/ports.js';
import {
  AliasNotFoundError,
  type AuditEvent,
  ConflictError,
  InvalidTransitionError,
  ModelNotFoundError,
  type ModelVersion,
  type Registry,
  type RegistryEvent,
  type Stage,
  ValidationError,
  VersionExistsError,
  VersionNotFoundError,
} from '../../src/index.js';
import { readTree, sha256, writeFileArtifact, writeTree } from '../support/artifacts.js';
import { describeSigningContract } from './signing-contract.js';

/** How a test asks the backend for a registry: an injected clock and a default actor. */
export interface RegistryOptions {
  clock?: Clock;
  actor?: string;
}

/** One fresh, isolated backend, as the contract suite sees it. */
export interface ContractBackend {
  /** A new Registry over this backend (a second call gives a second, independent client). */
  registry: (options?: RegistryOptions) => Registry;
  /** What the notifier published, in order. */
  events: () => Promise<RegistryEvent[]>;
  /** Releases everything the backend holds (connections, temp dirs, tables). */
  cleanup: () => Promise<void>;
  /** Signing: overwrites a stored single-file artifact's bytes behind the registry's back (tamper tests). */
  overwriteArtifact?: (uri: string, content: string) => Promise<void>;
}

/** Awaits a promise that must reject with `type`; checks both the class and its stable name. */
export async function rejection<E extends Error>(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => E,
): Promise<E> {
  const outcome = await promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (outcome.ok) {
    expect.fail(`expected ${type.name}, but the call resolved with ${JSON.stringify(outcome.value)}`);
  }
  expect(outcome.error).toBeInstanceOf(type);
  expect((outcome.error as Error).name).toBe(type.name);
  return outcome.error as E;
}

const ALL_STAGES: readonly Stage[] = ['development', 'staging', 'production', 'archived'];

/** The lifecycle of the design notes, written out independently of the core's table. */
const ALLOWED: Record<'promote' | 'demote' | 'archive' | 'rollback', readonly string[]> = {
  promote: ['development→staging', 'staging→production'],
  demote: ['production→staging', 'production→development', 'staging→development'],
  archive: ['development→archived', 'staging→archived', 'production→archived'],
  rollback: ['staging→production', 'archived→production'],
};

const DAY_MS = 86_400_000;

/** Runs the contract suite against one backend; `makeBackend` is called once per test. */
export function describeRegistryContract(
  backendName: string,
  makeBackend: () => Promise<ContractBackend>,
): void {
  describe(`Registry contract: ${backendName}`, () => {
    let backend: ContractBackend;
    let work: string;
    let reg: Registry;
    let ref: { useCase: string; modelName: string };
    let artifactCount = 0;

    beforeEach(async () => {
      backend = await makeBackend();
      work = await mkdtemp(join(tmpdir(), 'modelreg-contract-work-'));
      reg = backend.registry({ actor: 'contract-tester' });
      ref = { useCase: unique('uc'), modelName: 'churn' };
    });

    afterEach(async () => {
      await backend.cleanup();
      await rm(work, { recursive: true, force: true });
    });

    function unique(prefix: string): string {
      return `${prefix}-${randomUUID().slice(0, 8)}`;
    }

    /** A fresh single-file artifact with unique bytes. */
    async function artifact(content?: string): Promise<string> {
      artifactCount += 1;
      return writeFileArtifact(
        join(work, `src-${artifactCount}`, 'model.bin'),
        content ?? `weights #${artifactCount} ${randomUUID()}\n`,
      );
    }

    async function register(input: Partial<RegisterInput> = {}, registry = reg): Promise<ModelVersion> {
      return registry.register({ ...ref, artifactPath: await artifact(), ...input });
    }

    /** Registers `count` versions (1.0.0 …) and returns their version strings. */
    async function registerMany(count: number, registry = reg): Promise<string[]> {
      const out: string[] = [];
      for (let i = 0; i < count; i++) out.push((await register({}, registry)).version);
      return out;
    }

    async function stageOf(version: string, registry = reg): Promise<Stage> {
      return (await registry.info({ ...ref, version })).stage;
    }

    /** Moves a freshly registered (development) version into `stage` with the ordinary verbs. */
    async function putIn(version: string, stage: Stage, registry = reg): Promise<void> {
      if (stage === 'development') return;
      if (stage === 'archived') {
        await registry.archive({ ...ref, version, force: true });
        return;
      }
      await registry.promote({ ...ref, version, to: 'staging' });
      if (stage === 'production') await registry.promote({ ...ref, version, to: 'production' });
    }

    async function auditOf(model = ref, registry = reg): Promise<AuditEvent[]> {
      const events: AuditEvent[] = [];
      let cursor: string | null = null;
      do {
        const page = await registry.auditTrail({ ...model, limit: 1000, cursor });
        events.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor !== null);
      return events;
    }

    async function eventsOf(model = ref): Promise<RegistryEvent[]> {
      return (await backend.events()).filter(
        (e) => e.useCase === model.useCase && e.modelName === model.modelName,
      );
    }

    /** How much the model has recorded and announced: compared before and after no-op calls. */
    async function footprint(): Promise<{ audit: number; events: number; versions: number }> {
      const head = (await reg.listModels({ useCase: ref.useCase })).items.find(
        (m) => m.modelName === ref.modelName,
      );
      return {
        audit: (await auditOf()).length,
        events: (await eventsOf()).length,
        versions: head?.versionCount ?? 0,
      };
    }

    describe('register', () => {
      it('gives the first version 1.0.0 in development', async () => {
        // Act
        const v = await register();

        // Assess
        expect(v).toMatchObject({ ...ref, version: '1.0.0', stage: 'development', aliases: [] });
        expect(await stageOf('1.0.0')).toBe('development');
      });

      it('bumps the patch version of the highest version when none is pinned', async () => {
        // Act
        const versions = await registerMany(3);

        // Assess
        expect(versions).toEqual(['1.0.0', '1.0.1', '1.0.2']);
      });

      it('bumps the minor or major version on request', async () => {
        // Prepare
        await register();

        // Act
        const minor = await register({ bump: 'minor' });
        const major = await register({ bump: 'major' });
        const patch = await register();

        // Assess
        expect([minor.version, major.version, patch.version]).toEqual(['1.1.0', '2.0.0', '2.0.1']);
      });

      it('keeps a pinned version, and bumps past it afterwards', async () => {
        // Act
        const pinned = await register({ version: '3.4.5' });
        const next = await register();

        // Assess
        expect(pinned.version).toBe('3.4.5');
        expect(next.version).toBe('3.4.6');
        expect((await reg.info({ ...ref, version: '3.4.5' })).version).toBe('3.4.5');
      });

      it('accepts a pre-release version', async () => {
        // Act
        const v = await register({ version: '2.0.0-rc.1' });

        // Assess
        expect(v.version).toBe('2.0.0-rc.1');
        expect((await reg.info({ ...ref, version: '2.0.0-rc.1' })).stage).toBe('development');
      });

      it('refuses a pinned version that already exists and changes nothing', async () => {
        // Prepare
        const first = await register({ version: '1.2.0', metrics: { auc: 0.8 } });
        const before = await footprint();

        // Act
        const error = await rejection(
          register({ version: '1.2.0', metrics: { auc: 0.99 } }),
          VersionExistsError,
        );

        // Assess
        expect(error.message).toContain('1.2.0');
        expect(await footprint()).toEqual(before);
        const kept = await reg.info({ ...ref, version: '1.2.0' });
        expect(kept.metrics).toEqual({ auc: 0.8 });
        expect(kept.artifact.sha256).toBe(first.artifact.sha256);
      });

      it('round-trips metrics, metadata, lineage and tags through info', async () => {
        // Prepare
        const input = {
          metrics: { auc: 0.91, f1: 0.72, 'log.loss': 0.31 },
          metadata: { framework: 'sklearn', params: { C: 0.5, penalty: 'l2' }, features: ['a', 'b'] },
          lineage: {
            runId: unique('run'),
            datasetVersion: 'ds-2025-01',
            codeVersion: 'abc1234',
            curationRuleset: 'curation-v3',
            configHash: 'sha256:9f2c',
            featureSet: { name: 'transactions', version: '7' },
            parent: null,
          },
          tags: { team: 'risk', 'owner:email': 'ml@example.com' },
        };

        // Act
        const registered = await register(input);
        const read = await reg.info({ ...ref, version: registered.version });

        // Assess
        expect(read.metrics).toEqual(input.metrics);
        expect(read.metadata).toEqual(input.metadata);
        expect(read.lineage).toEqual(input.lineage);
        expect(read.tags).toEqual(input.tags);
        expect(read).toEqual(registered);
      });

      it('fills lineage with nulls and metrics, metadata and tags with empty objects when not given', async () => {
        // Act
        const v = await register();

        // Assess
        expect(v.lineage).toEqual({
          runId: null,
          datasetVersion: null,
          codeVersion: null,
          curationRuleset: null,
          configHash: null,
          featureSet: null,
          parent: null,
        });
        expect(v.metrics).toEqual({});
        expect(v.metadata).toEqual({});
        expect(v.tags).toEqual({});
      });

      it('records the sha256 and size of the artifact file', async () => {
        // Prepare
        const content = `binary-ish ${'x'.repeat(1000)} ${randomUUID()}`;
        const path = await artifact(content);

        // Act
        const v = await reg.register({ ...ref, artifactPath: path });

        // Assess
        expect(v.artifact.sha256).toBe(sha256(content));
        expect(v.artifact.sizeBytes).toBe(Buffer.byteLength(content));
        expect(v.artifact.uri).not.toBe('');
        expect((await reg.info({ ...ref, version: v.version })).artifact).toEqual(v.artifact);
      });

      it('keeps __proto__ and constructor as ordinary metric, tag and metadata names', async () => {
        // Prepare: own keys named like Object.prototype's, as JSON.parse gives them
        const hostile = JSON.parse('{"__proto__": 1, "constructor": 2, "auc": 0.9}');
        const tags = JSON.parse('{"__proto__": "a", "constructor": "b"}');
        const metadata = JSON.parse('{"__proto__": {"x": 1}, "toString": "t"}');

        // Act
        const v = await register({ metrics: hostile, tags, metadata });
        const back = await reg.info({ ...ref, version: v.version });

        // Assess
        for (const got of [v, back]) {
          expect(Object.keys(got.metrics).sort()).toEqual(['__proto__', 'auc', 'constructor']);
          expect(Object.getOwnPropertyDescriptor(got.metrics, '__proto__')?.value).toBe(1);
          expect(Object.entries(got.tags).sort()).toEqual([
            ['__proto__', 'a'],
            ['constructor', 'b'],
          ]);
          expect(Object.keys(got.metadata).sort()).toEqual(['__proto__', 'toString']);
        }
      });

      it('holds metadata, metrics and tags up to their limits, and refuses more saying the limit', async () => {
        // Prepare: just under each limit (what fits one DynamoDB item), then one over
        const big = { notes: 'x'.repeat(LIMITS.metadataBytes - 100) };
        const metrics = Object.fromEntries(
          Array.from({ length: LIMITS.metrics }, (_, i) => [`m${i}`, i / 1000]),
        );
        const tags = Object.fromEntries(
          Array.from({ length: LIMITS.tags }, (_, i) => [`t${i}`, 'v'.repeat(256)]),
        );

        // Act
        const v = await register({ metadata: big, metrics, tags });
        const tooBig = await rejection(
          register({ metadata: { notes: 'x'.repeat(LIMITS.metadataBytes) } }),
          ValidationError,
        );
        const tooMany = await rejection(register({ metrics: { ...metrics, extra: 1 } }), ValidationError);
        const tooManyTags = await rejection(register({ tags: { ...tags, extra: 'v' } }), ValidationError);

        // Assess
        expect((await reg.info({ ...ref, version: v.version })).metadata).toEqual(big);
        expect(tooBig.message).toContain(`the limit is ${LIMITS.metadataBytes} bytes`);
        expect(tooMany.message).toContain(`the limit is ${LIMITS.metrics}`);
        expect(tooManyTags.message).toContain(`the limit is ${LIMITS.tags}`);
        expect((await reg.listVersions({ ...ref })).items).toHaveLength(1);
      });

      it('refuses control characters in tag values and lineage, registering nothing', async () => {
        // Act
        const error = await rejection(register({ tags: { note: 'red\u001b[31m' } }), ValidationError);
        const lineage = await rejection(
          register({
            lineage: { runId: 'run\u001b]0;owned\u0007', datasetVersion: null, codeVersion: null },
          }),
          ValidationError,
        );

        // Assess
        expect(error.message).toContain('control characters');
        expect(lineage.message).toContain('runId must not contain control characters');
        await rejection(reg.info({ ...ref, version: '1.0.0' }), ModelNotFoundError);
      });

      it('records who registered and when, from the registry actor and clock', async () => {
        // Prepare
        const at = new Date('2025-02-03T04:05:06.000Z');
        const registry = backend.registry({ actor: 'alice', clock: { now: () => at } });

        // Act
        const byDefault = await register({}, registry);
        const named = await register({ registeredBy: 'bob' }, registry);

        // Assess
        expect(byDefault).toMatchObject({
          registeredBy: 'alice',
          registeredAt: at.toISOString(),
          stageUpdatedAt: at.toISOString(),
        });
        expect(named.registeredBy).toBe('bob');
      });

      it('refuses a missing artifact with ValidationError and registers nothing', async () => {
        // Act
        await rejection(
          reg.register({ ...ref, artifactPath: join(work, 'does-not-exist.bin') }),
          ValidationError,
        );

        // Assess
        await rejection(reg.info({ ...ref, version: '1.0.0' }), ModelNotFoundError);
        expect((await reg.listModels({ useCase: ref.useCase })).items).toEqual([]);
        expect(await eventsOf()).toEqual([]);
      });

      it('refuses a missing artifact for an existing model without adding a version', async () => {
        // Prepare
        await register();
        const before = await footprint();

        // Act
        await rejection(
          reg.register({ ...ref, artifactPath: join(work, 'nope', 'model.bin') }),
          ValidationError,
        );

        // Assess
        expect(await footprint()).toEqual(before);
        await rejection(reg.info({ ...ref, version: '1.0.1' }), VersionNotFoundError);
      });

      it('refuses an empty artifact directory with ValidationError', async () => {
        // Prepare
        const empty = join(work, 'empty-dir');
        await writeTree(empty, {});
        await mkdir(empty, { recursive: true });

        // Act / Assess
        await rejection(reg.register({ ...ref, artifactPath: empty }), ValidationError);
        expect((await reg.listModels({ useCase: ref.useCase })).items).toEqual([]);
      });

      const badNames = ['', 'bad/name', '../escape', 'has space', '.hidden', 'a..b', 'x'.repeat(129), 'ünï'];
      it.each(badNames)('refuses the use case name %j with ValidationError', async (name) => {
        // Act / Assess
        await rejection(register({ useCase: name }), ValidationError);
      });

      it.each(badNames)('refuses the model name %j with ValidationError', async (name) => {
        // Act / Assess
        await rejection(register({ modelName: name }), ValidationError);
        expect((await reg.listModels({ useCase: ref.useCase })).items).toEqual([]);
      });

      it.each(['1.0', 'v1.0.0', '01.0.0', '1.0.0.0', '1.0.0+build.7', 'latest', ' 1.0.0', ''])(
        'refuses the version %j with ValidationError',
        async (version) => {
          // Act / Assess
          await rejection(register({ version }), ValidationError);
          expect((await reg.listModels({ useCase: ref.useCase })).items).toEqual([]);
        },
      );

      it.each([
        { metrics: { '1auc': 0.9 } },
        { metrics: { 'has space': 0.9 } },
        { metrics: { '': 1 } },
        { metrics: { auc: Number.NaN } },
        { metrics: { auc: Number.POSITIVE_INFINITY } },
        { metrics: { auc: '0.9' as unknown as number } },
      ])('refuses the metrics $metrics with ValidationError', async ({ metrics }) => {
        // Act / Assess
        await rejection(register({ metrics }), ValidationError);
        expect((await reg.listModels({ useCase: ref.useCase })).items).toEqual([]);
      });

      it('refuses an unknown bump with ValidationError', async () => {
        // Act / Assess
        await rejection(register({ bump: 'huge' }), ValidationError);
      });
    });

    describe('listVersions', () => {
      it('lists newest first by semver precedence, not by string or registration order', async () => {
        // Prepare
        for (const version of ['1.2.0', '1.10.0', '1.9.0']) await register({ version });

        // Act
        const page = await reg.listVersions(ref);

        // Assess
        expect(page.items.map((v) => v.version)).toEqual(['1.10.0', '1.9.0', '1.2.0']);
        expect(page.nextCursor).toBeNull();
      });

      it('orders pre-releases below their release', async () => {
        // Prepare
        for (const version of ['2.0.0', '2.0.0-rc.2', '2.0.0-rc.10', '2.0.0-beta', '1.9.9']) {
          await register({ version });
        }

        // Act
        const page = await reg.listVersions(ref);

        // Assess
        expect(page.items.map((v) => v.version)).toEqual([
          '2.0.0',
          '2.0.0-rc.10',
          '2.0.0-rc.2',
          '2.0.0-beta',
          '1.9.9',
        ]);
      });

      it('filters by stage', async () => {
        // Prepare
        const [a, b, c, d] = await registerMany(4);
        await putIn(a!, 'staging');
        await putIn(c!, 'staging');
        await putIn(d!, 'archived');

        // Act
        const staging = await reg.listVersions({ ...ref, stage: 'staging' });
        const development = await reg.listVersions({ ...ref, stage: 'development' });
        const production = await reg.listVersions({ ...ref, stage: 'production' });

        // Assess
        expect(staging.items.map((v) => v.version)).toEqual([c, a]);
        expect(staging.items.every((v) => v.stage === 'staging')).toBe(true);
        expect(development.items.map((v) => v.version)).toEqual([b]);
        expect(production.items).toEqual([]);
      });

      it('walks every version with limit and nextCursor, without duplicates', async () => {
        // Prepare
        const versions = await registerMany(5);

        // Act
        const seen: string[] = [];
        const cursors: (string | null)[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const page = await reg.listVersions({ ...ref, limit: 2, cursor });
          expect(page.items.length).toBeLessThanOrEqual(2);
          seen.push(...page.items.map((v) => v.version));
          cursor = page.nextCursor;
          cursors.push(cursor);
          pages += 1;
        } while (cursor !== null && pages < 10);

        // Assess
        expect(seen).toEqual([...versions].reverse());
        expect(new Set(seen).size).toBe(5);
        expect(pages).toBe(3);
        expect(cursors.at(-1)).toBeNull();
      });

      it('pages within a stage filter', async () => {
        // Prepare
        const versions = await registerMany(5);
        for (const v of versions.slice(0, 4)) await putIn(v, 'staging');

        // Act
        const first = await reg.listVersions({ ...ref, stage: 'staging', limit: 3 });
        const second = await reg.listVersions({
          ...ref,
          stage: 'staging',
          limit: 3,
          cursor: first.nextCursor,
        });

        // Assess
        expect(first.items.map((v) => v.version)).toEqual(['1.0.3', '1.0.2', '1.0.1']);
        expect(second.items.map((v) => v.version)).toEqual(['1.0.0']);
        expect(second.nextCursor).toBeNull();
      });

      it.each(['not-a-cursor!', '%%%', 'eyJub3QiOiJhIGN1cnNvciJ9'])(
        'refuses the invalid cursor %j with ValidationError',
        async (cursor) => {
          // Prepare
          await registerMany(3);

          // Act / Assess
          await rejection(reg.listVersions({ ...ref, limit: 1, cursor }), ValidationError);
        },
      );

      it.each([0, 1001, 1.5])('refuses the limit %j with ValidationError', async (limit) => {
        // Prepare
        await register();

        // Act / Assess
        await rejection(reg.listVersions({ ...ref, limit }), ValidationError);
      });

      it('refuses an unknown model with ModelNotFoundError', async () => {
        // Act / Assess
        await rejection(reg.listVersions(ref), ModelNotFoundError);
      });
    });

    describe('listModels and listInStage', () => {
      it('lists the models of a use case by name with their production and latest version', async () => {
        // Prepare
        const a = { ...ref, modelName: 'alpha' };
        const b = { ...ref, modelName: 'beta' };
        const other = { useCase: unique('uc-other'), modelName: 'gamma' };
        await register({ ...a });
        await register({ ...a });
        await reg.promote({ ...a, version: '1.0.0', to: 'staging' });
        await reg.promote({ ...a, version: '1.0.0', to: 'production' });
        await reg.setAlias({ ...a, version: '1.0.1', name: 'candidate' });
        await register({ ...b, version: '0.3.0' });
        await register({ ...other });

        // Act
        const page = await reg.listModels({ useCase: ref.useCase });

        // Assess
        expect(page.nextCursor).toBeNull();
        expect(page.items.map((m) => m.modelName)).toEqual(['alpha', 'beta']);
        expect(page.items[0]).toMatchObject({
          useCase: ref.useCase,
          modelName: 'alpha',
          productionVersion: '1.0.0',
          latestVersion: '1.0.1',
          versionCount: 2,
          aliases: { candidate: '1.0.1' },
        });
        expect(page.items[0]!.productionSince).toEqual(expect.any(String));
        expect(page.items[1]).toMatchObject({
          modelName: 'beta',
          productionVersion: null,
          productionSince: null,
          latestVersion: '0.3.0',
          versionCount: 1,
          aliases: {},
        });
      });

      it('pages through the models of a use case', async () => {
        // Prepare
        for (const modelName of ['m1', 'm2', 'm3']) await register({ modelName });

        // Act
        const first = await reg.listModels({ useCase: ref.useCase, limit: 2 });
        const second = await reg.listModels({ useCase: ref.useCase, limit: 2, cursor: first.nextCursor });

        // Assess
        expect(first.items.map((m) => m.modelName)).toEqual(['m1', 'm2']);
        expect(second.items.map((m) => m.modelName)).toEqual(['m3']);
        expect(second.nextCursor).toBeNull();
      });

      it('answers an empty page for a use case without models', async () => {
        // Act
        const page = await reg.listModels({ useCase: unique('empty') });

        // Assess
        expect(page).toEqual({ items: [], nextCursor: null });
      });

      it('lists the production versions across the models of a use case', async () => {
        // Prepare
        for (const modelName of ['alpha', 'beta', 'gamma']) {
          await register({ modelName });
          await register({ modelName });
        }
        const alpha = { ...ref, modelName: 'alpha' };
        const beta = { ...ref, modelName: 'beta' };
        await reg.promote({ ...alpha, version: '1.0.1', to: 'staging' });
        await reg.promote({ ...alpha, version: '1.0.1', to: 'production' });
        await reg.promote({ ...beta, version: '1.0.0', to: 'staging' });
        await reg.promote({ ...beta, version: '1.0.0', to: 'production' });
        await reg.promote({ ...ref, modelName: 'gamma', version: '1.0.0', to: 'staging' });

        // Act
        const production = await reg.listInStage({ stage: 'production', useCase: ref.useCase });
        const staging = await reg.listInStage({ stage: 'staging', useCase: ref.useCase });

        // Assess
        expect(production.items.map((v) => `${v.modelName}@${v.version}`)).toEqual([
          'alpha@1.0.1',
          'beta@1.0.0',
        ]);
        expect(production.items.every((v) => v.stage === 'production' && v.useCase === ref.useCase)).toBe(
          true,
        );
        expect(staging.items.map((v) => `${v.modelName}@${v.version}`)).toEqual(['gamma@1.0.0']);
      });

      it('pages through versions in a stage across models', async () => {
        // Prepare
        for (const modelName of ['alpha', 'beta']) {
          await register({ modelName });
          await register({ modelName });
        }

        // Act
        const seen: string[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const page = await reg.listInStage({
            stage: 'development',
            useCase: ref.useCase,
            limit: 3,
            cursor,
          });
          seen.push(...page.items.map((v) => `${v.modelName}@${v.version}`));
          cursor = page.nextCursor;
          pages += 1;
        } while (cursor !== null && pages < 10);

        // Assess
        expect(seen).toEqual(['alpha@1.0.1', 'alpha@1.0.0', 'beta@1.0.1', 'beta@1.0.0']);
        expect(pages).toBe(2);
      });

      it('shows the aliases of the versions it lists', async () => {
        // Prepare
        await registerMany(2);
        await putIn('1.0.1', 'production');
        await reg.setAlias({ ...ref, version: '1.0.1', name: 'live' });

        // Act
        const page = await reg.listInStage({ stage: 'production', useCase: ref.useCase });

        // Assess
        expect(page.items.map((v) => [v.version, v.aliases])).toEqual([['1.0.1', ['live']]]);
      });

      it.each([
        { name: 'an unknown stage', input: { stage: 'canary' as Stage } },
        { name: 'a zero limit', input: { stage: 'production' as Stage, limit: 0 } },
        { name: 'a bad use case', input: { stage: 'production' as Stage, useCase: 'bad/name' } },
        { name: 'an invalid cursor', input: { stage: 'production' as Stage, cursor: 'not-a-cursor!' } },
      ])('refuses $name with ValidationError', async ({ input }) => {
        // Prepare
        await register();

        // Act / Assess
        await rejection(reg.listInStage(input), ValidationError);
      });
    });

    describe('info', () => {
      async function prepare(): Promise<void> {
        await registerMany(4);
        await putIn('1.0.0', 'production');
        await putIn('1.0.1', 'staging');
        await putIn('1.0.2', 'staging');
        await reg.setAlias({ ...ref, version: '1.0.1', name: 'champion' });
      }

      it('finds a version by number', async () => {
        // Prepare
        await prepare();

        // Act
        const v = await reg.info({ ...ref, version: '1.0.2' });

        // Assess
        expect(v).toMatchObject({ ...ref, version: '1.0.2', stage: 'staging', aliases: [] });
      });

      it('finds the newest version in a stage', async () => {
        // Prepare
        await prepare();

        // Act
        const staging = await reg.info({ ...ref, stage: 'staging' });
        const development = await reg.info({ ...ref, stage: 'development' });
        const production = await reg.info({ ...ref, stage: 'production' });

        // Assess
        expect(staging.version).toBe('1.0.2');
        expect(development.version).toBe('1.0.3');
        expect(production).toMatchObject({ version: '1.0.0', stage: 'production' });
      });

      it('finds a version by alias, by model@alias and by version @alias', async () => {
        // Prepare
        await prepare();

        // Act
        const byAlias = await reg.info({ ...ref, alias: 'champion' });
        const byModelAt = await reg.info({ useCase: ref.useCase, modelName: `${ref.modelName}@champion` });
        const byVersionAt = await reg.info({ ...ref, version: '@champion' });

        // Assess
        for (const v of [byAlias, byModelAt, byVersionAt]) {
          expect(v).toMatchObject({ ...ref, version: '1.0.1', aliases: ['champion'] });
        }
      });

      it('refuses an unknown version with VersionNotFoundError', async () => {
        // Prepare
        await prepare();

        // Act / Assess
        const error = await rejection(reg.info({ ...ref, version: '9.9.9' }), VersionNotFoundError);
        expect(error.message).toContain('9.9.9');
      });

      it('refuses a stage without versions with VersionNotFoundError', async () => {
        // Prepare
        await prepare();

        // Act / Assess
        await rejection(reg.info({ ...ref, stage: 'archived' }), VersionNotFoundError);
      });

      it('refuses an unknown model with ModelNotFoundError', async () => {
        // Prepare
        await prepare();

        // Act / Assess
        await rejection(reg.info({ ...ref, modelName: 'nobody', version: '1.0.0' }), ModelNotFoundError);
        await rejection(reg.info({ ...ref, modelName: 'nobody', stage: 'production' }), ModelNotFoundError);
        await rejection(reg.info({ ...ref, modelName: 'nobody@champion' }), ModelNotFoundError);
      });

      it('refuses an unknown alias with AliasNotFoundError, in every spelling', async () => {
        // Prepare
        await prepare();

        // Act / Assess
        await rejection(reg.info({ ...ref, alias: 'ghost' }), AliasNotFoundError);
        await rejection(reg.info({ ...ref, modelName: `${ref.modelName}@ghost` }), AliasNotFoundError);
        await rejection(reg.info({ ...ref, version: '@ghost' }), AliasNotFoundError);
      });

      it('refuses no selector or two selectors with ValidationError', async () => {
        // Prepare
        await prepare();

        // Act / Assess
        await rejection(reg.info({ ...ref }), ValidationError);
        await rejection(reg.info({ ...ref, version: '1.0.0', stage: 'production' }), ValidationError);
        await rejection(reg.info({ ...ref, version: 'not-a-version' }), ValidationError);
      });
    });

    describe('lifecycle transitions', () => {
      type Action = keyof typeof ALLOWED;
      const cases = [
        ...(['promote', 'demote'] as const).flatMap((action) =>
          ALL_STAGES.flatMap((from) =>
            ALL_STAGES.filter((to) => to !== from).map((to) => ({ action: action as Action, from, to })),
          ),
        ),
        ...(['development', 'staging', 'production'] as const).map((from) => ({
          action: 'archive' as Action,
          from: from as Stage,
          to: 'archived' as Stage,
        })),
        ...(['development', 'staging', 'archived'] as const).map((from) => ({
          action: 'rollback' as Action,
          from: from as Stage,
          to: 'production' as Stage,
        })),
      ].map((c) => ({ ...c, allowed: ALLOWED[c.action].includes(`${c.from}→${c.to}`) }));

      async function act(action: Action, version: string, to: Stage): Promise<Record<string, unknown>> {
        const sel = { ...ref, version };
        if (action === 'promote') return { ...(await reg.promote({ ...sel, to })) };
        if (action === 'demote') return { ...(await reg.demote({ ...sel, to })) };
        if (action === 'archive') return { ...(await reg.archive({ ...sel, force: true })) };
        return { ...(await reg.rollback(sel)) };
      }

      const flag: Record<Action, string> = {
        promote: 'promoted',
        demote: 'demoted',
        archive: 'archived',
        rollback: 'rolledBack',
      };

      it('covers every move the lifecycle allows', () => {
        // Assess
        expect(cases.filter((c) => c.allowed)).toHaveLength(10);
        expect(cases).toHaveLength(30);
      });

      it.each(cases.filter((c) => c.allowed))(
        '$action moves a version from $from to $to',
        async ({ action, from, to }) => {
          // Prepare
          const [version] = await registerMany(1);
          await putIn(version!, from);
          const auditBefore = (await auditOf()).length;

          // Act
          const result = await act(action, version!, to);

          // Assess
          expect(result).toMatchObject({ [flag[action]]: true, version, stage: to });
          expect(result[`already${flag[action][0]!.toUpperCase()}${flag[action].slice(1)}`]).toBeUndefined();
          expect(await stageOf(version!)).toBe(to);
          const last = (await auditOf()).slice(auditBefore);
          expect(last.map((e) => [e.action, e.version, e.fromStage, e.toStage])).toEqual([
            [action, version, from, to],
          ]);
        },
      );

      it.each(cases.filter((c) => !c.allowed))(
        '$action refuses to move a version from $from to $to',
        async ({ action, from, to }) => {
          // Prepare
          const [version] = await registerMany(1);
          await putIn(version!, from);
          const before = await footprint();

          // Act
          const error = await rejection(act(action, version!, to), InvalidTransitionError);

          // Assess
          expect(error.message).toContain(from);
          expect(await stageOf(version!)).toBe(from);
          expect(await footprint()).toEqual(before);
        },
      );

      it('refuses to promote an archived version without a target stage', async () => {
        // Prepare
        const [version] = await registerMany(1);
        await putIn(version!, 'archived');

        // Act / Assess
        await rejection(reg.promote({ ...ref, version: version! }), InvalidTransitionError);
        expect(await stageOf(version!)).toBe('archived');
      });

      it('promotes one stage up when no target stage is given', async () => {
        // Prepare
        const [version] = await registerMany(1);

        // Act
        const toStaging = await reg.promote({ ...ref, version: version! });
        const toProduction = await reg.promote({ ...ref, version: version! });

        // Assess
        expect(toStaging).toMatchObject({ promoted: true, stage: 'staging', archivedVersion: null });
        expect(toProduction).toMatchObject({ promoted: true, stage: 'production', archivedVersion: null });
        expect(await stageOf(version!)).toBe('production');
      });

      it('demotes to staging when no target stage is given', async () => {
        // Prepare
        const [version] = await registerMany(1);
        await putIn(version!, 'production');

        // Act
        const result = await reg.demote({ ...ref, version: version! });

        // Assess
        expect(result).toMatchObject({ demoted: true, version, stage: 'staging' });
        await rejection(reg.info({ ...ref, stage: 'production' }), VersionNotFoundError);
      });

      it('refuses to archive the production version without force and leaves it in production', async () => {
        // Prepare
        const [version] = await registerMany(1);
        await putIn(version!, 'production');
        const before = await footprint();

        // Act
        const error = await rejection(reg.archive({ ...ref, version: version! }), InvalidTransitionError);

        // Assess
        expect(error.message).toMatch(/force/);
        expect(await stageOf(version!)).toBe('production');
        expect(await footprint()).toEqual(before);
      });

      it('archives the production version with force, leaving nothing in production', async () => {
        // Prepare
        const [version] = await registerMany(1);
        await putIn(version!, 'production');

        // Act
        const result = await reg.archive({ ...ref, version: version!, force: true, reason: 'bad drift' });

        // Assess
        expect(result).toMatchObject({ archived: true, version, stage: 'archived' });
        expect(await stageOf(version!)).toBe('archived');
        await rejection(reg.info({ ...ref, stage: 'production' }), VersionNotFoundError);
        const model = (await reg.listModels({ useCase: ref.useCase })).items[0];
        expect(model?.productionVersion).toBeNull();
        const last = (await auditOf()).at(-1);
        expect(last).toMatchObject({
          action: 'archive',
          version,
          fromStage: 'production',
          toStage: 'archived',
          details: { reason: 'bad drift' },
        });
      });

      it('acts on versions named by alias, stage or model@alias', async () => {
        // Prepare
        await registerMany(2);
        await reg.setAlias({ ...ref, version: '1.0.1', name: 'candidate' });

        // Act
        const byAlias = await reg.promote({ ...ref, alias: 'candidate' });
        const byModelAt = await reg.promote({ ...ref, modelName: `${ref.modelName}@candidate` });
        const byStage = await reg.archive({ ...ref, stage: 'development' });

        // Assess
        expect(byAlias).toMatchObject({ version: '1.0.1', stage: 'staging' });
        expect(byModelAt).toMatchObject({ version: '1.0.1', stage: 'production' });
        expect(byStage).toMatchObject({ version: '1.0.0', stage: 'archived' });
      });

      it('refuses transitions of unknown versions and models', async () => {
        // Prepare
        await register();

        // Act / Assess
        await rejection(reg.promote({ ...ref, version: '2.0.0' }), VersionNotFoundError);
        await rejection(reg.demote({ ...ref, version: '2.0.0' }), VersionNotFoundError);
        await rejection(reg.archive({ ...ref, version: '2.0.0' }), VersionNotFoundError);
        await rejection(reg.rollback({ ...ref, version: '2.0.0' }), VersionNotFoundError);
        await rejection(reg.promote({ ...ref, modelName: 'nobody', version: '1.0.0' }), ModelNotFoundError);
        await rejection(reg.promote({ ...ref, alias: 'ghost' }), AliasNotFoundError);
      });
    });

    describe('promotion to production', () => {
      it('supersedes the previous production version in the same change', async () => {
        // Prepare
        await registerMany(2);
        await putIn('1.0.0', 'production');
        await putIn('1.0.1', 'staging');
        const auditBefore = (await auditOf()).length;
        const eventsBefore = (await eventsOf()).length;

        // Act
        const result = await reg.promote({ ...ref, version: '1.0.1', to: 'production' });

        // Assess
        expect(result).toEqual({
          promoted: true,
          version: '1.0.1',
          stage: 'production',
          archivedVersion: null,
          supersededVersion: '1.0.0',
          line: null,
        });
        const production = await reg.listVersions({ ...ref, stage: 'production' });
        expect(production.items.map((v) => v.version)).toEqual(['1.0.1']);
        expect(await stageOf('1.0.0')).toBe('superseded');
        const added = (await auditOf()).slice(auditBefore);
        expect(added.map((e) => [e.action, e.version, e.fromStage, e.toStage])).toEqual([
          ['promote', '1.0.1', 'staging', 'production'],
          ['supersede', '1.0.0', 'production', 'superseded'],
        ]);
        expect(added[0]!.details).toMatchObject({ supersededVersion: '1.0.0' });
        expect(added[0]!.at).toBe(added[1]!.at);
        const published = (await eventsOf()).slice(eventsBefore);
        expect(published.map((e) => e.type)).toEqual(['model.promote', 'model.supersede']);
      });

      it('reports no archived version when nothing was in production', async () => {
        // Prepare
        await register();
        await putIn('1.0.0', 'staging');

        // Act
        const result = await reg.promote({ ...ref, version: '1.0.0' });

        // Assess
        expect(result).toEqual({
          promoted: true,
          version: '1.0.0',
          stage: 'production',
          archivedVersion: null,
          supersededVersion: null,
          line: null,
        });
        expect((await auditOf()).at(-1)).toMatchObject({ action: 'promote', toStage: 'production' });
      });

      it('stamps the stage change and the production start with the registry clock', async () => {
        // Prepare
        let current = new Date('2025-05-01T00:00:00.000Z');
        const registry = backend.registry({ clock: { now: () => current } });
        await register({}, registry);
        current = new Date('2025-05-02T00:00:00.000Z');
        await registry.promote({ ...ref, version: '1.0.0' });
        current = new Date('2025-05-03T00:00:00.000Z');

        // Act
        await registry.promote({ ...ref, version: '1.0.0' });

        // Assess
        const v = await registry.info({ ...ref, version: '1.0.0' });
        expect(v.registeredAt).toBe('2025-05-01T00:00:00.000Z');
        expect(v.stageUpdatedAt).toBe('2025-05-03T00:00:00.000Z');
        const model = (await registry.listModels({ useCase: ref.useCase })).items[0];
        expect(model?.productionSince).toBe('2025-05-03T00:00:00.000Z');
      });

      it('keeps exactly one production version over a series of promotions', async () => {
        // Prepare
        const versions = await registerMany(4);

        // Act
        for (const v of versions) await putIn(v, 'production');

        // Assess
        const production = await reg.listVersions({ ...ref, stage: 'production' });
        expect(production.items.map((v) => v.version)).toEqual(['1.0.3']);
        const superseded = await reg.listVersions({ ...ref, stage: 'superseded' });
        expect(superseded.items.map((v) => v.version)).toEqual(['1.0.2', '1.0.1', '1.0.0']);
      });
    });

    describe('idempotency', () => {
      it('answers alreadyPromoted for a version already in the target stage and writes nothing', async () => {
        // Prepare
        await registerMany(2);
        await putIn('1.0.0', 'production');
        await putIn('1.0.1', 'staging');
        const before = await footprint();

        // Act
        const again = await reg.promote({ ...ref, version: '1.0.0', to: 'production' });
        const noTarget = await reg.promote({ ...ref, version: '1.0.0' });
        const staging = await reg.promote({ ...ref, version: '1.0.1', to: 'staging' });

        // Assess
        expect(again).toEqual({
          promoted: true,
          version: '1.0.0',
          stage: 'production',
          archivedVersion: null,
          alreadyPromoted: true,
        });
        expect(noTarget).toMatchObject({ stage: 'production', alreadyPromoted: true });
        expect(staging).toMatchObject({ stage: 'staging', alreadyPromoted: true });
        expect(await footprint()).toEqual(before);
        expect(await stageOf('1.0.0')).toBe('production');
      });

      it('answers alreadyArchived for an archived version and writes nothing', async () => {
        // Prepare
        await register();
        await putIn('1.0.0', 'archived');
        const before = await footprint();

        // Act
        const result = await reg.archive({ ...ref, version: '1.0.0' });

        // Assess
        expect(result).toMatchObject({
          archived: true,
          version: '1.0.0',
          stage: 'archived',
          alreadyArchived: true,
        });
        expect(await footprint()).toEqual(before);
      });

      it('answers alreadyDemoted when the version is in the target stage and writes nothing', async () => {
        // Prepare
        await registerMany(2);
        await putIn('1.0.0', 'staging');
        const before = await footprint();

        // Act
        const staging = await reg.demote({ ...ref, version: '1.0.0', to: 'staging' });
        const development = await reg.demote({ ...ref, version: '1.0.1', to: 'development' });

        // Assess
        expect(staging).toMatchObject({
          demoted: true,
          version: '1.0.0',
          stage: 'staging',
          alreadyDemoted: true,
        });
        expect(development).toMatchObject({ stage: 'development', alreadyDemoted: true });
        expect(await footprint()).toEqual(before);
      });

      it('answers alreadyRolledBack for the production version and writes nothing', async () => {
        // Prepare
        await registerMany(2);
        await putIn('1.0.0', 'production');
        await putIn('1.0.1', 'production');
        const before = await footprint();

        // Act
        const result = await reg.rollback({ ...ref, version: '1.0.1' });

        // Assess
        expect(result).toEqual({
          rolledBack: true,
          version: '1.0.1',
          stage: 'production',
          archivedVersion: null,
          alreadyRolledBack: true,
        });
        expect(await footprint()).toEqual(before);
        expect(await stageOf('1.0.0')).toBe('superseded');
      });

      it('answers changed false when an alias already points at the version and writes nothing', async () => {
        // Prepare
        await register();
        await reg.setAlias({ ...ref, version: '1.0.0', name: 'champion' });
        const before = await footprint();

        // Act
        const result = await reg.setAlias({ ...ref, version: '1.0.0', name: 'champion' });

        // Assess
        expect(result).toEqual({
          alias: 'champion',
          version: '1.0.0',
          previousVersion: '1.0.0',
          changed: false,
        });
        expect(await footprint()).toEqual(before);
      });
    });

    describe('gates', () => {
      async function withProductionGates(gates: Record<string, number | boolean>): Promise<void> {
        await reg.setPolicy({ ...ref, policy: { gates: { production: gates } } });
      }

      it('refuses a version below a policy gate and leaves it where it was', async () => {
        // Prepare
        await withProductionGates({ min_auc: 0.9 });
        await register({ metrics: { auc: 0.85 } });
        await putIn('1.0.0', 'staging');
        const before = await footprint();

        // Act
        const result = await reg.promote({ ...ref, version: '1.0.0', to: 'production' });

        // Assess
        expect(result).toMatchObject({
          promoted: false,
          version: '1.0.0',
          stage: 'staging',
          archivedVersion: null,
        });
        expect(result.reason).toContain('min_auc');
        expect(result.gates).toEqual([
          expect.objectContaining({
            gate: 'min_auc',
            metric: 'auc',
            actual: 0.85,
            threshold: 0.9,
            passed: false,
            source: 'policy',
          }),
        ]);
        expect(await stageOf('1.0.0')).toBe('staging');
        expect(await footprint()).toEqual(before);
      });

      it('promotes a version that meets the policy gates and reports them', async () => {
        // Prepare
        await withProductionGates({ min_auc: 0.9, max_latency_ms: 50 });
        await register({ metrics: { auc: 0.93, latency_ms: 50 } });
        await putIn('1.0.0', 'staging');

        // Act
        const result = await reg.promote({ ...ref, version: '1.0.0', to: 'production' });

        // Assess
        expect(result).toMatchObject({ promoted: true, stage: 'production' });
        expect(result.gates?.map((g) => [g.gate, g.actual, g.threshold, g.passed])).toEqual([
          ['min_auc', 0.93, 0.9, true],
          ['max_latency_ms', 50, 50, true],
        ]);
        expect(await stageOf('1.0.0')).toBe('production');
      });

      it('applies staging gates on the way to staging only', async () => {
        // Prepare
        await reg.setPolicy({ ...ref, policy: { gates: { staging: { min_f1: 0.5 } } } });
        await registerMany(1);
        await register({ metrics: { f1: 0.6 } });

        // Act
        const missing = await reg.promote({ ...ref, version: '1.0.0' });
        const passing = await reg.promote({ ...ref, version: '1.0.1' });
        const production = await reg.promote({ ...ref, version: '1.0.1' });

        // Assess
        expect(missing).toMatchObject({ promoted: false, stage: 'development' });
        expect(missing.gates).toEqual([
          expect.objectContaining({ gate: 'min_f1', actual: null, passed: false, source: 'policy' }),
        ]);
        expect(passing).toMatchObject({ promoted: true, stage: 'staging' });
        expect(production).toMatchObject({ promoted: true, stage: 'production' });
        expect(production.gates).toBeUndefined();
      });

      it('refuses a version that fails a gate given with the request', async () => {
        // Prepare
        await register({ metrics: { auc: 0.95, f1: 0.7 } });
        await putIn('1.0.0', 'staging');

        // Act
        const refused = await reg.promote({ ...ref, version: '1.0.0', gates: { min_f1: 0.8, min_auc: 0.9 } });
        const passed = await reg.promote({ ...ref, version: '1.0.0', gates: { min_f1: 0.6 } });

        // Assess
        expect(refused).toMatchObject({ promoted: false, stage: 'staging' });
        expect(refused.reason).toContain('min_f1');
        expect(refused.gates?.map((g) => [g.gate, g.actual, g.threshold, g.passed, g.source])).toEqual([
          ['min_f1', 0.7, 0.8, false, 'request'],
          ['min_auc', 0.95, 0.9, true, 'request'],
        ]);
        expect(passed).toMatchObject({ promoted: true, stage: 'production' });
      });

      it('refuses malformed request gates with ValidationError', async () => {
        // Prepare
        await register({ metrics: { auc: 0.95 } });

        // Act / Assess
        await rejection(
          reg.promote({ ...ref, version: '1.0.0', gates: { fastest_auc: 1 } }),
          ValidationError,
        );
        await rejection(
          reg.promote({ ...ref, version: '1.0.0', gates: { min_auc: 'high' as unknown as number } }),
          ValidationError,
        );
        expect(await stageOf('1.0.0')).toBe('development');
      });

      it('checks min_delta against the current production version', async () => {
        // Prepare
        await withProductionGates({ min_delta_auc: 0.02 });
        await register({ metrics: { auc: 0.9 } });
        await register({ metrics: { auc: 0.91 } });
        await register({ metrics: { auc: 0.93 } });
        await putIn('1.0.0', 'production');
        await putIn('1.0.1', 'staging');
        await putIn('1.0.2', 'staging');

        // Act
        const weak = await reg.promote({ ...ref, version: '1.0.1' });
        const strong = await reg.promote({ ...ref, version: '1.0.2' });

        // Assess
        expect(weak).toMatchObject({ promoted: false, stage: 'staging' });
        expect(weak.gates?.[0]?.gate).toBe('min_delta_auc');
        expect(weak.gates?.[0]?.actual).toBeCloseTo(0.01, 10);
        expect(weak.gates?.[0]?.threshold).toBe(0.02);
        expect(strong).toMatchObject({ promoted: true, stage: 'production', supersededVersion: '1.0.0' });
        expect(strong.gates?.[0]?.actual).toBeCloseTo(0.03, 10);
      });

      it('passes a delta gate when nothing is in production', async () => {
        // Prepare
        await withProductionGates({ min_delta_auc: 0.02 });
        await register({ metrics: { auc: 0.5 } });
        await putIn('1.0.0', 'staging');

        // Act
        const result = await reg.promote({ ...ref, version: '1.0.0' });

        // Assess
        expect(result).toMatchObject({ promoted: true, stage: 'production' });
      });

      it('requires a passed drift check in the metadata when the policy asks for one', async () => {
        // Prepare
        await withProductionGates({ require_drift_check: true });
        await register();
        await register({ metadata: { drift_check_passed: false } });
        await register({ metadata: { drift_check_passed: true } });
        for (const v of ['1.0.0', '1.0.1', '1.0.2']) await putIn(v, 'staging');

        // Act
        const missing = await reg.promote({ ...ref, version: '1.0.0' });
        const failed = await reg.promote({ ...ref, version: '1.0.1' });
        const passed = await reg.promote({ ...ref, version: '1.0.2' });

        // Assess
        expect(missing).toMatchObject({ promoted: false, stage: 'staging' });
        expect(missing.gates?.[0]).toMatchObject({
          gate: 'require_drift_check',
          actual: null,
          passed: false,
        });
        expect(failed).toMatchObject({ promoted: false, stage: 'staging' });
        expect(failed.gates?.[0]).toMatchObject({
          gate: 'require_drift_check',
          actual: false,
          threshold: true,
          passed: false,
        });
        expect(passed).toMatchObject({ promoted: true, stage: 'production' });
        expect(await reg.listVersions({ ...ref, stage: 'production' })).toMatchObject({
          items: [{ version: '1.0.2' }],
        });
      });

      it('records the evaluated gates in the promote audit event', async () => {
        // Prepare
        await withProductionGates({ min_auc: 0.9 });
        await register({ metrics: { auc: 0.95 } });
        await putIn('1.0.0', 'staging');

        // Act
        await reg.promote({ ...ref, version: '1.0.0' });

        // Assess
        const last = (await auditOf()).at(-1);
        expect(last?.details).toMatchObject({ gates: [{ gate: 'min_auc', actual: 0.95, threshold: 0.9 }] });
      });
    });

    describe('rollback', () => {
      it('returns to the previous production version when none is named', async () => {
        // Prepare
        await registerMany(2);
        await putIn('1.0.0', 'production');
        await putIn('1.0.1', 'production');
        const auditBefore = (await auditOf()).length;

        // Act
        const result = await reg.rollback({ ...ref, reason: 'latency regression' });

        // Assess
        expect(result).toEqual({
          rolledBack: true,
          version: '1.0.0',
          stage: 'production',
          archivedVersion: '1.0.1',
        });
        expect(await stageOf('1.0.0')).toBe('production');
        expect(await stageOf('1.0.1')).toBe('archived');
        expect((await reg.listVersions({ ...ref, stage: 'production' })).items).toHaveLength(1);
        const added = (await auditOf()).slice(auditBefore);
        expect(added.map((e) => [e.action, e.version, e.fromStage, e.toStage])).toEqual([
          ['rollback', '1.0.0', 'superseded', 'production'],
          ['archive', '1.0.1', 'production', 'archived'],
        ]);
        expect(added[0]!.details).toMatchObject({ archivedVersion: '1.0.1', reason: 'latency regression' });
      });

      it('rolls back and forth between the last two production versions', async () => {
        // Prepare
        await registerMany(2);
        await putIn('1.0.0', 'production');
        await putIn('1.0.1', 'production');

        // Act
        const back = await reg.rollback(ref);
        const forth = await reg.rollback(ref);

        // Assess
        expect(back.version).toBe('1.0.0');
        expect(forth).toMatchObject({ version: '1.0.1', archivedVersion: '1.0.0' });
        expect(await stageOf('1.0.1')).toBe('production');
      });

      it('returns a named staging version to production', async () => {
        // Prepare
        await registerMany(2);
        await putIn('1.0.0', 'production');
        await putIn('1.0.1', 'staging');

        // Act
        const result = await reg.rollback({ ...ref, version: '1.0.1' });

        // Assess
        expect(result).toMatchObject({ rolledBack: true, version: '1.0.1', archivedVersion: '1.0.0' });
        expect((await auditOf()).slice(-2).map((e) => [e.action, e.version, e.fromStage, e.toStage])).toEqual(
          [
            ['rollback', '1.0.1', 'staging', 'production'],
            ['archive', '1.0.0', 'production', 'archived'],
          ],
        );
      });

      it('returns a named archived version to production', async () => {
        // Prepare
        await registerMany(3);
        for (const v of ['1.0.0', '1.0.1', '1.0.2']) await putIn(v, 'production');

        // Act
        const result = await reg.rollback({ ...ref, version: '1.0.0' });

        // Assess
        expect(result).toMatchObject({ version: '1.0.0', archivedVersion: '1.0.2' });
        expect((await reg.listVersions({ ...ref, stage: 'production' })).items.map((v) => v.version)).toEqual(
          ['1.0.0'],
        );
      });

      it('returns the version archived by force to production, with nothing to archive', async () => {
        // Prepare
        await register();
        await putIn('1.0.0', 'production');
        await reg.archive({ ...ref, version: '1.0.0', force: true });

        // Act
        const result = await reg.rollback(ref);

        // Assess
        expect(result).toEqual({
          rolledBack: true,
          version: '1.0.0',
          stage: 'production',
          archivedVersion: null,
        });
        expect((await auditOf()).at(-1)).toMatchObject({ action: 'rollback', version: '1.0.0' });
      });

      it('refuses a rollback without a previous production version with VersionNotFoundError', async () => {
        // Prepare
        await registerMany(2);
        await putIn('1.0.0', 'production');
        const before = await footprint();

        // Act / Assess
        await rejection(reg.rollback(ref), VersionNotFoundError);
        expect(await footprint()).toEqual(before);
      });
      it('checks the production gates of the policy and refuses, writing nothing, when one fails', async () => {
        // Prepare: 1.0.0 (auc 0.5) was in production before a policy asked for auc ≥ 0.9
        await register({ metrics: { auc: 0.5 } });
        await register({ metrics: { auc: 0.95 } });
        await putIn('1.0.0', 'production');
        await putIn('1.0.1', 'production');
        await reg.setPolicy({ ...ref, policy: { gates: { production: { min_auc: 0.9 } } } });
        const before = await footprint();

        // Act
        const result = await reg.rollback(ref);

        // Assess
        expect(result).toMatchObject({ rolledBack: false, version: '1.0.0', stage: 'superseded' });
        expect(result.gates).toEqual([
          expect.objectContaining({ gate: 'min_auc', actual: 0.5, threshold: 0.9, passed: false }),
        ]);
        expect(result.reason).toContain('min_auc');
        expect(await footprint()).toEqual(before);
        expect(await stageOf('1.0.1')).toBe('production');
      });

      it('refuses while the policy requires an approval, and records a bypass with skipGates and a reason', async () => {
        // Prepare
        await registerMany(2);
        await putIn('1.0.0', 'production');
        await putIn('1.0.1', 'production');
        await reg.setPolicy({
          ...ref,
          policy: { requireApproval: true, gates: { production: { min_auc: 0.99 } } },
        });

        // Act
        const refused = await reg.rollback(ref);
        const noReason = reg.rollback({ ...ref, skipGates: true });
        const bypassed = await (async () => {
          await rejection(noReason, ValidationError);
          return reg.rollback({ ...ref, skipGates: true, reason: 'incident 42', rolledBackBy: 'erin' });
        })();

        // Assess
        expect(refused.rolledBack).toBe(false);
        expect(refused.reason).toContain('approval');
        expect(bypassed).toMatchObject({ rolledBack: true, version: '1.0.0', gatesSkipped: true });
        const event = (await auditOf()).find((e) => e.action === 'rollback');
        expect(event).toMatchObject({ actor: 'erin', version: '1.0.0' });
        expect(event?.details).toMatchObject({
          gatesSkipped: true,
          reason: 'incident 42',
          skipped: { gates: { min_auc: 0.99 }, requireApproval: true },
        });
      });

      it('refuses to strand an alias on the version it archives, and moves it with moveAliases', async () => {
        // Prepare
        await registerMany(2);
        await putIn('1.0.0', 'production');
        await putIn('1.0.1', 'production');
        await reg.setAlias({ ...ref, version: '1.0.1', name: 'champion' });
        const before = await footprint();

        // Act
        const stranded = reg.rollback(ref);
        await rejection(stranded, ConflictError);
        const afterRefusal = await footprint();
        const moved = await reg.rollback({ ...ref, moveAliases: true });

        // Assess
        expect(afterRefusal).toEqual(before);
        expect(moved).toMatchObject({ rolledBack: true, version: '1.0.0', movedAliases: ['champion'] });
        expect((await reg.info({ ...ref, alias: 'champion' })).version).toBe('1.0.0');
        expect(
          (await auditOf()).slice(-3).map((e) => [e.action, e.version, e.details.alias ?? null]),
        ).toEqual([
          ['rollback', '1.0.0', null],
          ['archive', '1.0.1', null],
          ['alias.set', '1.0.0', 'champion'],
        ]);
        expect(await reg.verifyAudit(ref)).toMatchObject({ valid: true });
      });
    });

    describe('aliases', () => {
      it('sets, moves and removes an alias and shows it on info and list items', async () => {
        // Prepare
        await registerMany(2);

        // Act
        const set = await reg.setAlias({ ...ref, version: '1.0.0', name: 'champion' });
        const afterSet = await reg.info({ ...ref, version: '1.0.0' });
        const moved = await reg.setAlias({ ...ref, version: '1.0.1', name: 'champion', setBy: 'carol' });
        const list = await reg.listVersions(ref);
        const removed = await reg.removeAlias({ ...ref, name: 'champion' });

        // Assess
        expect(set).toEqual({ alias: 'champion', version: '1.0.0', previousVersion: null, changed: true });
        expect(afterSet.aliases).toEqual(['champion']);
        expect(moved).toEqual({
          alias: 'champion',
          version: '1.0.1',
          previousVersion: '1.0.0',
          changed: true,
        });
        expect(list.items.map((v) => [v.version, v.aliases])).toEqual([
          ['1.0.1', ['champion']],
          ['1.0.0', []],
        ]);
        expect(removed).toEqual({
          alias: 'champion',
          version: null,
          previousVersion: '1.0.1',
          changed: true,
        });
        expect((await reg.info({ ...ref, version: '1.0.1' })).aliases).toEqual([]);
        await rejection(reg.info({ ...ref, alias: 'champion' }), AliasNotFoundError);
        const trail = await auditOf();
        expect(trail.slice(-3).map((e) => [e.action, e.version, e.actor, e.details])).toEqual([
          ['alias.set', '1.0.0', 'contract-tester', { alias: 'champion', previousVersion: null }],
          ['alias.set', '1.0.1', 'carol', { alias: 'champion', previousVersion: '1.0.0' }],
          ['alias.remove', '1.0.1', 'contract-tester', { alias: 'champion' }],
        ]);
      });

      it('lists several aliases of one version sorted', async () => {
        // Prepare
        await register();

        // Act
        await reg.setAlias({ ...ref, version: '1.0.0', name: 'stable' });
        await reg.setAlias({ ...ref, version: '1.0.0', name: 'champion' });

        // Assess
        expect((await reg.info({ ...ref, version: '1.0.0' })).aliases).toEqual(['champion', 'stable']);
        const model = (await reg.listModels({ useCase: ref.useCase })).items[0];
        expect(model?.aliases).toEqual({ champion: '1.0.0', stable: '1.0.0' });
      });

      it('points an alias at the version a stage selects', async () => {
        // Prepare
        await registerMany(2);
        await putIn('1.0.0', 'production');

        // Act
        const result = await reg.setAlias({ ...ref, stage: 'production', name: 'live' });

        // Assess
        expect(result.version).toBe('1.0.0');
      });

      it('refuses an alias of a missing version with VersionNotFoundError', async () => {
        // Prepare
        await register();
        const before = await footprint();

        // Act / Assess
        await rejection(reg.setAlias({ ...ref, version: '7.0.0', name: 'champion' }), VersionNotFoundError);
        expect(await footprint()).toEqual(before);
      });

      it('refuses to remove a missing alias with AliasNotFoundError', async () => {
        // Prepare
        await register();
        const before = await footprint();

        // Act / Assess
        await rejection(reg.removeAlias({ ...ref, name: 'ghost' }), AliasNotFoundError);
        expect(await footprint()).toEqual(before);
      });

      it.each(['1st', 'bad/alias', '', 'has space'])(
        'refuses the alias name %j with ValidationError',
        async (name) => {
          // Prepare
          await register();

          // Act / Assess
          await rejection(reg.setAlias({ ...ref, version: '1.0.0', name }), ValidationError);
        },
      );

      it('keeps the alias on a version as it moves through the lifecycle', async () => {
        // Prepare
        await register();
        await reg.setAlias({ ...ref, version: '1.0.0', name: 'champion' });

        // Act
        await putIn('1.0.0', 'production');

        // Assess
        expect(await reg.info({ ...ref, alias: 'champion' })).toMatchObject({
          version: '1.0.0',
          stage: 'production',
          aliases: ['champion'],
        });
      });
    });

    describe('compare', () => {
      it('reports a, b and delta = b − a for every metric in either version', async () => {
        // Prepare
        await register({ metrics: { auc: 0.8, loss: 0.5 } });
        await register({ metrics: { auc: 0.9, f1: 0.7 } });

        // Act
        const result = await reg.compare({ ...ref, a: '1.0.0', b: '1.0.1' });

        // Assess
        expect(result).toMatchObject({ ...ref, a: '1.0.0', b: '1.0.1' });
        expect(Object.keys(result.metrics).sort()).toEqual(['auc', 'f1', 'loss']);
        expect(result.metrics.auc?.a).toBe(0.8);
        expect(result.metrics.auc?.b).toBe(0.9);
        expect(result.metrics.auc?.delta).toBeCloseTo(0.1, 12);
        expect(result.metrics.f1).toEqual({ a: null, b: 0.7, delta: null });
        expect(result.metrics.loss).toEqual({ a: 0.5, b: null, delta: null });
      });

      it('lists metrics in the order the versions were registered with, not alphabetically', async () => {
        // Prepare: the reference's order (auc, f1, accuracy); B adds one A lacks
        await register({ metrics: { auc: 0.8, f1: 0.7, accuracy: 0.9 } });
        await register({ metrics: { accuracy: 0.91, auc: 0.85, f1: 0.72, brier: 0.1 } });

        // Act
        const result = await reg.compare({ ...ref, a: '1.0.0', b: '1.0.1' });

        // Assess
        expect(Object.keys(result.metrics)).toEqual(['auc', 'f1', 'accuracy', 'brier']);
      });

      it('compares versions named by alias', async () => {
        // Prepare
        await register({ metrics: { auc: 0.75 } });
        await register({ metrics: { auc: 0.5 } });
        await reg.setAlias({ ...ref, version: '1.0.0', name: 'champion' });
        await reg.setAlias({ ...ref, version: '1.0.1', name: 'challenger' });

        // Act
        const result = await reg.compare({ ...ref, a: '@champion', b: 'challenger' });

        // Assess
        expect(result.a).toBe('1.0.0');
        expect(result.b).toBe('1.0.1');
        expect(result.metrics.auc).toEqual({ a: 0.75, b: 0.5, delta: -0.25 });
      });

      it('refuses unknown versions, aliases and models', async () => {
        // Prepare
        await register();

        // Act / Assess
        await rejection(reg.compare({ ...ref, a: '1.0.0', b: '2.0.0' }), VersionNotFoundError);
        await rejection(reg.compare({ ...ref, a: '@ghost', b: '1.0.0' }), AliasNotFoundError);
        await rejection(
          reg.compare({ ...ref, modelName: 'nobody', a: '1.0.0', b: '1.0.0' }),
          ModelNotFoundError,
        );
      });
    });

    describe('policy', () => {
      const DEFAULT = {
        gates: { staging: {}, production: {} },
        requireApproval: false,
        approvers: [],
        approvalTimeoutHours: 24,
        evaluation: { evalSet: null, evaluator: null },
        archival: { maxAgeDays: null, supersededAfterDays: null },
        requireModelCard: { staging: [], production: [] },
        monitoring: [],
      };

      it('gives a registered model the default policy', async () => {
        // Prepare
        await register();

        // Act
        const policy = await reg.getPolicy(ref);

        // Assess
        expect(policy).toEqual(DEFAULT);
      });

      it('round-trips a policy through setPolicy and getPolicy, filling defaults', async () => {
        // Prepare
        await register();
        const policy = {
          gates: { production: { min_auc: 0.9, require_drift_check: true } },
          requireApproval: true,
          approvers: ['alice', 'bob'],
          archival: { maxAgeDays: 30 },
        };

        // Act
        const set = await reg.setPolicy({ ...ref, policy });
        const got = await reg.getPolicy(ref);

        // Assess
        const expected = {
          gates: { staging: {}, production: { min_auc: 0.9, require_drift_check: true } },
          requireApproval: true,
          approvers: ['alice', 'bob'],
          approvalTimeoutHours: 24,
          evaluation: { evalSet: null, evaluator: null },
          archival: { maxAgeDays: 30, supersededAfterDays: null },
          requireModelCard: { staging: [], production: [] },
          monitoring: [],
        };
        expect(set).toEqual(expected);
        expect(got).toEqual(expected);
      });

      it('accepts a policy before any version exists and applies it to later versions', async () => {
        // Act
        await reg.setPolicy({ ...ref, policy: { gates: { production: { min_auc: 0.9 } } } });
        const first = await register({ metrics: { auc: 0.5 } });
        await putIn('1.0.0', 'staging');
        const promote = await reg.promote({ ...ref, version: '1.0.0' });

        // Assess
        expect(first.version).toBe('1.0.0');
        expect(await reg.getPolicy(ref)).toMatchObject({ gates: { production: { min_auc: 0.9 } } });
        expect(promote.promoted).toBe(false);
        expect((await auditOf()).map((e) => [e.seq, e.action])).toEqual([
          [1, 'policy.set'],
          [2, 'register'],
          [3, 'promote'],
        ]);
        expect(await reg.verifyAudit(ref)).toEqual({ valid: true, checked: 3 });
      });

      it.each([
        { name: 'an unknown top-level key', policy: { gatez: {} } },
        { name: 'an unknown gate', policy: { gates: { production: { fastest_auc: 1 } } } },
        { name: 'a non-numeric threshold', policy: { gates: { production: { min_auc: 'high' } } } },
        { name: 'a non-boolean drift check', policy: { gates: { staging: { require_drift_check: 1 } } } },
        { name: 'an unknown stage', policy: { gates: { canary: {} } } },
        { name: 'a negative maxAgeDays', policy: { archival: { maxAgeDays: -1 } } },
        { name: 'a non-list of approvers', policy: { approvers: 'alice' } },
        { name: 'a non-object', policy: 'strict' },
      ])('refuses $name with ValidationError and keeps the old policy', async ({ policy }) => {
        // Prepare
        await register();
        await reg.setPolicy({ ...ref, policy: { requireApproval: true } });
        const before = await footprint();

        // Act
        await rejection(reg.setPolicy({ ...ref, policy }), ValidationError);

        // Assess
        expect(await footprint()).toEqual(before);
        expect((await reg.getPolicy(ref)).requireApproval).toBe(true);
      });

      it('treats the same policy set again as a no-op: no audit event, no notification', async () => {
        // Prepare
        await register();
        const policy = {
          gates: { production: { min_auc: 0.9 } },
          requireApproval: true,
          approvers: ['carol'],
        };
        const first = await reg.setPolicy({ ...ref, policy });
        const audit = (await auditOf()).length;
        const events = (await eventsOf()).length;

        // Act
        const again = await reg.setPolicy({ ...ref, policy: { ...policy, approvers: ['carol'] } });
        const different = await reg.setPolicy({ ...ref, policy: { ...policy, approvers: ['dave'] } });

        // Assess
        expect(again).toEqual(first);
        expect(different.approvers).toEqual(['dave']);
        const trail = await auditOf();
        expect(trail).toHaveLength(audit + 1);
        expect(trail.at(-1)?.details).toMatchObject({ policy: { approvers: ['dave'] } });
        expect(await eventsOf()).toHaveLength(events + 1);
      });

      it('audits a policy change with the new and previous policy', async () => {
        // Prepare
        await register();

        // Act
        await reg.setPolicy({ ...ref, policy: { archival: { maxAgeDays: 10 } }, setBy: 'dave' });

        // Assess
        const last = (await auditOf()).at(-1);
        expect(last).toMatchObject({
          action: 'policy.set',
          actor: 'dave',
          version: null,
          fromStage: null,
          toStage: null,
        });
        expect(last?.details).toMatchObject({
          policy: { archival: { maxAgeDays: 10 } },
          previous: DEFAULT,
        });
        expect((await eventsOf()).at(-1)).toMatchObject({ type: 'model.policy.set', seq: last?.seq });
      });

      it('refuses getPolicy of an unknown model with ModelNotFoundError', async () => {
        // Act / Assess
        await rejection(reg.getPolicy(ref), ModelNotFoundError);
      });
    });

    describe('audit trail and notifications', () => {
      it('appends one event per change with seq, actor, action, version, stages and time', async () => {
        // Prepare
        const at = new Date('2025-03-01T12:00:00.000Z');
        const registry = backend.registry({ actor: 'alice', clock: { now: () => at } });

        // Act
        await register({}, registry);
        await register({}, registry);
        await registry.promote({ ...ref, version: '1.0.0' });
        await registry.promote({ ...ref, version: '1.0.0' });
        await registry.promote({ ...ref, version: '1.0.1' });
        await registry.promote({ ...ref, version: '1.0.1', promotedBy: 'bob' });
        await registry.setAlias({ ...ref, version: '1.0.1', name: 'champion' });
        await registry.demote({ ...ref, version: '1.0.1', to: 'staging', demotedBy: 'carol' });
        await registry.rollback({ ...ref, version: '1.0.0', rolledBackBy: 'erin' });
        await registry.archive({ ...ref, version: '1.0.1', reason: 'replaced', archivedBy: 'frank' });
        await registry.removeAlias({ ...ref, name: 'champion' });
        await registry.setPolicy({ ...ref, policy: { archival: { maxAgeDays: 30 } } });
        const trail = await auditOf(ref, registry);

        // Assess
        expect(trail.map((e) => [e.seq, e.actor, e.action, e.version, e.fromStage, e.toStage])).toEqual([
          [1, 'alice', 'register', '1.0.0', null, 'development'],
          [2, 'alice', 'register', '1.0.1', null, 'development'],
          [3, 'alice', 'promote', '1.0.0', 'development', 'staging'],
          [4, 'alice', 'promote', '1.0.0', 'staging', 'production'],
          [5, 'alice', 'promote', '1.0.1', 'development', 'staging'],
          [6, 'bob', 'promote', '1.0.1', 'staging', 'production'],
          [7, 'bob', 'supersede', '1.0.0', 'production', 'superseded'],
          [8, 'alice', 'alias.set', '1.0.1', null, null],
          [9, 'carol', 'demote', '1.0.1', 'production', 'staging'],
          [10, 'erin', 'rollback', '1.0.0', 'superseded', 'production'],
          [11, 'frank', 'archive', '1.0.1', 'staging', 'archived'],
          [12, 'alice', 'alias.remove', '1.0.1', null, null],
          [13, 'alice', 'policy.set', null, null, null],
        ]);
        expect(trail.every((e) => e.at === at.toISOString())).toBe(true);
        expect(trail[0]!.details).toMatchObject({
          sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
          runId: null,
        });
        expect(await registry.verifyAudit(ref)).toEqual({ valid: true, checked: 13 });
      });

      it('publishes one notification per audit event, in order, as model.<action>', async () => {
        // Prepare
        await registerMany(2);
        await putIn('1.0.0', 'production');
        await putIn('1.0.1', 'production');
        await reg.setAlias({ ...ref, version: '1.0.1', name: 'champion' });
        await reg.rollback({ ...ref, moveAliases: true });
        await reg.setPolicy({ ...ref, policy: { requireApproval: true } });

        // Act
        const trail = await auditOf();
        const published = await eventsOf();

        // Assess
        expect(published).toHaveLength(trail.length);
        expect(published).toEqual(
          trail.map((e) => ({
            type: `model.${e.action}`,
            useCase: ref.useCase,
            modelName: ref.modelName,
            seq: e.seq,
            at: e.at,
            actor: e.actor,
            version: e.version,
            fromStage: e.fromStage,
            toStage: e.toStage,
            details: e.details,
          })),
        );
      });

      it('keeps the audit trails and notifications of different models apart', async () => {
        // Prepare
        const other = { ...ref, modelName: 'other' };
        await register();
        await register({ ...other });
        await register({ ...other });

        // Act
        const mine = await auditOf();
        const theirs = await auditOf(other);

        // Assess
        expect(mine.map((e) => e.seq)).toEqual([1]);
        expect(theirs.map((e) => e.seq)).toEqual([1, 2]);
        expect((await eventsOf(other)).map((e) => e.seq)).toEqual([1, 2]);
        expect(await reg.verifyAudit(other)).toEqual({ valid: true, checked: 2 });
      });

      it('pages through the audit trail', async () => {
        // Prepare
        await registerMany(5);

        // Act
        const first = await reg.auditTrail({ ...ref, limit: 2 });
        const second = await reg.auditTrail({ ...ref, limit: 2, cursor: first.nextCursor });
        const third = await reg.auditTrail({ ...ref, limit: 2, cursor: second.nextCursor });

        // Assess
        expect([first, second, third].map((p) => p.items.map((e) => e.seq))).toEqual([[1, 2], [3, 4], [5]]);
        expect(third.nextCursor).toBeNull();
      });

      it('refuses the audit trail of an unknown model with ModelNotFoundError', async () => {
        // Act / Assess
        await rejection(reg.auditTrail(ref), ModelNotFoundError);
        await rejection(reg.verifyAudit(ref), ModelNotFoundError);
      });
    });

    describe('lineage', () => {
      it('finds the versions a training run produced across models', async () => {
        // Prepare
        const runId = unique('run');
        const lineage = { runId, datasetVersion: 'ds-1', codeVersion: 'c0ffee' };
        await register({ lineage });
        await register({ lineage: { runId: unique('other-run') } });
        await register({ modelName: 'fraud', lineage });
        await register({ useCase: unique('uc-b'), modelName: 'ranker', lineage });

        // Act
        const result = await reg.lineage({ runId });

        // Assess
        expect(result.runId).toBe(runId);
        expect(result.nextCursor).toBeNull();
        expect(result.items.map((v) => `${v.modelName}@${v.version}`).sort()).toEqual([
          'churn@1.0.0',
          'fraud@1.0.0',
          'ranker@1.0.0',
        ]);
        expect(
          result.items.every((v) => v.lineage.runId === runId && v.lineage.datasetVersion === 'ds-1'),
        ).toBe(true);
      });

      it('shows the aliases of versions found by run id', async () => {
        // Prepare
        const runId = unique('run');
        await register({ lineage: { runId } });
        await reg.setAlias({ ...ref, version: '1.0.0', name: 'champion' });

        // Act
        const result = await reg.lineage({ runId });

        // Assess
        expect(result.items.map((v) => v.aliases)).toEqual([['champion']]);
      });

      it('answers no versions for an unknown run id', async () => {
        // Prepare
        await register({ lineage: { runId: unique('run') } });

        // Act
        const result = await reg.lineage({ runId: unique('never') });

        // Assess
        expect(result.items).toEqual([]);
        expect(result.nextCursor).toBeNull();
      });
    });

    describe('applyArchivalPolicy', () => {
      const start = Date.parse('2025-01-01T00:00:00.000Z');

      async function prepare() {
        let current = new Date(start);
        const clock = { now: () => current };
        const registry = backend.registry({ clock, actor: 'janitor' });
        await registry.setPolicy({ ...ref, policy: { archival: { maxAgeDays: 30 } } });
        await registerMany(4, registry);
        await putIn('1.0.1', 'staging', registry);
        await putIn('1.0.2', 'production', registry);
        await registry.setAlias({ ...ref, version: '1.0.3', name: 'keep' });
        current = new Date(start + 31 * DAY_MS);
        await register({}, registry); // 1.0.4, young
        return {
          registry,
          advance: (days: number) => {
            current = new Date(current.getTime() + days * DAY_MS);
          },
        };
      }

      it('archives development and staging versions older than maxAgeDays and keeps aliased ones', async () => {
        // Prepare
        const { registry } = await prepare();
        const auditBefore = (await auditOf(ref, registry)).length;

        // Act
        const results = await registry.applyArchivalPolicy({ ...ref });

        // Assess
        expect(results).toHaveLength(1);
        const [result] = results;
        expect(result).toMatchObject({ ...ref, keptForAlias: ['1.0.3'] });
        expect(result!.archived.map((i) => [i.version, i.fromStage]).sort()).toEqual([
          ['1.0.0', 'development'],
          ['1.0.1', 'staging'],
        ]);
        expect(result!.archived.every((i) => i.reason.length > 0)).toBe(true);
        const stages = Object.fromEntries(
          (await registry.listVersions({ ...ref, limit: 10 })).items.map((v) => [v.version, v.stage]),
        );
        expect(stages).toEqual({
          '1.0.0': 'archived',
          '1.0.1': 'archived',
          '1.0.2': 'production',
          '1.0.3': 'development',
          '1.0.4': 'development',
        });
        const added = (await auditOf(ref, registry)).slice(auditBefore);
        expect(added.map((e) => [e.action, e.version, e.toStage, e.actor]).sort()).toEqual([
          ['archive', '1.0.0', 'archived', 'janitor'],
          ['archive', '1.0.1', 'archived', 'janitor'],
        ]);
        expect(await registry.verifyAudit(ref)).toMatchObject({ valid: true });
      });

      it('changes nothing in a dry run but reports what it would archive', async () => {
        // Prepare
        const { registry } = await prepare();
        const before = await footprint();

        // Act
        const [result] = await registry.applyArchivalPolicy({ ...ref, dryRun: true });

        // Assess
        expect(result!.archived.map((i) => i.version).sort()).toEqual(['1.0.0', '1.0.1']);
        expect(result!.keptForAlias).toEqual(['1.0.3']);
        expect(await footprint()).toEqual(before);
        expect(await stageOf('1.0.0')).toBe('development');
        expect(await stageOf('1.0.1')).toBe('staging');
      });

      it('archives nothing while versions are young, and later versions once they age', async () => {
        // Prepare
        const { registry, advance } = await prepare();
        await registry.applyArchivalPolicy({ ...ref });
        const before = await footprint();

        // Act
        const [young] = await registry.applyArchivalPolicy({ ...ref });
        const afterYoung = await footprint();
        advance(31);
        const [aged] = await registry.applyArchivalPolicy({ ...ref });

        // Assess
        expect(young!.archived).toEqual([]);
        expect(afterYoung).toEqual(before);
        expect(aged!.archived.map((i) => i.version)).toEqual(['1.0.4']);
      });

      it('applies the rule of every model of a use case when no model is named', async () => {
        // Prepare
        const { registry } = await prepare();
        const other = { ...ref, modelName: 'untouched' };
        await register({ ...other }, registry);

        // Act
        const results = await registry.applyArchivalPolicy({ useCase: ref.useCase });

        // Assess
        const byModel = Object.fromEntries(results.map((r) => [r.modelName, r.archived.length]));
        expect(byModel).toEqual({ [ref.modelName]: 2, untouched: 0 });
      });

      it('archives a version demoted out of production supersededAfterDays after it was replaced', async () => {
        // Prepare
        let current = new Date(start);
        const registry = backend.registry({ clock: { now: () => current } });
        await registry.setPolicy({ ...ref, policy: { archival: { supersededAfterDays: 7 } } });
        await registerMany(2, registry);
        await putIn('1.0.0', 'production', registry);
        await registry.demote({ ...ref, version: '1.0.0', to: 'staging' });
        await putIn('1.0.1', 'production', registry);
        current = new Date(start + 6 * DAY_MS);
        const [early] = await registry.applyArchivalPolicy({ ...ref });
        current = new Date(start + 8 * DAY_MS);

        // Act
        const [late] = await registry.applyArchivalPolicy({ ...ref });

        // Assess
        expect(early!.archived).toEqual([]);
        expect(late!.archived.map((i) => [i.version, i.fromStage])).toEqual([['1.0.0', 'staging']]);
        expect(await stageOf('1.0.0')).toBe('archived');
        expect(await stageOf('1.0.1')).toBe('production');
      });

      it('skips models of the use case that have a policy but no versions yet', async () => {
        // Prepare
        const { registry } = await prepare();
        await registry.setPolicy({ ...ref, modelName: 'planned', policy: { archival: { maxAgeDays: 1 } } });

        // Act
        const results = await registry.applyArchivalPolicy({ useCase: ref.useCase });

        // Assess
        expect(results.map((r) => r.modelName)).toEqual([ref.modelName]);
        expect(results[0]!.archived).toHaveLength(2);
      });

      it('archives nothing for a model without an archival rule', async () => {
        // Prepare
        let current = new Date(start);
        const registry = backend.registry({ clock: { now: () => current } });
        await registerMany(2, registry);
        current = new Date(start + 3650 * DAY_MS);

        // Act
        const [result] = await registry.applyArchivalPolicy({ ...ref });

        // Assess
        expect(result!.archived).toEqual([]);
        expect(await stageOf('1.0.0')).toBe('development');
      });
    });

    describe('concurrency', () => {
      async function stagedVersions(count: number): Promise<string[]> {
        const versions = await registerMany(count);
        for (const v of versions) await putIn(v, 'staging');
        return versions;
      }

      async function assertOneProduction(versions: string[], auditBefore: number): Promise<void> {
        const production = await reg.listVersions({ ...ref, stage: 'production' });
        expect(production.items).toHaveLength(1);
        expect(versions).toContain(production.items[0]!.version);
        const superseded = await reg.listVersions({ ...ref, stage: 'superseded', limit: 100 });
        expect(superseded.items).toHaveLength(versions.length - 1);
        expect(await reg.verifyAudit(ref)).toMatchObject({ valid: true });
        const added = (await auditOf()).slice(auditBefore);
        expect(added.filter((e) => e.action === 'promote')).toHaveLength(versions.length);
        expect(added.filter((e) => e.action === 'supersede')).toHaveLength(versions.length - 1);
        expect((await eventsOf()).map((e) => e.seq).sort((a, b) => a - b)).toEqual(
          (await auditOf()).map((e) => e.seq),
        );
      }

      it('leaves exactly one production version after concurrent promotions on one registry', async () => {
        // Prepare
        const versions = await stagedVersions(8);
        const auditBefore = (await auditOf()).length;

        // Act
        const results = await Promise.all(versions.map((version) => reg.promote({ ...ref, version })));

        // Assess
        expect(results.every((r) => r.promoted && r.stage === 'production')).toBe(true);
        await assertOneProduction(versions, auditBefore);
      });

      it('leaves exactly one production version after concurrent promotions on two registries', async () => {
        // Prepare
        const versions = await stagedVersions(8);
        const auditBefore = (await auditOf()).length;
        const clients = [backend.registry(), backend.registry()];

        // Act
        const results = await Promise.all(
          versions.map((version, i) => clients[i % 2]!.promote({ ...ref, version, to: 'production' })),
        );

        // Assess
        expect(results.every((r) => r.promoted && r.stage === 'production')).toBe(true);
        await assertOneProduction(versions, auditBefore);
      });

      it('promotes the same version concurrently exactly once', async () => {
        // Prepare
        await stagedVersions(1);
        const clients = [reg, backend.registry()];

        // Act
        const results = await Promise.all(
          Array.from({ length: 6 }, (_, i) => clients[i % 2]!.promote({ ...ref, version: '1.0.0' })),
        );

        // Assess
        expect(results.every((r) => r.promoted && r.stage === 'production')).toBe(true);
        expect(results.filter((r) => r.alreadyPromoted === undefined)).toHaveLength(1);
        expect((await auditOf()).filter((e) => e.toStage === 'production')).toHaveLength(1);
      });

      it('gives concurrent auto-versioned registrations distinct versions without gaps', async () => {
        // Prepare
        const count = 8;
        const paths = await Promise.all(Array.from({ length: count }, () => artifact()));

        // Act
        const registered = await Promise.all(
          paths.map((artifactPath) => reg.register({ ...ref, artifactPath })),
        );

        // Assess
        const expected = Array.from({ length: count }, (_, i) => `1.0.${i}`);
        expect(
          registered.map((v) => v.version).sort((a, b) => Number(a.slice(4)) - Number(b.slice(4))),
        ).toEqual(expected);
        const listed = (await reg.listVersions({ ...ref, limit: 100 })).items;
        expect(listed.map((v) => v.version)).toEqual([...expected].reverse());
        for (const v of registered) {
          expect((await reg.info({ ...ref, version: v.version })).artifact.sha256).toBe(v.artifact.sha256);
        }
        expect(await reg.verifyAudit(ref)).toEqual({ valid: true, checked: count });
      });

      it('lets exactly one of several concurrent registrations of one pinned version win', async () => {
        // Prepare
        const clients = [reg, backend.registry()];
        const paths = await Promise.all(Array.from({ length: 4 }, () => artifact()));

        // Act
        const outcomes = await Promise.allSettled(
          paths.map((artifactPath, i) =>
            clients[i % 2]!.register({ ...ref, version: '4.0.0', artifactPath }),
          ),
        );

        // Assess
        const won = outcomes.filter((o) => o.status === 'fulfilled');
        const lost = outcomes.filter((o) => o.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost.map((o) => (o.reason as Error).name)).toEqual([
          'VersionExistsError',
          'VersionExistsError',
          'VersionExistsError',
        ]);
        const stored = await reg.info({ ...ref, version: '4.0.0' });
        expect(stored.artifact.sha256).toBe(won[0]!.value.artifact.sha256);
        const got = await reg.getArtifact({ ...ref, version: '4.0.0', output: join(work, 'winner') });
        expect(got.sha256).toBe(stored.artifact.sha256);
        expect(await reg.verifyAudit(ref)).toEqual({ valid: true, checked: 1 });
      });

      it('gives concurrent registrations through two registries distinct versions without gaps', async () => {
        // Prepare
        const count = 8;
        const clients = [reg, backend.registry()];
        const paths = await Promise.all(Array.from({ length: count }, () => artifact()));

        // Act
        const registered = await Promise.all(
          paths.map((artifactPath, i) => clients[i % 2]!.register({ ...ref, artifactPath })),
        );

        // Assess
        expect(new Set(registered.map((v) => v.version)).size).toBe(count);
        const listed = (await reg.listVersions({ ...ref, limit: 100 })).items.map((v) => v.version);
        expect(listed).toEqual(Array.from({ length: count }, (_, i) => `1.0.${count - 1 - i}`));
        expect(await reg.verifyAudit(ref)).toEqual({ valid: true, checked: count });
      });
    });

    describe('getArtifact', () => {
      it('copies a file artifact out and proves its sha256', async () => {
        // Prepare
        const content = `weights ${randomUUID()}`;
        const v = await reg.register({ ...ref, artifactPath: await artifact(content) });
        const output = join(work, 'out');

        // Act
        const got = await reg.getArtifact({ ...ref, version: v.version, output });

        // Assess
        expect(got).toMatchObject({ ...ref, version: '1.0.0', sha256: sha256(content), verified: true });
        expect(resolve(got.path).startsWith(resolve(output) + sep)).toBe(true);
        expect(await readFile(got.path, 'utf8')).toBe(content);
      });

      it('finds the artifact by stage and alias', async () => {
        // Prepare
        const first = `first ${randomUUID()}`;
        const second = `second ${randomUUID()}`;
        await reg.register({ ...ref, artifactPath: await artifact(first) });
        await reg.register({ ...ref, artifactPath: await artifact(second) });
        await putIn('1.0.0', 'production');
        await reg.setAlias({ ...ref, version: '1.0.1', name: 'challenger' });

        // Act
        const prod = await reg.getArtifact({ ...ref, stage: 'production', output: join(work, 'prod') });
        const chal = await reg.getArtifact({
          ...ref,
          modelName: `${ref.modelName}@challenger`,
          output: join(work, 'chal'),
        });

        // Assess
        expect(prod.version).toBe('1.0.0');
        expect(await readFile(prod.path, 'utf8')).toBe(first);
        expect(chal.version).toBe('1.0.1');
        expect(await readFile(chal.path, 'utf8')).toBe(second);
      });

      it('keeps the registered bytes when the source file changes afterwards', async () => {
        // Prepare
        const path = await artifact('original bytes');
        await reg.register({ ...ref, artifactPath: path });
        await writeFileArtifact(path, 'overwritten after registration');

        // Act
        const got = await reg.getArtifact({ ...ref, version: '1.0.0', output: join(work, 'out') });

        // Assess
        expect(await readFile(got.path, 'utf8')).toBe('original bytes');
        expect(got.sha256).toBe(sha256('original bytes'));
      });

      it('round-trips a directory artifact with the same relative files', async () => {
        // Prepare
        const files = {
          'weights.bin': `w ${randomUUID()}`,
          'config/params.json': '{"C":0.5}\n',
          'config/nested/vocab.txt': 'a\nb\nc\n',
          'README.md': '# model\n',
        };
        const source = await writeTree(join(work, 'model-dir'), files);
        const v = await reg.register({ ...ref, artifactPath: source });
        const output = join(work, 'out-dir');

        // Act
        const got = await reg.getArtifact({ ...ref, version: v.version, output });

        // Assess
        expect(got).toMatchObject({ version: '1.0.0', sha256: v.artifact.sha256, verified: true });
        expect(v.artifact.sha256).toMatch(/^[0-9a-f]{64}$/);
        expect(v.artifact.sizeBytes).toBe(Object.values(files).reduce((n, c) => n + Buffer.byteLength(c), 0));
        expect(await readTree(got.path)).toEqual(files);
      });

      it('gives different directory artifacts different digests', async () => {
        // Prepare
        const a = await writeTree(join(work, 'a'), { 'x.txt': 'same', 'y.txt': 'same' });
        const b = await writeTree(join(work, 'b'), { 'x.txt': 'same', 'z.txt': 'same' });

        // Act
        const va = await reg.register({ ...ref, artifactPath: a });
        const vb = await reg.register({ ...ref, artifactPath: b });

        // Assess
        expect(va.artifact.sha256).not.toBe(vb.artifact.sha256);
      });

      it('refuses unknown versions and models', async () => {
        // Prepare
        await register();

        // Act / Assess
        await rejection(
          reg.getArtifact({ ...ref, version: '3.0.0', output: join(work, 'o') }),
          VersionNotFoundError,
        );
        await rejection(
          reg.getArtifact({ ...ref, modelName: 'nobody', version: '1.0.0', output: join(work, 'o') }),
          ModelNotFoundError,
        );
      });
    });
    // release lines, superseded and deprecated stages, alias weights
    describe('release lines, superseded and deprecated stages, alias weights', () => {
      async function onLine(line: string | null, stage: Stage, registry = reg): Promise<string> {
        const v = await register(line === null ? {} : { line }, registry);
        await putIn(v.version, stage, registry);
        return v.version;
      }

      it('keeps the line on the version, lists by line, and selects a line’s production', async () => {
        // Prepare
        const a = await onLine(null, 'production');
        const b = await onLine('orin', 'production');
        const c = await onLine('orin', 'staging');

        // Act
        const orin = await reg.listVersions({ ...ref, line: 'orin' });
        const byDefault = await reg.listVersions({ ...ref, line: 'default' });
        const production = await reg.info({ ...ref, stage: 'production', line: 'orin' });
        const defaultProduction = await reg.info({ ...ref, stage: 'production' });
        const models = await reg.listModels({ useCase: ref.useCase });

        // Assess
        expect(orin.items.map((v) => [v.version, v.line])).toEqual([
          [c, 'orin'],
          [b, 'orin'],
        ]);
        expect(byDefault.items.map((v) => v.version)).toEqual([a]);
        expect(production.version).toBe(b);
        expect(defaultProduction.version).toBe(a);
        expect(models.items[0]).toMatchObject({ productionVersion: a, lines: { orin: b } });
        await rejection(
          reg.register({ ...ref, artifactPath: await artifact(), line: 'default' }),
          ValidationError,
        );
      });

      it('pages a line filter exactly: nothing skipped or repeated across pages', async () => {
        // Prepare: lines interleaved, so a store page holds both
        const orin: string[] = [];
        for (let i = 0; i < 7; i++) {
          const v = await register(i % 2 === 0 ? { line: 'orin' } : {});
          if (i % 2 === 0) orin.push(v.version);
        }

        // Act
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const page = await reg.listVersions({ ...ref, line: 'orin', limit: 2, cursor });
          expect(page.items.length).toBeLessThanOrEqual(2);
          seen.push(...page.items.map((v) => v.version));
          cursor = page.nextCursor;
        } while (cursor !== null);

        // Assess
        expect(seen).toEqual([...orin].reverse());
      });

      it('promotes two lines concurrently and ends with exactly one production version on each', async () => {
        // Prepare
        const lines = ['orin', 'thor'] as const;
        const staged: Record<string, string[]> = { orin: [], thor: [] };
        for (let i = 0; i < 5; i++) for (const l of lines) staged[l]!.push(await onLine(l, 'staging'));
        const clients = [backend.registry(), backend.registry()];

        // Act
        const results = await Promise.all(
          lines.flatMap((l, li) =>
            staged[l]!.map((version, i) =>
              clients[(i + li) % 2]!.promote({ ...ref, version, to: 'production' }),
            ),
          ),
        );

        // Assess
        expect(results.every((r) => r.promoted && r.stage === 'production')).toBe(true);
        for (const l of lines) {
          const prod = await reg.listVersions({ ...ref, stage: 'production', line: l });
          expect(prod.items).toHaveLength(1);
          const winner = prod.items[0]!.version;
          const superseded = await reg.listVersions({ ...ref, stage: 'superseded', line: l });
          expect(superseded.items.map((v) => v.version).sort()).toEqual(
            staged[l]!.filter((v) => v !== winner).sort(),
          );
          expect((await reg.info({ ...ref, stage: 'production', line: l })).version).toBe(winner);
          // each promotion on a line replaced the one before it on that line, never one of the other line
          const replaced = results.filter((r) => r.line === l).map((r) => r.supersededVersion);
          expect(replaced.filter((v) => v === null)).toHaveLength(1);
          expect(replaced.filter((v): v is string => v !== null).sort()).toEqual(
            staged[l]!.filter((v) => v !== winner).sort(),
          );
        }
        expect((await reg.listVersions({ ...ref, stage: 'production' })).items).toHaveLength(2);
        expect(await reg.verifyAudit(ref)).toMatchObject({ valid: true });
      });

      it('rolls back one line without touching the other', async () => {
        // Prepare
        const d1 = await onLine(null, 'production');
        const o1 = await onLine('orin', 'production');
        const o2 = await onLine('orin', 'production');

        // Act
        const result = await reg.rollback({ ...ref, line: 'orin', reason: 'gripper regression' });

        // Assess
        expect(result).toMatchObject({ rolledBack: true, version: o1, archivedVersion: o2 });
        expect(await stageOf(o1)).toBe('production');
        expect(await stageOf(o2)).toBe('archived');
        expect(await stageOf(d1)).toBe('production');
        await rejection(reg.rollback({ ...ref }), VersionNotFoundError);
      });

      it('archives a superseded version N days after it left production, with an injected clock', async () => {
        // Prepare
        let now = new Date('2025-06-01T00:00:00.000Z');
        const registry = backend.registry({ clock: { now: () => now } });
        const old = await onLine(null, 'production', registry);
        await registry.setPolicy({ ...ref, policy: { archival: { supersededAfterDays: 30 } } });
        const current = await onLine(null, 'production', registry);
        expect(await stageOf(old, registry)).toBe('superseded');

        // Act
        now = new Date(now.getTime() + 29 * DAY_MS);
        const early = await registry.applyArchivalPolicy({ useCase: ref.useCase, modelName: ref.modelName });
        const stillThere = await registry.info({ ...ref, version: old });
        now = new Date(now.getTime() + 2 * DAY_MS);
        const late = await registry.applyArchivalPolicy({ useCase: ref.useCase, modelName: ref.modelName });

        // Assess
        expect(early[0]!.archived).toEqual([]);
        expect(stillThere.stage).toBe('superseded');
        expect(late[0]!.archived).toEqual([
          { version: old, fromStage: 'superseded', reason: 'superseded in production more than 30 days ago' },
        ]);
        expect(await stageOf(old)).toBe('archived');
        expect(await stageOf(current)).toBe('production');
        const trail = await auditOf();
        expect(trail.at(-1)).toMatchObject({ action: 'archive', version: old, fromStage: 'superseded' });
      });

      it('refuses to promote a deprecated version, which stays fetchable and can be archived', async () => {
        // Prepare
        const v = await onLine(null, 'staging');
        const dep = await reg.deprecate({ ...ref, version: v, reason: 'trained on the leaked split' });
        const before = await footprint();

        // Act
        const promote = reg.promote({ ...ref, version: v, to: 'production' });
        const rollback = reg.rollback({ ...ref, version: v });

        // Assess
        expect(dep).toEqual({
          deprecated: true,
          version: v,
          stage: 'deprecated',
          reason: 'trained on the leaked split',
        });
        await rejection(promote, InvalidTransitionError);
        await rejection(rollback, InvalidTransitionError);
        expect(await footprint()).toEqual(before);
        const got = await reg.getArtifact({ ...ref, version: v, output: join(work, 'dep') });
        expect(got.verified).toBe(true);
        expect((await reg.archive({ ...ref, version: v })).stage).toBe('archived');
        await rejection(reg.deprecate({ ...ref, version: v, reason: '' }), ValidationError);
      });

      it('refuses control characters and over-long reasons when deprecating, archiving or rolling back', async () => {
        // Prepare
        const v = await onLine(null, 'staging');
        const before = await footprint();

        // Act
        const esc = await rejection(
          reg.deprecate({ ...ref, version: v, reason: 'leaked\u001b[2Jsplit' }),
          ValidationError,
        );
        const long = await rejection(
          reg.deprecate({ ...ref, version: v, reason: 'x'.repeat(1025) }),
          ValidationError,
        );
        const archive = await rejection(
          reg.archive({ ...ref, version: v, reason: 'old\u0007' }),
          ValidationError,
        );
        const rollback = await rejection(
          reg.rollback({ ...ref, version: v, reason: '\u009b31m' }),
          ValidationError,
        );

        // Assess
        expect(esc.message).toContain('U+001B');
        expect(long.message).toContain('1024');
        expect(archive.message).toContain('U+0007');
        expect(rollback.message).toContain('U+009B');
        expect(await footprint()).toEqual(before);
        const multiline = await reg.deprecate({
          ...ref,
          version: v,
          reason: 'leaked split\n\tsee ticket 12',
        });
        expect(multiline.reason).toBe('leaked split\n\tsee ticket 12');
      });

      it('answers the stored reason when a deprecated version is deprecated again, and shows it', async () => {
        // Prepare
        const v = await onLine(null, 'staging');
        const other = await onLine(null, 'staging');
        await reg.deprecate({ ...ref, version: v, reason: 'trained on the leaked split' });
        const before = await footprint();

        // Act
        const again = await reg.deprecate({ ...ref, version: v, reason: 'another reason' });
        const shown = await reg.deprecation({ ...ref, version: v });
        const notDeprecated = await reg.deprecation({ ...ref, version: other });

        // Assess
        expect(again).toEqual({
          deprecated: true,
          version: v,
          stage: 'deprecated',
          reason: 'trained on the leaked split',
          alreadyDeprecated: true,
        });
        expect(shown).toMatchObject({ reason: 'trained on the leaked split', actor: 'contract-tester' });
        expect(notDeprecated).toBeNull();
        expect(await footprint()).toEqual(before);
      });

      it('deprecates the production version only with force, leaving its line with nothing in production', async () => {
        // Prepare
        const v = await onLine('orin', 'production');

        // Act
        const refused = reg.deprecate({ ...ref, version: v, reason: 'recall' });
        await rejection(refused, InvalidTransitionError);
        const forced = await reg.deprecate({ ...ref, version: v, reason: 'recall', force: true });

        // Assess
        expect(forced.stage).toBe('deprecated');
        expect((await reg.resolve({ ...ref, line: 'orin' })).production).toBeNull();
        expect((await reg.listVersions({ ...ref, stage: 'production' })).items).toEqual([]);
      });

      it('validates alias weights and resolves production and routed aliases with their artifacts', async () => {
        // Prepare
        const prod = await onLine(null, 'production');
        const canary = await onLine(null, 'staging');
        const mirror = await onLine(null, 'staging');
        const orinCanary = await onLine('orin', 'staging');

        // Act
        await reg.setAlias({ ...ref, name: 'canary', version: canary, weight: 0.05 });
        await reg.setAlias({ ...ref, name: 'mirror', version: mirror, shadow: true });
        await reg.setAlias({ ...ref, name: 'orin-canary', version: orinCanary, weight: 1 });
        const tooMuch = reg.setAlias({ ...ref, name: 'big', version: mirror, weight: 0.96 });
        const both = reg.setAlias({ ...ref, name: 'x', version: mirror, weight: 0.1, shadow: true });
        const zero = reg.setAlias({ ...ref, name: 'x', version: mirror, weight: 0 });
        const overOne = reg.setAlias({ ...ref, name: 'x', version: mirror, weight: 1.5 });
        // awaited below; a handler now keeps a refusal that settles first from counting as unhandled
        for (const refused of [tooMuch, both, zero, overOne]) refused.catch(() => undefined);
        const resolved = await reg.resolve(ref);
        const orin = await reg.resolve({ ...ref, line: 'orin' });
        const one = await reg.resolve({ ...ref, alias: 'mirror' });

        // Assess
        for (const refused of [tooMuch, both, zero, overOne]) await rejection(refused, ValidationError);
        const info = async (v: string) => (await reg.info({ ...ref, version: v })).artifact;
        expect(resolved).toEqual({
          useCase: ref.useCase,
          modelName: ref.modelName,
          line: null,
          production: { version: prod, stage: 'production', line: null, artifact: await info(prod) },
          aliases: [
            {
              alias: 'canary',
              version: canary,
              stage: 'staging',
              line: null,
              artifact: await info(canary),
              weight: 0.05,
            },
            {
              alias: 'mirror',
              version: mirror,
              stage: 'staging',
              line: null,
              artifact: await info(mirror),
              shadow: true,
            },
          ],
          productionWeight: 0.95,
        });
        expect(orin.production).toBeNull();
        expect(orin.aliases.map((a) => [a.alias, a.weight])).toEqual([['orin-canary', 1]]);
        expect(one.aliases.map((a) => a.alias)).toEqual(['mirror']);
        await rejection(reg.resolve({ ...ref, alias: 'nobody' }), AliasNotFoundError);
        await rejection(reg.deprecate({ ...ref, version: canary, reason: 'bad' }), ConflictError);
      });

      it('resolves an alias on its version’s line, and lists no traffic for an archived version’s alias', async () => {
        // Prepare
        const prod = await onLine(null, 'production');
        const orinProd = await onLine('orin', 'production');
        const orinCanary = await onLine('orin', 'staging');
        const gone = await onLine(null, 'staging');
        const next = await onLine(null, 'staging');
        await reg.setAlias({ ...ref, name: 'orin-canary', version: orinCanary, weight: 0.1 });
        await reg.setAlias({ ...ref, name: 'old', version: gone, weight: 0.2 });
        await reg.archive({ ...ref, version: gone, force: true, reason: 'replaced' });

        // Act
        const canary = await reg.resolve({ ...ref, alias: 'orin-canary' });
        const mismatch = await rejection(
          reg.resolve({ ...ref, alias: 'orin-canary', line: 'default' }),
          ValidationError,
        );
        const listed = await reg.resolve(ref);
        const asked = await reg.resolve({ ...ref, alias: 'old' });
        // the archived version's 0.2 no longer counts toward the default line's total
        const all = await reg.setAlias({ ...ref, name: 'all', version: next, weight: 1 });

        // Assess
        expect(canary.line).toBe('orin');
        expect(canary.production?.version).toBe(orinProd);
        expect(canary.productionWeight).toBe(0.9);
        expect(mismatch.message).toContain('on the orin line, not the default line');
        expect(listed.production?.version).toBe(prod);
        expect(listed.aliases).toEqual([]);
        expect(listed.productionWeight).toBe(1);
        expect(asked.aliases.map((a) => [a.alias, a.stage])).toEqual([['old', 'archived']]);
        expect(all).toMatchObject({ alias: 'all', weight: 1, changed: true });
      });

      it('refuses weights finer than a millionth, so the weights of a line never sum past 1', async () => {
        // Prepare
        await onLine(null, 'production');
        const canary = await onLine(null, 'staging');
        const t1 = await onLine(null, 'staging');
        await reg.setAlias({ ...ref, name: 'canary', version: canary, weight: 0.05 });
        const before = await footprint();

        // Act
        const fine = await rejection(
          reg.setAlias({ ...ref, name: 't1', version: t1, weight: 0.950000000001 }),
          ValidationError,
        );
        const unchanged = await footprint();
        const full = await reg.setAlias({ ...ref, name: 't1', version: t1, weight: 0.95 });
        const resolved = await reg.resolve(ref);

        // Assess
        expect(fine.message).toContain('at most 6 decimal places');
        expect(unchanged).toEqual(before);
        expect(full).toMatchObject({ alias: 't1', weight: 0.95, changed: true });
        expect(resolved.productionWeight).toBe(0);
        expect(resolved.aliases.map((a) => a.weight)).toEqual([0.05, 0.95]);
      });

      it('says the routing an alias had when setting it again without a weight makes it plain', async () => {
        // Prepare
        const v = await onLine(null, 'staging');
        await reg.setAlias({ ...ref, name: 't1', version: v, weight: 0.05 });

        // Act
        const plain = await reg.setAlias({ ...ref, name: 't1', version: v });
        const resolved = await reg.resolve(ref);

        // Assess
        expect(plain).toEqual({
          alias: 't1',
          version: v,
          previousVersion: v,
          previousWeight: 0.05,
          changed: true,
        });
        expect(resolved.aliases).toEqual([]);
      });
    });

    describe('model cards, version edits and use cases', () => {
      const CARD = [
        '---',
        'license: apache-2.0',
        'tags: [tabular]',
        '---',
        '# churn',
        '',
        'Predicts churn.',
        '',
        '## Intended use',
        'Ranking accounts for retention calls.',
        '',
        '## Limitations',
        'Not calibrated for new markets.',
        '',
      ].join('\n');

      it('lists use cases with the number of models each, paged', async () => {
        // Prepare
        const other = unique('uc');
        await register();
        await register({ modelName: 'second' });
        await register({ useCase: other, modelName: 'only' });
        await register(); // a second version is not a second model
        const policyOnly = unique('uc');
        await reg.setPolicy({ useCase: other, modelName: 'no-versions-yet', policy: {} });
        await reg.setPolicy({ useCase: policyOnly, modelName: 'no-versions-yet', policy: {} });
        const { publicKey } = generateKeyPairSync('ed25519');
        await reg.trustKey({
          useCase: other,
          name: 'release',
          publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        }); // the use case's reserved key stream is not a model

        // Act
        const all = (await reg.listUseCases({ limit: 1000 })).items;
        const first = await reg.listUseCases({ limit: 1 });
        const rest = await reg.listUseCases({ limit: 1000, cursor: first.nextCursor });

        // Assess
        expect(all.find((u) => u.useCase === ref.useCase)).toEqual({ useCase: ref.useCase, models: 2 });
        expect(all.find((u) => u.useCase === other)).toEqual({ useCase: other, models: 1 });
        expect(all.map((u) => u.useCase)).not.toContain(policyOnly); // `models list` shows none there
        expect(all.map((u) => u.useCase).filter((u) => u.startsWith('.'))).toEqual([]);
        expect(first.items).toHaveLength(1);
        expect(first.nextCursor).not.toBeNull();
        expect([...first.items, ...rest.items].map((u) => u.useCase)).toEqual(all.map((u) => u.useCase));
      });

      it('edits description and tags in one audited change; the rest of the version stays', async () => {
        // Prepare
        const v = await register({
          tags: { team: 'risk', temp: 'x' },
          description: 'first',
          metrics: { auc: 0.9 },
        });
        await putIn(v.version, 'staging');

        // Act
        const edited = await reg.edit({
          ...ref,
          version: v.version,
          description: 'second',
          tags: { team: 'growth' },
          untag: ['temp'],
          editedBy: 'ana',
        });

        // Assess
        const read = await reg.info({ ...ref, version: v.version });
        expect(read.description).toBe('second');
        expect(read.tags).toEqual({ team: 'growth' });
        expect(edited).toMatchObject({ description: 'second', tags: { team: 'growth' } });
        expect(read.artifact).toEqual(v.artifact);
        expect(read.metrics).toEqual({ auc: 0.9 });
        expect(read.stage).toBe('staging');
        const last = (await auditOf()).at(-1)!;
        expect(last).toMatchObject({ action: 'edit', actor: 'ana', version: v.version });
        expect(last.details).toEqual({
          description: { from: 'first', to: 'second' },
          tags: { from: { team: 'risk', temp: 'x' }, to: { team: 'growth' } },
        });
        const { listVersionsFiltered } = await import('../../src/app/filtered-versions.js');
        expect((await listVersionsFiltered(reg, { ...ref, tags: ['team=growth'] })).items).toHaveLength(1);
        expect((await listVersionsFiltered(reg, { ...ref, tags: ['team=risk'] })).items).toHaveLength(0);
        expect((await reg.verifyAudit(ref)).valid).toBe(true);
      });

      it('writes nothing for an edit that changes nothing, and refuses removing a tag that is not there', async () => {
        // Prepare
        const v = await register({ tags: { team: 'risk' }, description: 'same' });
        const before = (await auditOf()).length;

        // Act
        await reg.edit({ ...ref, version: v.version, description: 'same', tags: { team: 'risk' } });
        const error = await rejection(
          reg.edit({ ...ref, version: v.version, untag: ['owner'] }),
          ValidationError,
        );
        const cleared = await reg.edit({ ...ref, version: v.version, description: '' });

        // Assess
        expect(error.message).toContain('has no tag owner');
        expect(cleared.description).toBeUndefined();
        expect((await reg.info({ ...ref, version: v.version })).description).toBeUndefined();
        expect((await auditOf()).length).toBe(before + 1);
        await rejection(reg.edit({ ...ref, version: v.version }), ValidationError);
        const full = await register({
          tags: Object.fromEntries(Array.from({ length: LIMITS.tags }, (_, i) => [`t${i}`, 'v'])),
        });
        const over = await rejection(
          reg.edit({ ...ref, version: full.version, tags: { one: 'more' } }),
          ValidationError,
        );
        expect(over.message).toContain(`the limit is ${LIMITS.tags}`);
      });

      it('keeps card versions, audited, and writes nothing for the same card again', async () => {
        // Prepare
        const v = await register();

        // Act
        const first = await reg.setCard({ ...ref, version: v.version, text: CARD, format: 'markdown' });
        const again = await reg.setCard({ ...ref, version: v.version, text: CARD, format: 'markdown' });
        const second = await reg.setCard({
          ...ref,
          version: v.version,
          text: 'intended_use: Batch scoring only.\nmetrics: {auc: 0.99}\n',
          format: 'yaml',
          setBy: 'ana',
        });

        // Assess
        expect(first).toMatchObject({ changed: true, card: { cardVersion: 1 } });
        expect(again).toMatchObject({ changed: false, card: { cardVersion: 1 } });
        expect(second).toMatchObject({
          changed: true,
          ignored: ['metrics'],
          card: { cardVersion: 2, setBy: 'ana' },
        });
        const history = await reg.cardHistory({ ...ref, version: v.version });
        expect(history.map((c) => c.cardVersion)).toEqual([1, 2]);
        expect(history[0]!.content.metadata).toMatchObject({ license: 'apache-2.0', tags: ['tabular'] });
        const events = (await auditOf()).filter((e) => e.action === 'card.set');
        expect(events.map((e) => e.details.cardVersion)).toEqual([1, 2]);
        expect(events[1]!.details).toMatchObject({ sections: ['intended_use'], ignored: ['metrics'] });
      });

      it('fills the registry sections from its records at render, so they follow the records', async () => {
        // Prepare
        const v = await register({
          metrics: { auc: 0.91 },
          lineage: { runId: 'run-7', datasetVersion: 'ds@3' },
        });
        await reg.setCard({ ...ref, version: v.version, text: CARD, format: 'markdown' });
        const before = await reg.showCard({ ...ref, version: v.version });

        // Act
        await putIn(v.version, 'staging');
        await reg.edit({ ...ref, version: v.version, description: 'retention ranking' });
        const after = await reg.showCard({ ...ref, version: v.version });

        // Assess
        expect(before.facts).toMatchObject({
          stage: 'development',
          metrics: { auc: 0.91 },
          description: null,
        });
        expect(before.facts.lineage).toMatchObject({ runId: 'run-7', datasetVersion: 'ds@3' });
        expect(before.facts.stageHistory.map((h) => h.toStage)).toEqual(['development']);
        expect(after.facts.stage).toBe('staging');
        expect(after.facts.description).toBe('retention ranking');
        expect(after.facts.stageHistory.map((h) => h.toStage)).toEqual(['development', 'staging']);
        expect(after.card?.content.sections.intended_use).toBe('Ranking accounts for retention calls.');
        expect(after.missing).not.toContain('intended_use');
      });

      it('holds promotion by the require_model_card gate until the sections are filled', async () => {
        // Prepare
        const v = await register();
        await reg.setPolicy({
          ...ref,
          policy: { requireModelCard: { staging: ['intended_use', 'limitations'] } },
        });

        // Act
        const refused = await reg.promote({ ...ref, version: v.version, to: 'staging' });
        await reg.setCard({ ...ref, version: v.version, text: 'intended_use: Scoring.\n', format: 'yaml' });
        const stillRefused = await reg.promote({ ...ref, version: v.version, to: 'staging' });
        await reg.setCard({ ...ref, version: v.version, text: CARD, format: 'markdown' });
        const promoted = await reg.promote({ ...ref, version: v.version, to: 'staging' });

        // Assess
        expect(refused.promoted).toBe(false);
        expect(refused.gates).toContainEqual(
          expect.objectContaining({
            gate: 'require_model_card',
            actual: ['intended_use', 'limitations'],
            threshold: ['intended_use', 'limitations'],
            passed: false,
          }),
        );
        expect(stillRefused.reason).toContain('require_model_card: missing limitations');
        expect(promoted).toMatchObject({ promoted: true, stage: 'staging' });
        expect(await stageOf(v.version)).toBe('staging');
      });
    });

    describe('version events and monitoring', () => {
      const at = (h: number) => new Date(Date.UTC(2026, 4, 1, h)).toISOString();

      async function inProduction(rule: Record<string, unknown>): Promise<string[]> {
        const versions = await registerMany(2);
        for (const v of versions) await putIn(v, 'production');
        await reg.setPolicy({ ...ref, policy: { monitoring: [rule] } });
        return versions;
      }

      it('records an event with its event.record audit event and notification, and lists it by version', async () => {
        // Prepare
        const [v1, v2] = await registerMany(2);
        // Act
        const e = await reg.recordEvent({
          ...ref,
          version: v1!,
          kind: 'incident',
          details: 'late scores',
          recordedBy: 'ops',
        });
        await reg.recordEvent({ ...ref, version: v2!, kind: 'note', details: 'retrained' });
        // Assess
        expect(e).toMatchObject({
          version: v1,
          kind: 'incident',
          details: 'late scores',
          actor: 'ops',
          source: 'manual',
        });
        expect(await reg.listEvents({ ...ref, version: v1! })).toEqual([e]);
        expect((await reg.listEvents(ref)).map((x) => x.kind)).toEqual(['incident', 'note']);
        const audited = (await auditOf()).filter((a) => a.action === 'event.record');
        expect(audited.map((a) => a.details.eventId)).toContain(e.id);
        expect((await eventsOf()).filter((x) => x.type === 'model.event.record')).toHaveLength(2);
        await rejection(
          reg.recordEvent({ ...ref, version: '9.9.9', kind: 'note', details: 'x' }),
          VersionNotFoundError,
        );
      });

      it('refuses control characters in event details but keeps newlines and tabs, and says the limit', async () => {
        // Prepare
        const [v1] = await registerMany(1);
        const note = (details: string) => reg.recordEvent({ ...ref, version: v1!, kind: 'note', details });
        const before = await footprint();

        // Act
        const esc = await rejection(note('line1\nline2\u001b[31mred'), ValidationError);
        const c1 = await rejection(note('next\u0085line'), ValidationError);
        const cr = await rejection(note('progress\roverwritten'), ValidationError);
        const long = await rejection(note('x'.repeat(4097)), ValidationError);
        const unchanged = await footprint();
        const kept = await note('line1\n\tline2');

        // Assess
        expect(esc.message).toMatch(/control character U\+001B/);
        expect(esc.message).toContain('newline and tab');
        expect(c1.message).toContain('U+0085');
        expect(cr.message).toContain('U+000D');
        expect(long.message).toContain('4096');
        expect(unchanged).toEqual(before);
        expect(kept.details).toBe('line1\n\tline2');
      });

      it('writes a redelivered report once and shows the latest observation per metric', async () => {
        // Prepare
        const [v1] = await registerMany(1);
        const report = {
          ...ref,
          version: v1!,
          metrics: { auc: 0.9, latency_ms: 120 },
          at: at(1),
          window: '1h',
        };
        // Act
        const first = await reg.reportMetrics(report);
        const again = await reg.reportMetrics(report);
        await reg.reportMetrics({ ...report, metrics: { auc: 0.85 }, at: at(2) });
        const status = await reg.monitorStatus({ ...ref, version: v1! });
        // Assess
        expect(first).toMatchObject({ recorded: 2, duplicates: 0 });
        expect(again).toMatchObject({ recorded: 0, duplicates: 2 });
        expect(status.latest).toEqual([
          { metric: 'auc', value: 0.85, at: at(2), windowSeconds: 3600 },
          { metric: 'latency_ms', value: 120, at: at(1), windowSeconds: 3600 },
        ]);
      });

      it('archives production once on a sustained breach, in the same commit as the regression event', async () => {
        // Prepare
        const [, v2] = await inProduction({ metric: 'auc', min: 0.8, sustainedFor: '2h', action: 'archive' });
        await reg.reportMetrics({ ...ref, version: v2!, metrics: { auc: 0.5 }, at: at(1) });
        // Act
        const acted = await reg.reportMetrics({ ...ref, version: v2!, metrics: { auc: 0.5 }, at: at(2) });
        const redelivered = await reg.reportMetrics({
          ...ref,
          version: v2!,
          metrics: { auc: 0.5 },
          at: at(2),
        });
        // Assess
        expect(acted.rules[0]).toMatchObject({
          state: 'sustained',
          outcome: 'acted',
          actedOn: { archived: v2 },
        });
        expect(redelivered.rules[0]!.outcome).toBe('not-production');
        expect(await stageOf(v2!)).toBe('archived');
        const trail = await auditOf();
        const archive = trail.filter((a) => a.action === 'archive' && a.version === v2);
        const recorded = trail.filter((a) => a.action === 'event.record');
        expect(archive).toHaveLength(1);
        expect(recorded).toHaveLength(1);
        expect(recorded[0]!.seq).toBe(archive[0]!.seq + 1);
        const [regression] = await reg.listEvents({ ...ref, version: v2! });
        expect(regression).toMatchObject({
          kind: 'regression',
          source: 'monitor',
          id: acted.rules[0]!.eventId,
        });
        // one start time: the breach's, the same as in the reason of the archive
        expect(regression!.details).toContain(`from ${at(0)} to ${at(2)}`);
        expect(regression!.details).not.toContain(at(1));
        expect(archive[0]!.details.reason).toContain(`since ${at(0)}`);
      });

      it('refuses a report dated more than 5 minutes after the registry clock', async () => {
        // Prepare
        const now = new Date('2026-05-01T12:00:00.000Z');
        const registry = backend.registry({ clock: { now: () => now } });
        const [v1] = await registerMany(1, registry);
        const report = { ...ref, version: v1!, metrics: { auc: 0.9 } };
        // Act
        const skewed = await registry.reportMetrics({ ...report, at: '2026-05-01T12:04:59Z' });
        const refused = await rejection(
          registry.reportMetrics({ ...report, at: '2026-05-01T12:05:01Z' }),
          ValidationError,
        );
        // Assess
        expect(skewed.recorded).toBe(1);
        expect(refused.message).toContain('2026-05-01T12:05:01.000Z');
        expect(refused.message).toContain('more than 5 minutes after the registry clock');
        expect((await registry.monitorStatus({ ...ref, version: v1! })).latest).toHaveLength(1);
      });

      it('judges each report at its own time, so a stored future-dated observation does not hide a breach', async () => {
        // Prepare: a registry whose clock was far ahead once recorded an observation in 2099
        const [, v2] = await inProduction({ metric: 'auc', min: 0.85, sustainedFor: '1h', action: 'notify' });
        const ahead = backend.registry({ clock: { now: () => new Date('2099-01-01T00:00:00.000Z') } });
        await ahead.reportMetrics({
          ...ref,
          version: v2!,
          metrics: { auc: 0.9 },
          at: '2099-01-01T00:00:00Z',
        });
        // Act
        const results = [];
        for (const h of [10, 11, 12]) {
          results.push(await reg.reportMetrics({ ...ref, version: v2!, metrics: { auc: 0.1 }, at: at(h) }));
        }
        // Assess
        expect(results.map((r) => r.rules[0]!.state)).toEqual(['sustained', 'sustained', 'sustained']);
        expect(results.map((r) => r.rules[0]!.outcome)).toEqual(['acted', 'already-acted', 'already-acted']);
        expect(results[0]!.rules[0]!.span).toEqual({ from: at(9), to: at(10) });
        expect(await reg.listEvents({ ...ref, version: v2! })).toHaveLength(1);
      });

      it('does not roll back to a version that has a recorded regression', async () => {
        // Prepare: three productions in turn; a breach on the third rolls back to the second
        const [v1, v2, v3] = await registerMany(3);
        for (const v of [v1, v2, v3]) await putIn(v!, 'production');
        await reg.setPolicy({
          ...ref,
          policy: { monitoring: [{ metric: 'auc', min: 0.85, sustainedFor: '1h', action: 'rollback' }] },
        });
        const first = await reg.reportMetrics({ ...ref, version: v3!, metrics: { auc: 0.1 }, at: at(1) });
        // Act: a breach on the second, whose previous production version is the regressed third
        const second = await reg.reportMetrics({ ...ref, version: v2!, metrics: { auc: 0.1 }, at: at(2) });
        // Assess
        expect(first.rules[0]).toMatchObject({ outcome: 'acted', actedOn: { rolledBackTo: v2 } });
        expect(second.rules[0]).toMatchObject({ state: 'sustained', outcome: 'acted' });
        expect(second.rules[0]!.actedOn).toEqual({
          skipped: expect.stringContaining(`${v3} has a recorded regression`),
        });
        expect(await stageOf(v2!)).toBe('production');
        expect(await stageOf(v3!)).toBe('archived');
        const regressions = (await reg.listEvents(ref)).filter((e) => e.kind === 'regression');
        expect(regressions.map((e) => e.version)).toEqual([v3, v2]);
        expect((await eventsOf()).filter((x) => x.type === 'model.event.record')).toHaveLength(2);
        expect((await auditOf()).filter((a) => a.action === 'rollback')).toHaveLength(1);
      });

      it('does not roll back to a version a person archived (by a rollback away from it)', async () => {
        // Prepare: v2 in production after a person rolled back from v2's successor v3 (archived)
        const [v1, v2, v3] = await registerMany(3);
        for (const v of [v1, v2, v3]) await putIn(v!, 'production');
        await reg.rollback({ ...ref, reason: 'gripper regression', skipGates: true, rolledBackBy: 'oncall' });
        await reg.setPolicy({
          ...ref,
          policy: { monitoring: [{ metric: 'auc', min: 0.85, sustainedFor: '1h', action: 'rollback' }] },
        });

        // Act: a breach on v2, whose previous production version is the archived v3
        const report = await reg.reportMetrics({ ...ref, version: v2!, metrics: { auc: 0.1 }, at: at(1) });

        // Assess
        expect(report.rules[0]).toMatchObject({ state: 'sustained', outcome: 'acted' });
        expect(report.rules[0]!.actedOn).toEqual({ skipped: expect.stringContaining(`${v3} is archived`) });
        expect(await stageOf(v2!)).toBe('production');
        expect(await stageOf(v3!)).toBe('archived');
        expect(
          (await reg.listEvents(ref)).filter((e) => e.kind === 'regression').map((e) => e.version),
        ).toEqual([v2]);
      });

      it('acts on the production version of a release line, and rolls back within that line', async () => {
        // Prepare: the default line and line orin each with two productions in turn
        const [d1, d2] = await registerMany(2);
        const o1 = await register({ line: 'orin' });
        const o2 = await register({ line: 'orin' });
        const o3 = await register({ line: 'orin' });
        for (const v of [d1!, d2!, o1.version, o2.version]) await putIn(v, 'production');
        await reg.setPolicy({
          ...ref,
          policy: { monitoring: [{ metric: 'auc', min: 0.85, sustainedFor: '1h', action: 'rollback' }] },
        });
        // Act
        const rolled = await reg.reportMetrics({
          ...ref,
          version: o2.version,
          metrics: { auc: 0.1 },
          at: at(1),
        });
        await putIn(o3.version, 'production');
        await reg.setPolicy({
          ...ref,
          policy: { monitoring: [{ metric: 'auc', min: 0.85, sustainedFor: '1h', action: 'archive' }] },
        });
        const archived = await reg.reportMetrics({
          ...ref,
          version: o3.version,
          metrics: { auc: 0.1 },
          at: at(2),
        });
        // Assess
        expect(rolled.rules[0]).toMatchObject({ outcome: 'acted', actedOn: { rolledBackTo: o1.version } });
        expect(archived.rules[0]).toMatchObject({ outcome: 'acted', actedOn: { archived: o3.version } });
        expect(await stageOf(o3.version)).toBe('archived');
        expect(await stageOf(o2.version)).toBe('archived');
        await rejection(reg.info({ ...ref, stage: 'production', line: 'orin' }), VersionNotFoundError);
        expect((await reg.info({ ...ref, stage: 'production' })).version).toBe(d2);
        const rollback = (await auditOf()).filter((a) => a.action === 'rollback');
        expect(rollback).toHaveLength(1);
        expect(rollback[0]).toMatchObject({ version: o1.version, details: { line: 'orin' } });
      });

      it('records the regression but skips the rollback when the previous production version is deprecated', async () => {
        // Prepare
        const [v1, v2] = await inProduction({
          metric: 'auc',
          min: 0.85,
          sustainedFor: '1h',
          action: 'rollback',
        });
        await reg.deprecate({ ...ref, version: v1!, reason: 'trained on the leaked split' });
        // Act
        const first = await reg.reportMetrics({ ...ref, version: v2!, metrics: { auc: 0.1 }, at: at(1) });
        const later = await reg.reportMetrics({ ...ref, version: v2!, metrics: { auc: 0.1 }, at: at(2) });
        // Assess
        expect(first.rules[0]).toMatchObject({ state: 'sustained', outcome: 'acted' });
        expect(first.rules[0]!.actedOn).toEqual({
          skipped: expect.stringContaining(`previous production version ${v1} is deprecated`),
        });
        expect(later.rules[0]!.outcome).toBe('already-acted');
        expect(await stageOf(v2!)).toBe('production');
        expect(await stageOf(v1!)).toBe('deprecated');
        expect(await reg.listEvents({ ...ref, version: v2! })).toEqual([
          expect.objectContaining({ kind: 'regression', source: 'monitor', id: first.rules[0]!.eventId }),
        ]);
        expect((await eventsOf()).filter((x) => x.type === 'model.event.record')).toHaveLength(1);
      });

      it('skips a rollback that would strand an alias, saying why, instead of failing every report', async () => {
        // Prepare
        const [, v2] = await inProduction({
          metric: 'auc',
          min: 0.85,
          sustainedFor: '1h',
          action: 'rollback',
        });
        await reg.setAlias({ ...ref, version: v2!, name: 'live' });
        // Act
        const r = await reg.reportMetrics({ ...ref, version: v2!, metrics: { auc: 0.1 }, at: at(1) });
        // Assess
        expect(r.rules[0]).toMatchObject({
          outcome: 'acted',
          actedOn: { skipped: expect.stringContaining('@live') },
        });
        expect(await stageOf(v2!)).toBe('production');
        expect(await reg.listEvents({ ...ref, version: v2! })).toHaveLength(1);
      });

      it('keeps the first value of a re-sent observation and reports the conflict when the value differs', async () => {
        // Prepare
        const [v1] = await registerMany(1);
        const report = { ...ref, version: v1!, at: at(1), window: '1h' };
        await reg.reportMetrics({ ...report, metrics: { auc: 0.9, latency_ms: 120 } });
        // Act
        const resent = await reg.reportMetrics({ ...report, metrics: { auc: 0.5, latency_ms: 120 } });
        // Assess
        expect(resent).toMatchObject({ recorded: 0, duplicates: 2 });
        expect(resent.conflicts).toEqual([{ metric: 'auc', kept: 0.9, sent: 0.5 }]);
        const status = await reg.monitorStatus({ ...ref, version: v1! });
        expect(status.latest.find((l) => l.metric === 'auc')?.value).toBe(0.9);
      });

      it('refuses a metric named __proto__ by its name', async () => {
        // Prepare
        const [v1] = await registerMany(1);
        // Act
        const refused = await rejection(
          reg.reportMetrics({ ...ref, version: v1!, metrics: JSON.parse('{"__proto__": 1}') }),
          ValidationError,
        );
        // Assess
        expect(refused.message).toContain('metric name "__proto__"');
      });

      it('notifies once when clients evaluate the same sustained breach at the same time', async () => {
        // Prepare
        const [, v2] = await inProduction({ metric: 'auc', min: 0.8, sustainedFor: '1h', action: 'notify' });
        const clients = Array.from({ length: 4 }, () => backend.registry({ actor: 'monitor' }));
        // Act
        const results = await Promise.all(
          clients.map((c) => c.reportMetrics({ ...ref, version: v2!, metrics: { auc: 0.1 }, at: at(3) })),
        );
        // Assess
        expect(results.map((r) => r.rules[0]!.outcome).sort()).toEqual([
          'acted',
          'already-acted',
          'already-acted',
          'already-acted',
        ]);
        expect(await stageOf(v2!)).toBe('production');
        expect(await reg.listEvents(ref)).toHaveLength(1);
        expect((await eventsOf()).filter((x) => x.type === 'model.event.record')).toHaveLength(1);
        const status = await reg.monitorStatus({ ...ref, version: v2! });
        expect(status.rules[0]).toMatchObject({
          state: 'sustained',
          action: 'notify',
          actedAt: expect.any(String),
        });
      });
    });
  });
  describeSigningContract(backendName, makeBackend);
}

/**
 * Use cases of deployments: record that a version runs somewhere, end it, and list them
 * by version, by model, or across models by fleet, site or customer (see the storage
 * scheme in src/core/deployment.ts). The Registry exposes them.
 */
import * as z from 'zod';
import {
  type Deployment,
  type DeploymentIdentity,
  decideEndDeployment,
  decideRecordDeployment,
  deploymentIds,
  type Place,
  type RecordedDeployment,
  type RunningSlot,
} from '../core/deployment.js';
import { NotFoundError, ValidationError } from '../core/errors.js';
import { validateName } from '../core/identity.js';
import type { ModelRef } from '../core/model.js';
import type { RegistryStore } from '../core/ports.js';
import { timeOrderedId } from './ids.js';
import { FreeText, OneLine, parseInput, SelectorSchema } from './inputs.js';
import { allPages } from './pages.js';
import { type RecordUseCasePorts, requireVariant } from './variants.js';

const PlaceName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:@-]*$/, 'use letters, digits, "_", ".", ":", "@" or "-"');

/** Input of `deployments record`. */
export const RecordDeploymentSchema = SelectorSchema.extend({
  variant: z.string().min(1).optional(),
  env: PlaceName,
  fleet: PlaceName,
  site: PlaceName,
  customer: PlaceName,
  by: OneLine('who deployed it (--by)', 256).optional(),
  /** Who records it (the actor; the authenticated identity over HTTP). */
  recordedBy: OneLine('the actor', 256).optional(),
});
export type RecordDeploymentInput = z.input<typeof RecordDeploymentSchema>;

/** Input of `deployments list`: exactly one of model (optionally a version), fleet, site or customer. */
export const ListDeploymentsSchema = z
  .object({
    useCase: z.string().optional(),
    modelName: z.string().optional(),
    version: z.string().optional(),
    fleet: PlaceName.optional(),
    site: PlaceName.optional(),
    customer: PlaceName.optional(),
    active: z.boolean().default(false),
  })
  .superRefine((v, ctx) => {
    const places = [v.fleet, v.site, v.customer].filter((x) => x !== undefined).length;
    const byModel = v.useCase !== undefined || v.modelName !== undefined;
    if (places + (byModel ? 1 : 0) !== 1) {
      ctx.addIssue({
        code: 'custom',
        message:
          'list deployments of one model (--use-case U --model M [--version V]) or of one --fleet, --site or --customer.',
      });
    } else if (byModel && (v.useCase === undefined || v.modelName === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'name both --use-case and --model to list a model’s deployments.',
      });
    } else if (!byModel && v.version !== undefined) {
      ctx.addIssue({ code: 'custom', message: '--version needs --use-case and --model.' });
    }
  });
export type ListDeploymentsInput = z.input<typeof ListDeploymentsSchema>;

/** The running slot of a deployment's identity, read by key (strongly consistent). */
async function runningSlot(store: RegistryStore, d: DeploymentIdentity): Promise<RunningSlot | null> {
  const found = await store.getRecord('deployment', deploymentIds.running(d));
  if (!found) return null;
  return {
    status: found.status === 'running' ? 'running' : 'free',
    deploymentId: String(found.doc.deploymentId),
  };
}

const sameDeployment = (a: DeploymentIdentity, b: DeploymentIdentity) =>
  a.version === b.version &&
  a.variant === b.variant &&
  a.env === b.env &&
  a.fleet === b.fleet &&
  a.site === b.site &&
  a.customer === b.customer;

/**
 * The identical deployment running now: the one its running slot names, or (for deployments
 * recorded before slots existed) one found among the model's running deployments.
 */
async function runningNow(
  store: RegistryStore,
  d: DeploymentIdentity,
  slot: RunningSlot | null,
): Promise<Deployment | null> {
  if (slot !== null) return slot.status === 'running' ? getDeployment(store, slot.deploymentId) : null;
  const ofModel = await deploymentsOfModel(store, d, d.version);
  return ofModel.find((x) => x.status === 'active' && sameDeployment(x, d)) ?? null;
}

/**
 * Records a deployment of a version (or one of its variants), audited as `deployment.record`.
 * Recording one identical to a running deployment answers that one (`alreadyRunning`) and
 * writes nothing; the commit is conditioned on the model's revision, so of concurrent
 * writers one records it and the others, re-deciding, find it running.
 */
export async function recordDeployment(
  ports: RecordUseCasePorts,
  input: RecordDeploymentInput,
): Promise<RecordedDeployment> {
  const req = parseInput(RecordDeploymentSchema, input);
  const ref = { useCase: req.useCase, modelName: req.modelName };
  const id = timeOrderedId();
  return ports.mutate(async () => {
    const { head, version } = await ports.load(ref, req);
    if (req.variant !== undefined) await requireVariant(ports.store, ref, version.version, req.variant);
    const who = ports.who(req.recordedBy);
    const deployment: Deployment = {
      id,
      ...ref,
      version: version.version,
      variant: req.variant ?? null,
      env: req.env,
      fleet: req.fleet,
      site: req.site,
      customer: req.customer,
      by: req.by ?? who.actor,
      recordedAt: who.now,
      recordedBy: who.actor,
      status: 'active',
      endedAt: null,
      endedBy: null,
      endReason: null,
    };
    const slot = await runningSlot(ports.store, deployment);
    const running = await runningNow(ports.store, deployment, slot);
    return decideRecordDeployment(ref, head, version, deployment, who, { slot, running });
  });
}

/** One deployment by id. */
export async function getDeployment(store: RegistryStore, id: string): Promise<Deployment> {
  const found = await store.getRecord('deployment', id);
  if (!found || found.doc.deploymentId !== undefined) {
    throw new NotFoundError(`no deployment ${id}; deployments list shows the ids.`, { deploymentId: id });
  }
  return found.doc as unknown as Deployment;
}

/** Marks a running deployment as ended, audited as `deployment.end`. */
export async function endDeployment(
  ports: RecordUseCasePorts,
  input: { id: string; reason?: string | undefined; by?: string | undefined },
): Promise<Deployment> {
  const req = parseInput(
    z.object({
      id: z.string().min(1, 'the deployment id is required (--id ID)'),
      reason: FreeText('the reason (--reason)', 1024).optional(),
      by: OneLine('who ends it (--by)', 256).optional(),
    }),
    input,
  );
  return ports.mutate(async () => {
    const current = await getDeployment(ports.store, req.id);
    const ref = { useCase: current.useCase, modelName: current.modelName };
    const head = await ports.requireHead(ref);
    const slot = await runningSlot(ports.store, current);
    return decideEndDeployment(ref, head, current, req.reason ?? null, ports.who(req.by), slot);
  });
}

/** A model's deployments (all, or of one version), oldest first. */
export async function deploymentsOfModel(
  store: RegistryStore,
  ref: ModelRef,
  version?: string,
): Promise<Deployment[]> {
  const records = await allPages((cursor) =>
    store.listRecords('deployment', { scope: deploymentIds.scope(ref) }, { limit: 1000, cursor }),
  );
  return records
    .map((r) => r.doc as unknown as Deployment)
    .filter((d) => version === undefined || d.version === version);
}

/** Deployments at one fleet, site or customer across models: one query, then each by id. */
async function deploymentsAt(store: RegistryStore, place: Place, value: string): Promise<Deployment[]> {
  const pointers = await allPages((cursor) =>
    store.listRecords(
      'deployment',
      { scope: deploymentIds.placeScope(place, value) },
      { limit: 1000, cursor },
    ),
  );
  const out: Deployment[] = [];
  for (const p of pointers) out.push(await getDeployment(store, String(p.doc.deploymentId)));
  return out;
}

/** Deployments by model (or version), fleet, site or customer; only running ones with `active`. */
export async function listDeployments(
  store: RegistryStore,
  input: ListDeploymentsInput,
): Promise<Deployment[]> {
  const req = parseInput(ListDeploymentsSchema, input);
  let found: Deployment[];
  if (req.fleet !== undefined) found = await deploymentsAt(store, 'fleet', req.fleet);
  else if (req.site !== undefined) found = await deploymentsAt(store, 'site', req.site);
  else if (req.customer !== undefined) found = await deploymentsAt(store, 'customer', req.customer);
  else {
    const ref = { useCase: req.useCase!, modelName: req.modelName! };
    validateName('use case', ref.useCase);
    validateName('model name', ref.modelName);
    if (req.version !== undefined && req.version.trim() === '') {
      throw new ValidationError('--version is empty; give a version such as 1.2.0.');
    }
    found = await deploymentsOfModel(store, ref, req.version);
  }
  return found
    .filter((d) => !req.active || d.status === 'active')
    .sort((a, b) => a.recordedAt.localeCompare(b.recordedAt) || a.id.localeCompare(b.id));
}

/**
 * The deployments still running a version that has left use: the one a rollback moved
 * production away from, or one archived or deprecated (none for `null`: nothing left use).
 * Each should be redeployed, then ended. Other versions' deployments are not listed: a
 * canary of a staging version, or the production of another release line, is not stale.
 */
export async function stillRunning(
  store: RegistryStore,
  ref: { useCase: string; modelName: string },
  version: string | null,
): Promise<Deployment[]> {
  return version === null ? [] : listDeployments(store, { ...ref, version, active: true });
}

/**
 * Deployments: the registry's record that a version (or one of its variants) runs in an
 * environment, on a fleet, at a site, for a customer. "Deployed" and "running now" are
 * derived from these records: a deployment is running until it is ended.
 *
 * Storage scheme (no Scan on DynamoDB): the deployment record is scoped by model and has
 * status `active` or `ended`, so it lists by model (scope) and, across models, by status.
 * Three pointer records, scoped `fleet:F`, `site:S` and `customer:C`, are written in the same
 * commit, so fleet, site and customer list with one Query each and the deployment is then
 * read by id (its status lives in one place only, changed by `end`).
 *
 * A fourth record, the running slot, is keyed by what the deployment is (model, version,
 * variant, env, fleet, site, customer) and says which deployment runs there now: recording
 * the same deployment again reads it by key (a strongly consistent read on every backend)
 * and answers the running one instead of writing a duplicate.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { AuditDraft } from './audit.js';
import { recordChange } from './change.js';
import type { Actor, Decision } from './decisions.js';
import { ConflictError, InvalidTransitionError } from './errors.js';
import type { ModelHead } from './head.js';
import { type ModelRef, refLabel } from './model.js';
import type { RecordWrite, VersionRecord } from './ports.js';

/** Where a deployment can be listed across models. */
export const PLACES = ['fleet', 'site', 'customer'] as const;
export type Place = (typeof PLACES)[number];

/** A deployment: which version (and variant) runs where, since when, and whether it still does. */
export const DeploymentSchema = z.object({
  id: z.string(),
  useCase: z.string(),
  modelName: z.string(),
  version: z.string(),
  variant: z.string().nullable(),
  env: z.string(),
  fleet: z.string(),
  site: z.string(),
  customer: z.string(),
  /** Who deployed it (the person or system that rolled it out). */
  by: z.string(),
  recordedAt: z.string(),
  recordedBy: z.string(),
  status: z.enum(['active', 'ended']),
  endedAt: z.string().nullable(),
  endedBy: z.string().nullable(),
  endReason: z.string().nullable(),
});
export type Deployment = z.infer<typeof DeploymentSchema>;

/** What makes two deployments the same one: recording it again while it runs changes nothing. */
export type DeploymentIdentity = Pick<
  Deployment,
  'useCase' | 'modelName' | 'version' | 'variant' | 'env' | 'fleet' | 'site' | 'customer'
>;

/** Record ids and scopes of deployments, one place. */
export const deploymentIds = {
  scope: (ref: ModelRef) => `${ref.useCase}/${ref.modelName}`,
  placeScope: (place: Place, value: string) => `${place}:${value}`,
  pointer: (id: string, place: Place) => `${id}/${place}`,
  /** The running slot of a deployment's identity (hashed: the parts are long and free-form). */
  running: (d: DeploymentIdentity) => {
    const parts = [d.useCase, d.modelName, d.version, d.variant, d.env, d.fleet, d.site, d.customer];
    return `running/${createHash('sha256').update(JSON.stringify(parts)).digest('hex')}`;
  },
  runningScope: (ref: ModelRef) => `running:${ref.useCase}/${ref.modelName}`,
};

/** The answer of recording a deployment: the new one, or the identical one already running. */
export const RecordedDeploymentSchema = DeploymentSchema.extend({
  /** The identical deployment was running already: it is the answer and nothing was written. */
  alreadyRunning: z.literal(true).optional(),
});
export type RecordedDeployment = z.infer<typeof RecordedDeploymentSchema>;

/** The running slot's record, as read before deciding (null: never recorded with a slot). */
export interface RunningSlot {
  status: 'running' | 'free';
  deploymentId: string;
}

function slotWrite(ref: ModelRef, d: Deployment, status: RunningSlot['status'], prior: RunningSlot | null) {
  return {
    record: {
      kind: 'deployment',
      id: deploymentIds.running(d),
      scope: deploymentIds.runningScope(ref),
      status,
      doc: { deploymentId: d.id, running: status === 'running' },
    },
    expect: prior === null ? 'absent' : { status: prior.status },
  } satisfies RecordWrite;
}

/**
 * Records a deployment (its three pointers and its running slot) with a `deployment.record`
 * audit event. When the identical deployment already runs (`running`, read from its slot or
 * found among the model's deployments), it is the answer, with `alreadyRunning`, and nothing
 * is written.
 */
export function decideRecordDeployment(
  ref: ModelRef,
  head: ModelHead,
  version: VersionRecord,
  deployment: Deployment,
  who: Actor,
  existing: { slot: RunningSlot | null; running: Deployment | null } = { slot: null, running: null },
): Decision<RecordedDeployment> {
  if (existing.running !== null && existing.running.status === 'active') {
    return { change: null, result: { ...existing.running, alreadyRunning: true } };
  }
  if (version.stage === 'archived' || version.stage === 'deprecated') {
    throw new InvalidTransitionError(
      version.stage === 'archived'
        ? `${refLabel(ref)} ${version.version} is archived and not eligible for new deployments; roll it back to production first, or deploy the current production version.`
        : `${refLabel(ref)} ${version.version} is deprecated and not eligible for new deployments; deploy the current production version.`,
      { version: version.version, stage: version.stage },
    );
  }
  const records: RecordWrite[] = [
    {
      record: {
        kind: 'deployment',
        id: deployment.id,
        scope: deploymentIds.scope(ref),
        status: 'active',
        doc: deployment as unknown as Record<string, unknown>,
      },
      expect: 'absent',
    },
    ...PLACES.map(
      (place): RecordWrite => ({
        record: {
          kind: 'deployment',
          id: deploymentIds.pointer(deployment.id, place),
          scope: deploymentIds.placeScope(place, deployment[place]),
          doc: { deploymentId: deployment.id },
        },
        expect: 'absent',
      }),
    ),
    slotWrite(ref, deployment, 'running', existing.slot),
  ];
  const draft: AuditDraft = {
    at: who.now,
    actor: who.actor,
    action: 'deployment.record',
    version: version.version,
    fromStage: null,
    toStage: null,
    details: {
      deploymentId: deployment.id,
      variant: deployment.variant,
      env: deployment.env,
      fleet: deployment.fleet,
      site: deployment.site,
      customer: deployment.customer,
      by: deployment.by,
      stage: version.stage,
    },
  };
  return { change: recordChange(ref, head, records, [draft], who.now), result: deployment };
}

/**
 * Ends a running deployment once, with a `deployment.end` audit event; ending it again is
 * refused. Its running slot (when it holds this deployment) is freed in the same commit.
 */
export function decideEndDeployment(
  ref: ModelRef,
  head: ModelHead,
  deployment: Deployment,
  reason: string | null,
  who: Actor,
  slot: RunningSlot | null = null,
): Decision<Deployment> {
  if (deployment.status === 'ended') {
    throw new ConflictError(
      `deployment ${deployment.id} already ended at ${deployment.endedAt} (by ${deployment.endedBy}); record a new deployment if it runs again.`,
      { deploymentId: deployment.id },
    );
  }
  const ended: Deployment = {
    ...deployment,
    status: 'ended',
    endedAt: who.now,
    endedBy: who.actor,
    endReason: reason,
  };
  const draft: AuditDraft = {
    at: who.now,
    actor: who.actor,
    action: 'deployment.end',
    version: deployment.version,
    fromStage: null,
    toStage: null,
    details: { deploymentId: deployment.id, fleet: deployment.fleet, site: deployment.site, reason },
  };
  const write: RecordWrite = {
    record: {
      kind: 'deployment',
      id: deployment.id,
      scope: deploymentIds.scope(ref),
      status: 'ended',
      doc: ended as unknown as Record<string, unknown>,
    },
    expect: { status: 'active' },
  };
  const writes =
    slot !== null && slot.status === 'running' && slot.deploymentId === deployment.id
      ? [write, slotWrite(ref, ended, 'free', slot)]
      : [write];
  return { change: recordChange(ref, head, writes, [draft], who.now), result: ended };
}

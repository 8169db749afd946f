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
 */
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

/** Record ids and scopes of deployments, one place. */
export const deploymentIds = {
  scope: (ref: ModelRef) => `${ref.useCase}/${ref.modelName}`,
  placeScope: (place: Place, value: string) => `${place}:${value}`,
  pointer: (id: string, place: Place) => `${id}/${place}`,
};

/** Records a deployment (and its three pointers) with a `deployment.record` audit event. */
export function decideRecordDeployment(
  ref: ModelRef,
  head: ModelHead,
  version: VersionRecord,
  deployment: Deployment,
  who: Actor,
): Decision<Deployment> {
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

/** Ends a running deployment once, with a `deployment.end` audit event; ending it again is refused. */
export function decideEndDeployment(
  ref: ModelRef,
  head: ModelHead,
  deployment: Deployment,
  reason: string | null,
  who: Actor,
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
  return { change: recordChange(ref, head, [write], [draft], who.now), result: ended };
}

/**
 * Which running deployments run another version than production: after a rollback, the
 * ones still on the version that was rolled back from.
 */
export function staleDeployments(
  deployments: readonly Deployment[],
  productionVersion: string | null,
): Deployment[] {
  return deployments.filter((d) => d.status === 'active' && d.version !== productionVersion);
}

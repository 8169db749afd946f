/**
 * `models explain`: reads every record of one version (lineage, audit trail, evidence,
 * approvals, variants, deployments, version events) and lets the domain assemble the six
 * answers. Also, until the monitor branch's events use case is merged, the recording of
 * one version event in the shape it uses.
 */
import * as z from 'zod';
import type { AuditEvent } from '../core/audit.js';
import type { Deployment } from '../core/deployment.js';
import { type Explanation, explain, type VersionEvent } from '../core/explain.js';
import type { RecordKind } from '../core/ports.js';
import { recordChange } from '../core/variant.js';
import { type Approval, type Evidence, ids } from '../core/workflow.js';
import { deploymentsOfModel } from './deployments.js';
import { timeOrderedId } from './ids.js';
import { parseInput, type SelectorInput, SelectorSchema } from './inputs.js';
import { allPages } from './pages.js';
import { type RecordUseCasePorts, variantsOf } from './variants.js';

/** The record kind of version events (owned by the monitor branch; read here by name). */
const EVENT_KIND = 'event' as RecordKind;

/** Answers the six provenance questions of one version from the registry's records. */
export async function explainVersion(ports: RecordUseCasePorts, input: SelectorInput): Promise<Explanation> {
  const req = parseInput(SelectorSchema, input);
  const ref = { useCase: req.useCase, modelName: req.modelName };
  const { version } = await ports.load(ref, req);
  const scope = { scope: ids.modelScope(ref) };
  const list = (kind: RecordKind) =>
    allPages((cursor) => ports.store.listRecords(kind, scope, { limit: 1000, cursor })).then((rs) =>
      rs.map((r) => r.doc),
    );
  const audit = await allPages<AuditEvent>((cursor) => ports.store.listAudit(ref, { limit: 1000, cursor }));
  const [evidence, approvals, events, variants, deployments] = await Promise.all([
    list('evidence') as Promise<unknown[]> as Promise<Evidence[]>,
    list('approval') as Promise<unknown[]> as Promise<Approval[]>,
    list(EVENT_KIND) as Promise<unknown[]> as Promise<VersionEvent[]>,
    variantsOf(ports.store, ref, version.version),
    deploymentsOfModel(ports.store, ref, version.version) as Promise<Deployment[]>,
  ]);
  return explain({ version, audit, evidence, approvals, variants, deployments, events });
}

/** Input of a version event, in the shape the monitor branch records. */
export const VersionEventSchema = SelectorSchema.extend({
  kind: z.enum(['regression', 'incident', 'maintenance', 'note']),
  details: z.string().min(1, 'say what happened (details)').max(4096),
  source: z.enum(['manual', 'monitor']).default('manual'),
  actor: z.string().min(1).max(256).optional(),
});

/**
 * Records a version event (kind `event`, audited `event.record`) in one commit. A stand-in
 * for the monitor branch's `events record` use case, which replaces it at merge.
 */
export async function recordVersionEvent(
  ports: RecordUseCasePorts,
  input: z.input<typeof VersionEventSchema>,
): Promise<VersionEvent> {
  const req = parseInput(VersionEventSchema, input);
  const ref = { useCase: req.useCase, modelName: req.modelName };
  const id = timeOrderedId();
  return ports.mutate(async () => {
    const { head, version } = await ports.load(ref, req);
    const who = ports.who(req.actor);
    const event: VersionEvent = {
      id,
      ...ref,
      version: version.version,
      kind: req.kind,
      details: req.details,
      at: who.now,
      actor: who.actor,
      source: req.source,
    };
    const record = {
      kind: EVENT_KIND,
      id,
      scope: ids.modelScope(ref),
      doc: event as unknown as Record<string, unknown>,
    };
    return {
      change: recordChange(
        ref,
        head,
        [{ record, expect: 'absent' }],
        [
          {
            at: who.now,
            actor: who.actor,
            action: 'event.record',
            version: version.version,
            fromStage: null,
            toStage: null,
            details: { eventId: id, kind: event.kind, details: event.details, source: event.source },
          },
        ],
        who.now,
      ),
      result: event,
    };
  });
}

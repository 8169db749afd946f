/**
 * `models explain`: reads every record of one version (lineage, audit trail, evidence,
 * approvals, variants, deployments, version events) and lets the domain assemble the six
 * answers.
 */
import type { AuditEvent } from '../core/audit.js';
import type { Deployment } from '../core/deployment.js';
import { eventScope, type VersionEvent } from '../core/events.js';
import { type Explanation, explain } from '../core/explain.js';
import type { RecordKind } from '../core/ports.js';
import { type Approval, type Evidence, ids } from '../core/workflow.js';
import { deploymentsOfModel } from './deployments.js';
import { parseInput, type SelectorInput, SelectorSchema } from './inputs.js';
import { allPages } from './pages.js';
import { type RecordUseCasePorts, variantsOf } from './variants.js';

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
    allPages((cursor) =>
      ports.store.listRecords('event', { scope: eventScope(ref) }, { limit: 1000, cursor }),
    ).then((rs) => rs.map((r) => r.doc as unknown as VersionEvent)),
    variantsOf(ports.store, ref, version.version),
    deploymentsOfModel(ports.store, ref, version.version) as Promise<Deployment[]>,
  ]);
  return explain({ version, audit, evidence, approvals, variants, deployments, events });
}

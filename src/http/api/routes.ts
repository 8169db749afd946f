/**
 * Every route of the JSON API, one per CLI operation. Each parses its input with the use
 * case's own schema (picked from src/app/inputs.ts), calls the use case as the
 * authenticated identity, and answers the CLI's `--json` shape.
 */
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { listVersionsFiltered } from '../../app/filtered-versions.js';
import {
  ArchiveSchema,
  CompareSchema,
  DemoteSchema,
  LineageSchema,
  PromoteSchema,
  RegisterSchema,
  RollbackSchema,
} from '../../app/inputs.js';
import { resumeWorkflow } from '../../app/resume-workflow.js';
import { verifyDecisionToken } from '../../core/approval-links.js';
import { AuditEventSchema } from '../../core/audit.js';
import { GateFailedError, ValidationError } from '../../core/errors.js';
import { ModelVersionSchema, StageSchema } from '../../core/model.js';
import { PolicySchema } from '../../core/policy.js';
import {
  APPROVAL_STATUSES,
  type Approval,
  ApprovalSchema,
  EvalSetSchema,
  EvidenceSchema,
} from '../../core/workflow.js';
import { errorBody } from '../errors.js';
import { cardRoutes } from './card-routes.js';
import { lifeRoutes } from './life-routes.js';
import { lineageRoutes } from './lineage-routes.js';
import { monitorSpecs } from './monitor-routes.js';
import { type AnyRoute, PageQuery, PathParams, pageOf, Reply, route } from './route.js';
import { multipartUpload, type SourcePolicy, sourceOf } from './uploads.js';
import { webhookSpecs } from './webhook-routes.js';

const ref = (p: { useCase: string; model: string }) => ({ useCase: p.useCase, modelName: p.model });
const sel = (p: { useCase: string; model: string; version: string }) => ({ ...ref(p), version: p.version });
const pageOfSchema = (item: z.ZodType) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

/** An approval as the API shows it: without the workflow's task token (it resumes the workflow). */
const publicApproval = ({ taskToken: _t, ...a }: Approval) => a;
const PublicApprovalSchema = ApprovalSchema.omit({ taskToken: true });

/** What the register body holds besides the artifact: RegisterSchema's fields, the actor excepted. */
const RegisterFields = RegisterSchema.pick({
  version: true,
  bump: true,
  metrics: true,
  metadata: true,
  lineage: true,
  tags: true,
  line: true,
  description: true,
}).strict();
const RegisterJson = RegisterFields.extend({
  source: z
    .string({
      error: 'source is required: a path on the server or s3://bucket/key (or upload the file as multipart)',
    })
    .min(1),
}).strict();

const ModelSummarySchema = z.object({
  useCase: z.string(),
  modelName: z.string(),
  productionVersion: z.string().nullable(),
  productionSince: z.string().nullable(),
  latestVersion: z.string().nullable(),
  versionCount: z.number(),
  aliases: z.record(z.string(), z.string()),
  updatedAt: z.string(),
  lines: z.record(z.string(), z.string().nullable()).optional(),
});

/** What the routes need beyond the registry. */
export interface ApiOptions {
  /** Which server-side sources (paths, s3://) a register may name. */
  sources: SourcePolicy;
  /** The key approval links are signed with (to check a link's token). */
  approvalSecret: () => Promise<Buffer>;
}

/** The API's routes. */
export function apiSpecs({ sources, approvalSecret }: ApiOptions): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/models/:useCase',
      summary: 'The models of a use case with their production version',
      cli: 'models list --use-case U',
      role: 'viewer',
      params: z.object({ useCase: z.string() }),
      query: PageQuery,
      response: pageOfSchema(ModelSummarySchema),
      handler: ({ registry, params, query }) =>
        registry.listModels({ useCase: params.useCase, ...pageOf(query) }),
    }),
    route({
      method: 'get',
      path: '/models/:useCase/:model/versions',
      summary: 'Versions of a model, newest first, filtered by stage, tag (key=value) and metric (auc>=0.9)',
      cli: 'models list --use-case U --model M',
      role: 'viewer',
      params: PathParams.model,
      query: PageQuery.extend({
        stage: StageSchema.optional(),
        line: z.string().optional(),
        tag: z.array(z.string()).optional(),
        metric: z.array(z.string()).optional(),
      }).strict(),
      response: pageOfSchema(ModelVersionSchema),
      handler: ({ registry, params, query }) =>
        listVersionsFiltered(registry, {
          ...ref(params),
          ...(query.stage ? { stage: query.stage } : {}),
          ...(query.line ? { line: query.line } : {}),
          ...pageOf(query),
          tags: query.tag ?? [],
          metrics: query.metric ?? [],
        }),
    }),
    route({
      method: 'post',
      path: '/models/:useCase/:model/versions',
      summary:
        'Register a version: multipart (field `artifact` = the file, field `input` = JSON of the other fields) or JSON with a `source` (s3://… or an allowed server path)',
      cli: 'models register',
      role: 'editor',
      params: PathParams.model,
      body: RegisterJson,
      custom: multipartUpload(RegisterFields),
      response: ModelVersionSchema,
      status: 201,
      handler: async ({ registry, identity, params, body }) => {
        const { source, upload, ...fields } = body as z.output<typeof RegisterJson> & { upload?: string };
        const artifactPath = upload ?? (await sourceOf(source, sources));
        return registry.register({ ...ref(params), ...fields, artifactPath, registeredBy: identity.actor });
      },
    }),
    route({
      method: 'get',
      path: '/models/:useCase/:model/versions/:version',
      summary: 'One version (or @alias): artifact, metrics, metadata, lineage, tags',
      cli: 'models info',
      role: 'viewer',
      params: PathParams.version,
      response: ModelVersionSchema,
      handler: ({ registry, params }) => registry.info(sel(params)),
    }),
    route({
      method: 'get',
      path: '/models/:useCase/:model/stages/:stage',
      summary: 'The newest version in a stage (production: the one production version)',
      cli: 'models info --stage S',
      role: 'viewer',
      params: PathParams.model.extend({ stage: StageSchema }),
      response: ModelVersionSchema,
      handler: ({ registry, params }) => registry.info({ ...ref(params), stage: params.stage }),
    }),
    route({
      method: 'post',
      path: '/models/:useCase/:model/versions/:version/promote',
      summary:
        'Promote one stage up (or `to`), through the policy and the given gates; 422 with the gate table when a gate fails',
      cli: 'models promote',
      role: 'editor',
      params: PathParams.version,
      body: PromoteSchema.pick({ to: true, gates: true, confidence: true }).strict(),
      handler: async ({ registry, identity, params, body }) => {
        const r = await registry.promote({ ...sel(params), ...body, promotedBy: identity.actor });
        if (r.promoted) return r;
        // refused by a gate: the CLI's --json shape (the result and the error), status 422
        const error = new GateFailedError(`promotion of ${r.version} refused: ${r.reason}`, {
          gates: r.gates,
        });
        return new Reply(422, { ...r, ...errorBody(error) });
      },
    }),
    route({
      method: 'post',
      path: '/models/:useCase/:model/versions/:version/demote',
      summary: 'Move a version back (to staging by default)',
      cli: 'models demote',
      role: 'editor',
      params: PathParams.version,
      body: DemoteSchema.pick({ to: true }).strict(),
      handler: ({ registry, identity, params, body }) =>
        registry.demote({ ...sel(params), ...body, demotedBy: identity.actor }),
    }),
    route({
      method: 'post',
      path: '/models/:useCase/:model/versions/:version/archive',
      summary:
        'Archive a version (the production version only with force); `stillRunning` lists the deployments to redeploy and end',
      cli: 'models archive',
      role: 'editor',
      params: PathParams.version,
      body: ArchiveSchema.pick({ force: true, reason: true }).strict(),
      handler: async ({ registry, identity, params, body }) => {
        const r = await registry.archive({ ...sel(params), ...body, archivedBy: identity.actor });
        return { ...r, stillRunning: await registry.stillRunning(ref(params), r.version) };
      },
    }),
    route({
      method: 'post',
      path: '/models/:useCase/:model/rollback',
      summary:
        'Return production to the previous version (or `version`); `stillRunning` lists the deployments of the version rolled back from',
      cli: 'models rollback',
      role: 'editor',
      params: PathParams.model,
      body: RollbackSchema.pick({ version: true, reason: true, line: true }).strict(),
      handler: async ({ registry, identity, params, body }) => {
        const r = await registry.rollback({ ...ref(params), ...body, rolledBackBy: identity.actor });
        // the deployments still running the version production moved away from
        return { ...r, stillRunning: await registry.stillRunning(ref(params), r.archivedVersion) };
      },
    }),
    route({
      method: 'put',
      path: '/models/:useCase/:model/aliases/:alias',
      summary: 'Point an alias at a version (moves it if it points elsewhere)',
      cli: 'models alias set',
      role: 'editor',
      params: PathParams.model.extend({ alias: z.string() }),
      body: z
        .object({
          version: z.string({ error: 'version is required: the version the alias points at' }),
          weight: z.number().optional(),
          shadow: z.boolean().optional(),
        })
        .strict(),
      handler: ({ registry, identity, params, body }) =>
        registry.setAlias({
          ...ref(params),
          name: params.alias,
          version: body.version,
          ...(body.weight !== undefined ? { weight: body.weight } : {}),
          ...(body.shadow ? { shadow: true } : {}),
          setBy: identity.actor,
        }),
    }),
    route({
      method: 'delete',
      path: '/models/:useCase/:model/aliases/:alias',
      summary: 'Remove an alias',
      cli: 'models alias remove',
      role: 'editor',
      params: PathParams.model.extend({ alias: z.string() }),
      handler: ({ registry, identity, params }) =>
        registry.removeAlias({ ...ref(params), name: params.alias, removedBy: identity.actor }),
    }),
    route({
      method: 'get',
      path: '/models/:useCase/:model/compare',
      summary: 'Compare the metrics of two versions (delta = b − a)',
      cli: 'models compare',
      role: 'viewer',
      params: PathParams.model,
      query: CompareSchema.pick({ a: true, b: true }).strict(),
      handler: ({ registry, params, query }) => registry.compare({ ...ref(params), a: query.a, b: query.b }),
    }),
    route({
      method: 'get',
      path: '/models/:useCase/:model/policy',
      summary: "A model's policy",
      cli: 'policy show',
      role: 'viewer',
      params: PathParams.model,
      response: PolicySchema,
      handler: ({ registry, params }) => registry.getPolicy(ref(params)),
    }),
    route({
      method: 'put',
      path: '/models/:useCase/:model/policy',
      summary: 'Replace the policy (admin)',
      cli: 'policy set --file F',
      role: 'admin',
      params: PathParams.model,
      body: z.object({ policy: PolicySchema }).strict(),
      response: PolicySchema,
      handler: ({ registry, identity, params, body }) =>
        registry.setPolicy({ ...ref(params), policy: body.policy, setBy: identity.actor }),
    }),
    route({
      method: 'get',
      path: '/models/:useCase/:model/audit',
      summary: 'Every change, oldest first',
      cli: 'audit show',
      role: 'viewer',
      params: PathParams.model,
      query: PageQuery,
      response: pageOfSchema(AuditEventSchema),
      handler: ({ registry, params, query }) => registry.auditTrail({ ...ref(params), ...pageOf(query) }),
    }),
    route({
      method: 'get',
      path: '/models/:useCase/:model/audit/verify',
      summary: 'Verify the hash chain of the audit trail',
      cli: 'audit verify',
      role: 'viewer',
      params: PathParams.model,
      handler: ({ registry, params }) => registry.verifyAudit(ref(params)),
    }),
    route({
      method: 'get',
      path: '/lineage/:runId',
      summary: 'Versions produced by a training run',
      cli: 'lineage show --run-id R',
      role: 'viewer',
      params: LineageSchema.pick({ runId: true }),
      query: PageQuery,
      handler: ({ registry, params, query }) => registry.lineage({ runId: params.runId, ...pageOf(query) }),
    }),
    route({
      method: 'get',
      path: '/evalsets/:useCase/:name',
      summary: 'The versions of an evaluation set',
      cli: 'evalsets list',
      role: 'viewer',
      params: z.object({ useCase: z.string(), name: z.string() }),
      response: z.object({ items: z.array(EvalSetSchema) }),
      handler: async ({ registry, params }) => ({ items: await registry.listEvalSets(params) }),
    }),
    route({
      method: 'post',
      path: '/evalsets/:useCase/:name',
      summary:
        'Register the next version of an evaluation set: multipart (field `artifact`, optional `input` = {"description"}) or JSON with a `source`',
      cli: 'evalsets register',
      role: 'editor',
      params: z.object({ useCase: z.string(), name: z.string() }),
      body: z.object({ source: z.string().min(1), description: z.string().max(1024).optional() }).strict(),
      custom: multipartUpload(z.object({ description: z.string().max(1024).optional() }).strict()),
      response: EvalSetSchema,
      status: 201,
      handler: async ({ registry, identity, params, body }) => {
        const { source, upload, description } = body as {
          source?: string;
          upload?: string;
          description?: string;
        };
        const file = upload ?? (await sourceOf(source, sources));
        return registry.registerEvalSet({
          ...params,
          file,
          ...(description !== undefined ? { description } : {}),
          registeredBy: identity.actor,
        });
      },
    }),
    route({
      method: 'get',
      path: '/models/:useCase/:model/versions/:version/evidence',
      summary: 'The evaluation evidence attached to a version',
      cli: 'evalsets evidence',
      role: 'viewer',
      params: PathParams.version,
      response: z.object({ items: z.array(EvidenceSchema) }),
      handler: async ({ registry, params }) => ({ items: await registry.evidence(sel(params)) }),
    }),
    route({
      method: 'post',
      path: '/models/:useCase/:model/versions/:version/evaluate',
      summary: "Evaluate a version on the model's standard evaluation set now",
      cli: 'evalsets evaluate',
      role: 'editor',
      params: PathParams.version,
      body: z.object({}).strict(),
      handler: ({ registry, identity, params }) =>
        registry.evaluate({ ...sel(params), evaluatedBy: identity.actor }),
    }),
    route({
      method: 'get',
      path: '/approvals',
      summary: 'Approval requests (pending by default)',
      cli: 'approvals list',
      role: 'viewer',
      query: z
        .object({ status: z.enum(APPROVAL_STATUSES).default('pending'), useCase: z.string().optional() })
        .strict(),
      response: z.object({ items: z.array(PublicApprovalSchema) }),
      handler: async ({ registry, query }) => ({
        items: (
          await registry.listApprovals({
            status: query.status,
            ...(query.useCase ? { useCase: query.useCase } : {}),
          })
        ).map(publicApproval),
      }),
    }),
    route({
      method: 'get',
      path: '/approvals/:approvalId',
      summary: 'One approval request',
      role: 'viewer',
      params: z.object({ approvalId: z.string().min(1) }),
      response: PublicApprovalSchema,
      handler: async ({ registry, params }) => publicApproval(await registry.getApproval(params.approvalId)),
    }),
    route({
      method: 'post',
      path: '/models/:useCase/:model/versions/:version/approval',
      summary:
        'Ask for approval of a staging version (the requester is the caller; like the CLI, no workflow waits on it)',
      cli: 'approvals request',
      role: 'editor',
      params: PathParams.version,
      body: z.object({}).strict(),
      response: PublicApprovalSchema,
      status: 201,
      handler: async ({ registry, identity, params }) =>
        publicApproval(
          await registry.requestApproval({
            ...sel(params),
            requestedBy: identity.actor,
            taskToken: `cli-http-${randomUUID()}`,
          }),
        ),
    }),
    ...(['approve', 'reject'] as const).map((decision) =>
      route({
        method: 'post',
        path: `/approvals/:approvalId/${decision}`,
        summary: `${decision === 'approve' ? 'Approve' : 'Reject'} a pending request as the caller (checked against the model's policy; never the requester). From a link, pass its signed \`token\`.`,
        cli: `approvals ${decision}`,
        role: 'approver',
        params: z.object({ approvalId: z.string().min(1) }),
        body: z
          .object({ reason: z.string().max(1024).optional(), token: z.string().min(1).optional() })
          .strict(),
        response: PublicApprovalSchema,
        handler: async ({ registry, identity, params, body }) => {
          if (body.token !== undefined)
            verifyDecisionToken(await approvalSecret(), body.token, new Date(), {
              approvalId: params.approvalId,
              decision,
            });
          const a = await registry.decideApproval({
            approvalId: params.approvalId,
            decision,
            by: identity.actor,
            ...(body.reason !== undefined ? { reason: body.reason } : {}),
          });
          await resumeWorkflow(a);
          return publicApproval(a);
        },
      }),
    ),
    route({
      method: 'get',
      path: '/notifications/undelivered',
      summary: 'Notifications that failed after their change was committed',
      cli: 'notifications list --undelivered',
      role: 'viewer',
      query: PageQuery,
      handler: ({ registry, query }) => registry.listUndelivered(pageOf(query)),
    }),
    route({
      method: 'post',
      path: '/notifications/resend',
      summary: 'Send undelivered notifications again: `ids`, or `all: true`',
      cli: 'notifications resend',
      role: 'editor',
      body: z
        .object({ ids: z.array(z.string().min(1)).min(1).optional(), all: z.literal(true).optional() })
        .strict(),
      handler: ({ registry, body }) => {
        if (!body.ids && !body.all)
          throw new ValidationError('name what to resend: "ids": [...] or "all": true.');
        return registry.resendUndelivered(body.ids ? { ids: body.ids } : {});
      },
    }),
    ...lifeRoutes(),
    ...cardRoutes(),
    ...lineageRoutes(),
    ...monitorSpecs(),
    ...webhookSpecs(),
  ];
}

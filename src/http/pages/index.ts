/**
 * The web UI's routes, mounted at /. Each route parses its input with zod, calls the
 * Registry's use cases (or a workflow step), and renders a page: no business rule lives
 * here. Every response carries a strict Content-Security-Policy and nosniff.
 */

import { timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { type Context, Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { compare as compareVersions } from 'semver';
import * as z from 'zod';
import { approvalSecret } from '../../app/approval-secret.js';
import { evidenceOfVersions } from '../../app/evidence-of-versions.js';
import { listVersionsFiltered } from '../../app/filtered-versions.js';
import type { Registry } from '../../app/registry.js';
import { resumeWorkflow } from '../../app/resume-workflow.js';
import { approvalDecisionStep } from '../../app/steps.js';
import { type ApprovalLinkSecret, verifyDecisionToken } from '../../core/approval-links.js';
import { ValidationError } from '../../core/errors.js';
import { STAGES } from '../../core/model.js';
import type { UseCaseSummary } from '../../core/ports.js';
import { compareEvidence } from '../../core/workflow.js';
import { assetRoutes } from '../assets/index.js';
import { requireRole } from '../auth.js';
import type { HttpEnv } from '../env.js';
import { CsrfError, statusOf } from '../errors.js';
import { ACTIONS, type ActionName, type ActionPageData, actionPage } from './actions-page.js';
import { approvalLinkPage, approvalsPage } from './approvals-page.js';
import { auditPage } from './audit-page.js';
import { comparePage, comparePicker, pairEvidence } from './compare-page.js';
import { alert, type FrameContext, PAGE_CSP } from './layout.js';
import { lineagePage } from './lineage-page.js';
import { lineageWalkPage } from './lineage-walk-page.js';
import { errorPage, loginPage } from './login-page.js';
import { modelPage } from './model-page.js';
import { modelsPage, type UseCaseModels } from './models-page.js';
import { versionPage } from './version-page.js';

/** Options of the pages (the approval secret is the registry's unless a test gives one). */
export interface PageOptions {
  approvalSecret?: () => Promise<ApprovalLinkSecret>;
}

const PAGE_SIZE = 50;

const ListQuery = z.object({
  stage: z
    .enum(STAGES)
    .or(z.literal('').transform(() => undefined))
    .optional(),
  tag: z
    .string()
    .max(300)
    .regex(/^$|^[^=]+=.*$/, 'tag filter must be key=value, e.g. team=fraud')
    .optional(),
  cursor: z.string().max(2000).optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
});

const HomeQuery = z.object({
  q: z.string().max(200).optional(),
  useCase: z.string().max(200).optional(),
  cursor: z.string().max(2000).optional(),
});

const DecisionForm = z.object({
  decision: z.enum(['approve', 'reject'], { error: 'decision must be approve or reject' }),
  reason: z.string().max(1024).optional(),
});

const LinkForm = z.object({
  token: z
    .string({ error: 'the approval link token is missing; open the link from the message again' })
    .min(1),
  reason: z.string().max(1024).optional(),
});

const ActionForm = z.object({
  to: z
    .enum(['staging', 'production'])
    .or(z.literal('').transform(() => undefined))
    .optional(),
  reason: z.string().max(1024).optional(),
  force: z.literal('true').optional(),
  name: z.string().max(128).optional(),
});

function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.join('.');
  throw new ValidationError(field ? `${field}: ${issue.message}` : issue.message, { field });
}

function frame(c: Context<HttpEnv>): FrameContext {
  return { identity: c.get('identity'), csrf: c.get('csrf') };
}

/** Who acts: the identity `requireRole` let through (no request field can set it). */
function actor(c: Context<HttpEnv>): string {
  return c.get('identity').actor;
}

/** Reads a posted form and checks its CSRF field against the session's. */
async function form(c: Context<HttpEnv>): Promise<Record<string, string>> {
  const body = await c.req.parseBody();
  const expected = Buffer.from(c.get('csrf') ?? '');
  const posted = Buffer.from(typeof body._csrf === 'string' ? body._csrf : '');
  if (expected.length === 0 || posted.length !== expected.length || !timingSafeEqual(posted, expected))
    throw new CsrfError('the form is stale or came from another site; reload the page and try again.');
  return Object.fromEntries(Object.entries(body).filter(([, v]) => typeof v === 'string')) as Record<
    string,
    string
  >;
}

/**
 * Use cases to show without one named: the registry's use-case listing, plus those of recent
 * versions in any stage and of pending approvals (a DynamoDB table written before the listing
 * existed has no use-case items for its older models).
 */
async function knownUseCases(registry: Registry, listed: readonly UseCaseSummary[]): Promise<string[]> {
  const found = new Set<string>(listed.map((u) => u.useCase));
  for (const stage of STAGES) {
    for (const v of (await registry.listInStage({ stage, limit: 100 })).items) found.add(v.useCase);
  }
  for (const a of await registry.listApprovals()) found.add(a.useCase);
  return [...found].sort();
}

/** The web UI's server-rendered pages and their assets, mounted at /. */
export function pageRoutes(options: PageOptions = {}): Hono<HttpEnv> {
  const secret = options.approvalSecret ?? approvalSecret;
  const app = new Hono<HttpEnv>();

  app.use('*', async (c, next) => {
    await next();
    c.header('x-content-type-options', 'nosniff');
    if ((c.res.headers.get('content-type') ?? '').startsWith('text/html')) {
      c.header('content-security-policy', PAGE_CSP);
      c.header('referrer-policy', 'no-referrer');
      c.header('x-frame-options', 'DENY');
      c.header('cache-control', 'no-store');
    }
  });

  app.onError((e, c) => {
    const status = statusOf(e);
    if (status >= 500) console.error(e);
    const name = status >= 500 ? 'InternalError' : e.name;
    const message = status >= 500 ? 'the server failed; see its log for the cause.' : e.message;
    return c.html(errorPage(frame(c), name, message), status);
  });

  app.route('/assets', assetRoutes());

  app.get('/login', (c) => {
    const q = parse(
      z.object({ next: z.string().max(2000).optional(), error: z.string().max(40).optional() }),
      c.req.query(),
    );
    const next = q.next?.startsWith('/') && !q.next.startsWith('//') ? q.next : '/';
    const problem = q.error
      ? 'that token is unknown, revoked or mistyped; paste it again or ask an admin for a new one.'
      : undefined;
    return c.html(loginPage(frame(c), next, problem), problem ? 401 : 200);
  });

  app.get('/', async (c) => {
    const q = parse(HomeQuery, c.req.query());
    const registry = c.get('registry');
    const listed = (await registry.listUseCases({ limit: 1000 })).items;
    const names = q.useCase ? [q.useCase] : await knownUseCases(registry, listed);
    const needle = (q.q ?? '').toLowerCase();
    const blocks: UseCaseModels[] = [];
    for (const useCase of names) {
      const res = await registry.listModels({
        useCase,
        limit: 100,
        cursor: q.useCase ? (q.cursor ?? null) : null,
      });
      blocks.push({
        useCase,
        models: res.items.filter((m) => m.modelName.toLowerCase().includes(needle)),
        nextCursor: res.nextCursor,
      });
    }
    return c.html(
      modelsPage(frame(c), needle ? blocks.filter((b) => b.models.length > 0) : blocks, q.q ?? '', listed),
    );
  });

  app.get('/models/:useCase/:model', async (c) => {
    const q = parse(ListQuery, c.req.query());
    const registry = c.get('registry');
    const useCase = c.req.param('useCase');
    const modelName = c.req.param('model');
    const limit = q.limit ?? PAGE_SIZE;
    const page = await listVersionsFiltered(registry, {
      useCase,
      modelName,
      limit,
      cursor: q.cursor ?? null,
      ...(q.stage ? { stage: q.stage } : {}),
      tags: q.tag ? [q.tag] : [],
    });
    const versions = page.items;
    const evidence = await evidenceOfVersions(
      registry,
      { useCase, modelName },
      versions.map((v) => v.version),
    );
    return c.html(
      modelPage(frame(c), {
        useCase,
        modelName,
        versions,
        evidence,
        stage: q.stage,
        tag: q.tag || undefined,
        cursor: q.cursor ?? null,
        nextCursor: page.nextCursor,
        limit,
      }),
    );
  });

  app.get('/models/:useCase/:model/versions/:version', async (c) => {
    const registry = c.get('registry');
    const ref = { useCase: c.req.param('useCase'), modelName: c.req.param('model') };
    const version = await registry.info({ ...ref, version: c.req.param('version') });
    const evidence = (await evidenceOfVersions(registry, ref, [version.version])).get(version.version) ?? [];
    const events: Awaited<ReturnType<Registry['auditTrail']>>['items'] = [];
    let cursor: string | null = null;
    do {
      const res = await registry.auditTrail({ ...ref, limit: 1000, cursor });
      events.push(...res.items.filter((e) => e.version === version.version));
      cursor = res.nextCursor;
    } while (cursor !== null);
    // the weighted and shadow aliases of the version's line, to show the traffic intent on its aliases
    const routed = (
      await registry.resolve({ ...ref, ...(version.line ? { line: version.line } : {}) })
    ).aliases.filter((a) => a.version === version.version);
    const card = await registry.showCard({ ...ref, version: version.version });
    const signature = await registry.signatureStatus({ ...ref, version: version.version });
    const versionEvents = await registry.listEvents({ ...ref, version: version.version });
    const monitoring = await registry.monitorStatus({ ...ref, version: version.version });
    // variants, deployments and events after deployment (deploy)
    const explanation = await registry.explain({ ...ref, version: version.version });
    return c.html(
      versionPage(frame(c), {
        version,
        evidence,
        events,
        routed,
        card,
        signature,
        versionEvents,
        monitoring,
        explanation,
      }),
    );
  });

  app.get('/models/:useCase/:model/versions/:version/artifact', async (c) => {
    const registry = c.get('registry');
    const ref = { useCase: c.req.param('useCase'), modelName: c.req.param('model') };
    const dir = await mkdtemp(join(tmpdir(), 'modelreg-download-'));
    const cleanup = () => rm(dir, { recursive: true, force: true });
    try {
      // getArtifact copies the bytes out and refuses them unless their sha256 is the registered one
      const got = await registry.getArtifact({ ...ref, version: c.req.param('version'), output: dir });
      const { size } = await stat(got.path);
      // streamed, so a large artifact is never held in memory; the copy goes once it is sent
      const file = createReadStream(got.path);
      file.once('close', () => void cleanup());
      c.header('content-type', 'application/octet-stream');
      c.header('content-length', String(size));
      c.header(
        'content-disposition',
        `attachment; filename="${basename(got.path).replace(/[^\w.-]/g, '_')}"`,
      );
      c.header('x-checksum-sha256', got.sha256);
      return c.body(Readable.toWeb(file) as ReadableStream<Uint8Array>);
    } catch (e) {
      await cleanup();
      throw e;
    }
  });

  app.get('/models/:useCase/:model/compare', async (c) => {
    const registry = c.get('registry');
    const ref = { useCase: c.req.param('useCase'), modelName: c.req.param('model') };
    const wanted = [...new Set(c.req.queries('v') ?? [])];
    if (wanted.length < 2) {
      const recent = await registry.listVersions({ ...ref, limit: 20 });
      const problem = wanted.length === 1 ? 'pick at least two versions to compare.' : undefined;
      return c.html(
        comparePicker(frame(c), ref.useCase, ref.modelName, recent.items, problem),
        problem ? 400 : 200,
      );
    }
    if (wanted.length > 8) throw new ValidationError('compare at most 8 versions at once.');
    // oldest first: the baseline is the earliest version, as the deltas read left to right
    const versions = (await Promise.all(wanted.map((v) => registry.info({ ...ref, version: v })))).sort(
      (a, b) => compareVersions(a.version, b.version),
    );
    const [first, ...rest] = versions;
    const comparisons = await Promise.all(
      rest.map((v) => registry.compare({ ...ref, a: first!.version, b: v.version })),
    );
    const byVersion = await evidenceOfVersions(
      registry,
      ref,
      versions.map((v) => v.version),
    );
    const baseEvidence = byVersion.get(first!.version) ?? [];
    const evidence = await Promise.all(
      rest.map(async (v) => {
        const mine = byVersion.get(v.version) ?? [];
        const [candidate, baseline] = pairEvidence(mine, baseEvidence);
        return {
          version: v.version,
          comparison: compareEvidence(candidate, { version: first!.version, evidence: baseline }),
        };
      }),
    );
    return c.html(comparePage(frame(c), { ...ref, versions, comparisons, evidence }));
  });

  app.get('/models/:useCase/:model/audit', async (c) => {
    const registry = c.get('registry');
    const ref = { useCase: c.req.param('useCase'), modelName: c.req.param('model') };
    const cursor = parse(z.object({ cursor: z.string().max(2000).optional() }), c.req.query()).cursor ?? null;
    const [verification, page] = await Promise.all([
      registry.verifyAudit(ref),
      registry.auditTrail({ ...ref, limit: 100, cursor }),
    ]);
    return c.html(
      auditPage(frame(c), { ...ref, verification, events: page.items, nextCursor: page.nextCursor }),
    );
  });

  app.get('/lineage/:runId', async (c) => {
    const registry = c.get('registry');
    const res = await registry.lineage({ runId: c.req.param('runId'), limit: 100 });
    return c.html(lineagePage(frame(c), res.runId, res.items));
  });

  // formats and lineage (issue 11): the lineage walk
  app.get('/lineage/datasets/:datasetVersion', async (c) =>
    c.html(
      lineageWalkPage(
        frame(c),
        await c.get('registry').lineageWalk({ datasetVersion: c.req.param('datasetVersion') }),
      ),
    ),
  );
  app.get('/lineage/feature-sets/:name/:version', async (c) =>
    c.html(
      lineageWalkPage(
        frame(c),
        await c
          .get('registry')
          .lineageWalk({ featureSet: { name: c.req.param('name'), version: c.req.param('version') } }),
      ),
    ),
  );
  app.get('/models/:useCase/:model/versions/:version/lineage', async (c) =>
    c.html(
      lineageWalkPage(
        frame(c),
        await c.get('registry').lineageWalk({
          useCase: c.req.param('useCase'),
          modelName: c.req.param('model'),
          version: c.req.param('version'),
        }),
      ),
    ),
  );

  app.get('/approvals', async (c) => {
    const approvals = await c.get('registry').listApprovals();
    return c.html(approvalsPage(frame(c), approvals));
  });

  app.post('/approvals/:approvalId/decide', requireRole('approver'), async (c) => {
    const by = actor(c);
    const f = parse(DecisionForm, await form(c));
    const registry = c.get('registry');
    const out = await approvalDecisionStep(registry, {
      approvalId: c.req.param('approvalId'),
      decision: f.decision,
      by,
      ...(f.reason ? { reason: f.reason } : {}),
    });
    await resumeWorkflow(await registry.getApproval(c.req.param('approvalId')));
    const approvals = await registry.listApprovals();
    return c.html(
      approvalsPage(
        frame(c),
        approvals,
        alert('ok', `Request ${out.status}`, `${out.version} was ${out.status} by ${by}.`),
      ),
    );
  });

  const linkPage = async (
    c: Context<HttpEnv>,
    token: string,
    notice?: ReturnType<typeof alert>,
    status: ContentfulStatusCode = 200,
  ) => {
    const registry = c.get('registry');
    const approvalId = c.req.param('approvalId')!;
    const decision = parse(z.enum(['approve', 'reject']), c.req.param('decision'));
    verifyDecisionToken(await secret(), token, new Date(), { approvalId, decision });
    const approval = await registry.getApproval(approvalId);
    let comparison = null;
    let comparisonError: string | null = null;
    try {
      comparison = await registry.compareWithProduction(approval);
    } catch (e) {
      comparisonError = `${(e as Error).name}: ${(e as Error).message}`;
    }
    const action = `/approvals/${encodeURIComponent(approvalId)}/${decision}`;
    return c.html(
      approvalLinkPage(frame(c), { approval, decision, token, comparison, comparisonError, action }, notice),
      status,
    );
  };

  // A GET of the link shows the request and decides nothing (mail scanners prefetch links).
  app.get('/approvals/:approvalId/:decision', async (c) => {
    const token = parse(LinkForm.pick({ token: true }), c.req.query()).token;
    return linkPage(c, token);
  });

  // Only an authenticated approver's POST, with the link's token and the session's CSRF field, decides.
  app.post('/approvals/:approvalId/:decision', requireRole('approver'), async (c) => {
    const by = actor(c);
    const f = parse(LinkForm, await form(c));
    const approvalId = c.req.param('approvalId');
    const decision = parse(z.enum(['approve', 'reject']), c.req.param('decision'));
    verifyDecisionToken(await secret(), f.token, new Date(), { approvalId, decision });
    const registry = c.get('registry');
    try {
      const out = await approvalDecisionStep(registry, {
        approvalId,
        decision,
        by,
        token: f.token,
        ...(f.reason ? { reason: f.reason } : {}),
      });
      await resumeWorkflow(await registry.getApproval(approvalId));
      return linkPage(
        c,
        f.token,
        alert('ok', `Request ${out.status}`, `${out.version} was ${out.status} by ${by}.`),
      );
    } catch (e) {
      const status = statusOf(e);
      if (status >= 500) throw e;
      return linkPage(c, f.token, alert('error', (e as Error).name, (e as Error).message), status);
    }
  });

  const actionData = async (
    c: Context<HttpEnv>,
    action: ActionName,
    to: 'staging' | 'production' | undefined,
  ): Promise<ActionPageData> => {
    const registry = c.get('registry');
    const ref = { useCase: c.req.param('useCase')!, modelName: c.req.param('model')! };
    const version = await registry.info({ ...ref, version: c.req.param('version')! });
    // the production version of this version's release line
    const models = await registry.listVersions({
      ...ref,
      stage: 'production',
      line: version.line ?? 'default',
      limit: 1,
    });
    let preview = null;
    let refusal = null;
    if (action === 'promote') {
      try {
        preview = await registry.previewPromote({ ...ref, version: version.version, ...(to ? { to } : {}) });
      } catch (e) {
        if (statusOf(e) >= 500) throw e;
        refusal = { name: (e as Error).name, message: (e as Error).message };
      }
    }
    return {
      action,
      version,
      productionVersion: models.items[0]?.version ?? null,
      preview,
      to,
      refusal,
      done: null,
    };
  };

  app.get('/models/:useCase/:model/versions/:version/actions/:action', async (c) => {
    const action = parse(
      z.enum(ACTIONS, { error: `action must be one of ${ACTIONS.join(', ')}` }),
      c.req.param('action'),
    );
    const to = parse(ActionForm.pick({ to: true }), c.req.query()).to;
    return c.html(actionPage(frame(c), await actionData(c, action, to)));
  });

  app.post('/models/:useCase/:model/versions/:version/actions/:action', requireRole('editor'), async (c) => {
    const by = actor(c);
    const action = parse(z.enum(ACTIONS), c.req.param('action'));
    const f = parse(ActionForm, await form(c));
    const registry = c.get('registry');
    const sel = {
      useCase: c.req.param('useCase'),
      modelName: c.req.param('model'),
      version: c.req.param('version'),
    };
    let done: string | null = null;
    let preview = null;
    try {
      if (action === 'promote') {
        preview = await registry.promote({ ...sel, ...(f.to ? { to: f.to } : {}), promotedBy: by });
        if (preview.promoted)
          done = `${sel.version} is now in ${preview.stage}${preview.supersededVersion ? `; ${preview.supersededVersion} was superseded` : ''}.`;
      } else if (action === 'rollback') {
        const r = await registry.rollback({
          ...sel,
          rolledBackBy: by,
          ...(f.reason ? { reason: f.reason } : {}),
        });
        done = `${r.version} is back in production.`;
      } else if (action === 'archive') {
        await registry.archive({
          ...sel,
          force: f.force === 'true',
          archivedBy: by,
          ...(f.reason ? { reason: f.reason } : {}),
        });
        done = `${sel.version} is archived.`;
      } else {
        if (!f.name) throw new ValidationError('name: the alias is required, e.g. champion.');
        await registry.setAlias({ ...sel, name: f.name, setBy: by });
        done = `alias ${f.name} points at ${sel.version}.`;
      }
    } catch (e) {
      const status = statusOf(e);
      if (status >= 500) throw e;
      const data = await actionData(c, action, f.to);
      return c.html(
        actionPage(frame(c), {
          ...data,
          refusal: { name: (e as Error).name, message: (e as Error).message },
        }),
        status,
      );
    }
    const data = await actionData(c, action, f.to);
    const refused = preview !== null && !preview.promoted;
    return c.html(
      actionPage(frame(c), { ...data, preview: preview ?? data.preview, done }),
      refused ? 422 : 200,
    );
  });

  return app;
}

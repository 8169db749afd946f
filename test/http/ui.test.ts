/**
 * The web UI's pages over HTTP (app.request), on a store built with the real use cases:
 * security headers, escaping, pagination, the approval link that decides nothing on GET,
 * CSRF, roles, the dry run of a promotion and its refusal.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiTokens } from '../../src/app/api-tokens.js';
import { createApp } from '../../src/http/app.js';
import { demoFixtures } from '../support/workflow-fixtures.js';
import { as, csrfOf, DETECTOR, MARKUP_TAG, makeUiFixture, type UiFixture } from './browser/fixture.js';

let fx: UiFixture;

beforeAll(async () => {
  fx = await makeUiFixture();
}, 60_000);

afterAll(async () => {
  await fx?.cleanup();
});

function form(fields: Record<string, string>): { body: URLSearchParams; headers: Record<string, string> } {
  return {
    body: new URLSearchParams(fields),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  };
}

async function post(
  path: string,
  actor: string,
  role: 'viewer' | 'editor' | 'approver' | 'admin',
  fields: Record<string, string>,
) {
  const f = form(fields);
  return fx.app.request(path, {
    method: 'POST',
    body: f.body,
    headers: { ...f.headers, ...as(actor, role) },
  });
}

describe('web UI pages', () => {
  it('serves the models page with a strict CSP and nosniff', async () => {
    const res = await fx.app.request('/', { headers: as('vera', 'viewer') });
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const body = await res.text();
    expect(body).toContain('detector');
    expect(body).toContain('ranker');
    expect(body).not.toMatch(/<script>(?!<\/script>)[^<]/);
  });

  it('escapes user data: a tag holding <script> shows as text', async () => {
    const body = await (
      await fx.app.request('/models/fraud/ranker', { headers: as('vera', 'viewer') })
    ).text();
    expect(body).not.toContain(MARKUP_TAG);
    expect(body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('serves uPlot from the package, not a CDN', async () => {
    const res = await fx.app.request('/assets/uplot.min.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('javascript');
    expect(await res.text()).toContain('uPlot');
    const page = await (
      await fx.app.request('/models/fraud/detector', { headers: as('vera', 'viewer') })
    ).text();
    expect(page).toContain('src="/assets/uplot.min.js"');
    expect(page).not.toMatch(/src="https?:/);
  });

  it('filters the versions table by stage and by tag', async () => {
    const staging = await (
      await fx.app.request('/models/fraud/detector?stage=staging', { headers: as('vera', 'viewer') })
    ).text();
    expect(staging.match(/<tr data-version=/g)?.length).toBe(2);
    expect(staging).not.toContain('data-version="1.0.0"');
    const tagged = await (
      await fx.app.request('/models/fraud/detector?tag=run%3Dbaseline', { headers: as('vera', 'viewer') })
    ).text();
    expect(tagged.match(/<tr data-version=/g)?.length).toBe(1);
    expect(tagged).toContain('data-version="1.0.0"');
  });

  it('pages through versions with the registry cursor', async () => {
    const first = await (
      await fx.app.request('/models/fraud/detector?limit=2', { headers: as('vera', 'viewer') })
    ).text();
    expect(first.match(/<tr data-version=/g)?.length).toBe(2);
    const next = /href="([^"]*cursor=[^"]*)" data-testid="next-page"/.exec(first)?.[1];
    expect(next).toBeDefined();
    const second = await (
      await fx.app.request(next!.replace(/&amp;/g, '&'), { headers: as('vera', 'viewer') })
    ).text();
    expect(second.match(/<tr data-version=/g)?.length).toBe(1);
    expect(second).toContain('data-version="1.0.0"');
  });

  it('a GET of an approval link shows the request and decides nothing', async () => {
    const res = await fx.app.request(fx.link('approve'), { headers: as('bob', 'approver') });
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain('alice');
    expect(body).toContain('holdout@1');
    expect(body).toContain('data-testid="decide"');
    expect((await fx.registry.getApproval(fx.approval.approvalId)).status).toBe('pending');
  });

  it('refuses an approval link with a forged token', async () => {
    const res = await fx.app.request(`/approvals/${fx.approval.approvalId}/approve?token=abc.def`, {
      headers: as('bob', 'approver'),
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('InvalidApprovalTokenError');
  });

  it('refuses a decision POST without the CSRF field, and from a viewer', async () => {
    const token = new URL(fx.link('approve'), 'http://x').searchParams.get('token')!;
    const path = `/approvals/${fx.approval.approvalId}/approve`;
    expect((await post(path, 'bob', 'approver', { token })).status).toBe(403);
    expect((await post(path, 'vera', 'viewer', { token, _csrf: csrfOf('vera') })).status).toBe(403);
    expect((await fx.registry.getApproval(fx.approval.approvalId)).status).toBe('pending');
  });

  it('shows a promotion dry run with its gate table, and refuses a promotion that fails a gate', async () => {
    const path = '/models/fraud/detector/versions/1.0.1/actions/promote';
    const dry = await fx.app.request(`${path}?to=production`, { headers: as('erin', 'editor') });
    const body = await dry.text();
    expect(body).toContain('data-testid="gate-table"');
    expect(body).toContain('require_approval');
    expect(body).toContain('data-testid="refusal"');
    const refused = await post(path, 'erin', 'editor', { to: 'production', _csrf: csrfOf('erin') });
    expect(refused.status).toBe(422);
    expect((await fx.registry.info({ ...DETECTOR, version: '1.0.1' })).stage).toBe('staging');
  });

  it('shows a viewer the dry run but no confirm button', async () => {
    const body = await (
      await fx.app.request('/models/fraud/detector/versions/1.0.0/actions/archive', {
        headers: as('vera', 'viewer'),
      })
    ).text();
    expect(body).toContain('data-testid="needs-editor"');
    expect(body).not.toContain('data-testid="confirm"');
    const refused = await post('/models/fraud/detector/versions/1.0.0/actions/archive', 'vera', 'viewer', {
      _csrf: csrfOf('vera'),
    });
    expect(refused.status).toBe(403);
    expect((await fx.registry.info({ ...DETECTOR, version: '1.0.0' })).stage).toBe('production');
  });

  it('sets an alias from the actions page as the signed-in editor', async () => {
    const res = await post('/models/fraud/detector/versions/1.0.0/actions/alias', 'erin', 'editor', {
      name: 'champion',
      _csrf: csrfOf('erin'),
    });
    expect(res.status).toBe(200);
    expect((await fx.registry.info({ ...DETECTOR, alias: 'champion' })).version).toBe('1.0.0');
    const trail = await fx.registry.auditTrail({ ...DETECTOR, limit: 1000 });
    expect(trail.items.at(-1)).toMatchObject({ action: 'alias.set', actor: 'erin' });
  });

  it('verifies the audit chain when the audit page loads', async () => {
    const body = await (
      await fx.app.request('/models/fraud/detector/audit', { headers: as('vera', 'viewer') })
    ).text();
    expect(body).toContain('Verified');
  });

  it('downloads an artifact whose digest matches the registered sha256', async () => {
    const v = await fx.registry.info({ ...RANKER_REF, version: '0.1.0' }).catch(() => null);
    const version = v ?? (await fx.registry.listVersions({ ...RANKER_REF, limit: 1 })).items[0]!;
    const res = await fx.app.request(`/models/fraud/ranker/versions/${version.version}/artifact`, {
      headers: as('vera', 'viewer'),
    });
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).toString()).toBe('ranker bytes');
    expect(res.headers.get('x-checksum-sha256')).toBe(version.artifact.sha256);
  });

  it('in the real app, an anonymous GET of an approval link is sent to sign in and decides nothing', async () => {
    const app = createApp({
      registry: fx.registry,
      auth: { mode: 'embedded', tokens: new ApiTokens(fx.registry.records), secret: Buffer.from('s') },
    });
    const res = await app.request(fx.link('approve'));
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/login\?next=/);
    const login = await app.request('/login');
    expect(login.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect((await fx.registry.getApproval(fx.approval.approvalId)).status).toBe('pending');
  });

  it('answers an unknown model with a 404 page naming the error', async () => {
    const res = await fx.app.request('/models/fraud/nope', { headers: as('vera', 'viewer') });
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('ModelNotFoundError');
  });
});

describe('compare page and evaluation sets', () => {
  it('compares evidence on the set both versions share, and refuses versions measured on different sets', async () => {
    const same = await (
      await fx.app.request('/models/fraud/detector/compare?v=1.0.2&v=1.0.1', {
        headers: as('vera', 'viewer'),
      })
    ).text();
    expect(same).toContain('data-testid="compare-table"');
    expect(same).toMatch(
      /<strong>1\.0\.2<\/strong> against <strong>1\.0\.1<\/strong> on <code>holdout@1<\/code>/,
    );
    // a second version of the set, and a version measured only on it
    await fx.registry.registerEvalSet({
      useCase: 'fraud',
      name: 'holdout',
      file: await fx.ws.csv(demoFixtures().holdout2),
    });
    const v = await fx.registry.register({
      ...DETECTOR,
      artifactPath: await fx.ws.model('all-features', 'again'),
    });
    await fx.registry.evaluate({ ...DETECTOR, version: v.version });
    const refused = await (
      await fx.app.request(`/models/fraud/detector/compare?v=1.0.1&v=${v.version}`, {
        headers: as('vera', 'viewer'),
      })
    ).text();
    expect(refused).toContain('measured on different evaluation sets (holdout@2 vs holdout@1)');
    expect(refused).toContain(`${v.version} cannot be compared with 1.0.1`);
  });
});

describe('audit page on a tampered chain', () => {
  it('names the first event that does not verify', async () => {
    await fx.registry.setAlias({ ...RANKER_REF, version: '1.0.0', name: 'stable' });
    // rewrite who registered the ranker, behind the registry's back
    const db = new Database(join(fx.ws.store, 'registry.db'));
    const row = db
      .prepare('SELECT doc FROM audit WHERE use_case = ? AND model_name = ? AND seq = 1')
      .get('fraud', 'ranker') as { doc: string };
    const doc = JSON.parse(row.doc) as { actor: string };
    db.prepare('UPDATE audit SET doc = ? WHERE use_case = ? AND model_name = ? AND seq = 1').run(
      JSON.stringify({ ...doc, actor: 'mallory' }),
      'fraud',
      'ranker',
    );
    db.close();
    const body = await (
      await fx.app.request('/models/fraud/ranker/audit', { headers: as('vera', 'viewer') })
    ).text();
    expect(body).toContain('Not verified');
    expect(body).toContain('The first bad event is #1');
    expect(body).toMatch(/<tr data-seq="1" class="bad-event">/);
  });
});

describe('download of a tampered artifact', () => {
  it('is refused with the integrity error instead of serving the bytes', async () => {
    const v = await fx.registry.info({ ...RANKER_REF, version: '1.0.0' });
    // locations are relative to the store root (`store:…`), so a store can be moved or copied
    expect(v.artifact.uri.startsWith('store:')).toBe(true);
    await writeFile(join(fx.ws.store, ...v.artifact.uri.slice('store:'.length).split('/')), 'tampered bytes');
    const res = await fx.app.request('/models/fraud/ranker/versions/1.0.0/artifact', {
      headers: as('vera', 'viewer'),
    });
    expect(res.status).toBe(409);
    const body = await res.text();
    expect(body).toContain('ArtifactIntegrityError');
    expect(body).not.toContain('tampered bytes');
  });
});

const RANKER_REF = { useCase: 'fraud', modelName: 'ranker' };

describe('metric order', () => {
  it('lists metrics in the order the versions were registered with, not alphabetically, like the CLI', async () => {
    // Prepare: names whose registration order is not their alphabetical order
    const ref = { useCase: 'fraud', modelName: 'ordered' };
    for (const [i, auc] of [0.8, 0.85].entries()) {
      await fx.registry.register({
        ...ref,
        artifactPath: await fx.ws.file(`ordered-${i}.bin`, `bytes ${i}`),
        metrics: { zeta: 1 + i, auc, beta: 2 + i },
      });
    }

    // Act
    const compare = await (
      await fx.app.request('/models/fraud/ordered/compare?v=1.0.0&v=1.0.1', { headers: as('vera', 'viewer') })
    ).text();
    const model = await (
      await fx.app.request('/models/fraud/ordered', { headers: as('vera', 'viewer') })
    ).text();

    // Assess
    for (const text of [compare, model]) {
      const at = (name: string) => text.indexOf(`>${name}<`);
      expect(at('zeta')).toBeGreaterThan(-1);
      expect(at('zeta')).toBeLessThan(at('auc'));
      expect(at('auc')).toBeLessThan(at('beta'));
    }
  });
});

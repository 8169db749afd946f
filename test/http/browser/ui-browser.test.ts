/**
 * The web UI in a real browser (Debian's Chromium driven by playwright-core) against the
 * app served by @hono/node-server on 127.0.0.1, on a store built with the real use cases:
 * browsing, a plot with one point per version, compare, an approval link that decides
 * nothing on GET, an approval decided by a second user while the requester is refused,
 * and a refused promotion with its gate table. Each page is saved to test-results/screenshots/.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ServerType, serve } from '@hono/node-server';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiTokens } from '../../../src/app/api-tokens.js';
import { approvalSecret, resetApprovalSecret } from '../../../src/app/approval-secret.js';
import { createApp } from '../../../src/http/app.js';
import type { Role } from '../../../src/http/env.js';
import { DETECTOR, makeUiFixture, type UiFixture } from './fixture.js';

const SHOTS = join('test-results', 'screenshots');

let fx: UiFixture;
let server: ServerType;
/** The API token of each test user, created with the real token use case. */
const tokens = new Map<string, string>();
let secretDir: string | undefined;
let base: string;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  // the app as `modelreg serve` builds it: real API tokens, sessions and CSRF
  // links are signed with the store's own approval secret, as `modelreg serve` signs them
  secretDir = await mkdtemp(join(tmpdir(), 'modelreg-ui-secret-'));
  process.env.MODELREG_STORE = secretDir;
  resetApprovalSecret();
  fx = await makeUiFixture({ requester: 'alice', secret: () => approvalSecret() });
  const apiTokens = new ApiTokens(fx.registry.records);
  const users: [string, Role][] = [
    ['alice', 'approver'],
    ['bob', 'approver'],
    ['vera', 'viewer'],
    ['erin', 'editor'],
  ];
  for (const [name, role] of users) {
    tokens.set(name, (await apiTokens.create({ name, role, createdBy: 'test' })).token);
  }
  const app = createApp({
    registry: fx.registry,
    auth: { mode: 'embedded', tokens: apiTokens, secret: Buffer.from('ui-test-session-secret') },
  });
  await mkdir(SHOTS, { recursive: true });
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}, 120_000);

afterAll(async () => {
  for (const c of contexts) await c.close();
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await fx?.cleanup();
  delete process.env.MODELREG_STORE;
  resetApprovalSecret();
  if (secretDir) await rm(secretDir, { recursive: true, force: true });
});

/**
 * A browser tab signed in through the login form with the user's API token, collecting
 * console errors (a CSP block, a failed asset) so each test can insist there are none.
 */
async function tab(user: string): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${base}/login`);
  await page.fill('input[name="token"]', tokens.get(user)!);
  await Promise.all([page.waitForURL(`${base}/`), page.click('button:has-text("Sign in")')]);
  return { page, errors };
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

describe('web UI in Chromium', () => {
  it('browses from the models page to a model and a version', async () => {
    const { page, errors } = await tab('vera');
    await page.goto(`${base}/`);
    await expect(page.locator('tr[data-model="detector"]').textContent()).resolves.toContain('1.0.0');
    await shot(page, 'models');
    await page.click('a:has-text("detector")');
    await page.waitForSelector('[data-testid="versions-table"]');
    expect(await page.locator('tr[data-version]').count()).toBe(3);
    await page.click('tr[data-version="1.0.2"] a');
    await page.waitForSelector('[data-testid="sha256"]');
    const sha = await page.locator('[data-testid="sha256"]').textContent();
    expect(sha).toBe((await fx.registry.info({ ...DETECTOR, version: '1.0.2' })).artifact.sha256);
    expect(await page.locator('[data-testid="actions"]').count()).toBe(0); // a viewer gets no actions
    await shot(page, 'version');
    expect(errors).toEqual([]);
  });

  it('plots each metric with one point per version, production marked', async () => {
    const { page, errors } = await tab('vera');
    await page.goto(`${base}/models/fraud/detector`);
    await page.waitForFunction(
      () => (globalThis as unknown as { modelregCharts?: unknown[] }).modelregCharts?.length,
    );
    const charts = await page.evaluate(() =>
      (
        globalThis as unknown as {
          modelregCharts: {
            data: (number | null)[][];
            series: { label: string }[];
            modelreg: { metric: string; evalSet: string | null; labels: string[] };
          }[];
        }
      ).modelregCharts.map((u) => ({
        metric: u.modelreg.metric,
        evalSet: u.modelreg.evalSet,
        labels: u.modelreg.labels,
        series: u.series.map((s) => s.label),
        // points per stage series (not the production ring), counted where a value is drawn
        points: u.data
          .slice(1)
          .filter((_, i) => u.series[i + 1]!.label !== 'production (current)')
          .reduce((n, ys) => n + ys.filter((y) => y !== null).length, 0),
        ring: u.data[u.data.length - 1]!.map((y, i) => (y === null ? null : i)).filter((i) => i !== null),
      })),
    );
    const auc = charts.find((c) => c.metric === 'auc' && c.evalSet === 'holdout@1');
    expect(auc).toBeDefined();
    expect(auc!.labels).toEqual(['1.0.0', '1.0.1', '1.0.2']);
    expect(auc!.points).toBe(3);
    expect(auc!.ring).toEqual([0]); // 1.0.0 is production
    expect(auc!.series).toEqual(['version', 'staging', 'production', 'production (current)']);
    const latency = charts.find((c) => c.metric === 'latency_ms' && c.evalSet === null);
    expect(latency!.points).toBe(3);
    expect(await page.locator('.uplot').count()).toBe(charts.length);
    await shot(page, 'model');
    expect(errors).toEqual([]);
  });

  it('compares two versions side by side with deltas and a chart', async () => {
    const { page, errors } = await tab('vera');
    await page.goto(`${base}/models/fraud/detector`);
    await page.check('input[name="v"][value="1.0.1"]');
    await page.check('input[name="v"][value="1.0.2"]');
    await page.click('button:has-text("Compare selected")');
    await page.waitForSelector('[data-testid="compare-table"]');
    const [a, b] = await Promise.all(
      ['1.0.1', '1.0.2'].map((v) => fx.registry.info({ ...DETECTOR, version: v })),
    );
    const want = Math.round((b!.metrics.latency_ms! - a!.metrics.latency_ms!) * 1e4) / 1e4;
    const cell = await page.locator('tr[data-metric="latency_ms"] [data-testid="delta"]').textContent();
    expect(Number(cell)).toBe(want);
    expect(await page.locator('text=on holdout@1').count()).toBeGreaterThan(0);
    await page.waitForSelector('.uplot');
    await shot(page, 'compare');
    expect(errors).toEqual([]);
  });

  it('shows the audit chain as verified', async () => {
    const { page } = await tab('vera');
    await page.goto(`${base}/models/fraud/detector/audit`);
    expect(await page.locator('[data-testid="audit-status"]').textContent()).toContain('Verified');
    await shot(page, 'audit');
  });

  it('refuses a promotion that fails its gates and shows the gate table', async () => {
    const { page, errors } = await tab('erin');
    await page.goto(`${base}/models/fraud/detector/versions/1.0.1/actions/promote?to=production`);
    await page.waitForSelector('[data-testid="gate-table"]');
    expect(await page.locator('tr.gate-fail').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="refusal"]').textContent()).toContain('require_approval');
    expect(await page.locator('[data-testid="confirm"]').count()).toBe(0);
    await shot(page, 'promote-refused');
    expect((await fx.registry.info({ ...DETECTOR, version: '1.0.1' })).stage).toBe('staging');
    expect(errors).toEqual([]);
  });

  it('a GET of the approval link decides nothing; the requester is refused; a second user approves', async () => {
    // the requester opens the link: the page shows, nothing is decided
    const alice = await tab('alice');
    await alice.page.goto(`${base}${fx.link('approve')}`);
    await alice.page.waitForSelector('[data-testid="vs-production"]');
    expect(await alice.page.locator('[data-testid="requester"]').textContent()).toBe('alice');
    expect((await fx.registry.getApproval(fx.approval.approvalId)).status).toBe('pending');
    await shot(alice.page, 'approval-link');
    // the requester presses the button: the use case refuses
    await alice.page.click('[data-testid="decide"]');
    await alice.page.waitForSelector('.alert.error');
    expect(await alice.page.locator('.alert.error').first().textContent()).toMatch(/alice requested/);
    expect((await fx.registry.getApproval(fx.approval.approvalId)).status).toBe('pending');
    await shot(alice.page, 'approval-refused');
    // a second user, an approver, opens the approvals page and the link, and approves
    const bob = await tab('bob');
    await bob.page.goto(`${base}/approvals`);
    expect(await bob.page.locator(`[data-approval="${fx.approval.approvalId}"] button`).count()).toBe(2);
    await shot(bob.page, 'approvals');
    await bob.page.goto(`${base}${fx.link('approve')}`);
    await bob.page.click('[data-testid="decide"]');
    await bob.page.waitForSelector('.alert.ok');
    const decided = await fx.registry.getApproval(fx.approval.approvalId);
    expect(decided).toMatchObject({ status: 'approved', decidedBy: 'bob' });
    await shot(bob.page, 'approval-approved');
    // the refusal is answered with its status (409), which Chromium logs; nothing else may fail
    expect(alice.errors.filter((e) => !e.includes('status of 409'))).toEqual([]);
    expect(bob.errors).toEqual([]);
  });

  it('sends a visitor without a session to the sign-in page, and refuses a wrong token', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${base}/models/fraud/detector`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.fill('input[name="token"]', 'mr_not-a-token');
    await page.click('button:has-text("Sign in")');
    await page.waitForSelector('.alert.error');
    expect(await page.locator('.alert.error').textContent()).toContain('unknown');
    await shot(page, 'login');
    // signing out drops the session
    const { page: vera } = await tab('vera');
    await Promise.all([vera.waitForURL(`${base}/login`), vera.click('button:has-text("Sign out")')]);
    await vera.goto(`${base}/approvals`);
    expect(new URL(vera.url()).pathname).toBe('/login');
  });
});

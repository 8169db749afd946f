/**
 * The files the web UI needs, served by the app itself (no CDN, so pages work offline and
 * the Content-Security-Policy can say `'self'`). uPlot is read from its package once, when
 * the routes are built; the stylesheet and the chart script are this package's own.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Hono } from 'hono';
import type { HttpEnv } from '../env.js';
import { APP_CSS } from './app-css.js';
import { CHARTS_JS } from './charts-js.js';

interface Asset {
  body: string;
  type: string;
}

function packageFile(specifier: string): string {
  return readFileSync(createRequire(import.meta.url).resolve(specifier), 'utf8');
}

/** Reads every asset once; a missing uPlot fails here, at startup, not on the first page. */
export function loadAssets(): Map<string, Asset> {
  const js = 'text/javascript; charset=utf-8';
  const css = 'text/css; charset=utf-8';
  return new Map<string, Asset>([
    ['uplot.min.js', { body: packageFile('uplot/dist/uPlot.iife.min.js'), type: js }],
    ['uplot.min.css', { body: packageFile('uplot/dist/uPlot.min.css'), type: css }],
    ['app.css', { body: APP_CSS, type: css }],
    ['charts.js', { body: CHARTS_JS, type: js }],
  ]);
}

/** The /assets routes: immutable files with a long cache and nosniff. */
export function assetRoutes(assets: Map<string, Asset> = loadAssets()): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();
  app.get('/:file', (c) => {
    const asset = assets.get(c.req.param('file'));
    if (!asset) return c.text('no such asset', 404);
    c.header('content-type', asset.type);
    c.header('cache-control', 'public, max-age=3600');
    c.header('x-content-type-options', 'nosniff');
    return c.body(asset.body);
  });
  return app;
}

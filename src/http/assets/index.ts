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

/** The file of an installed package, or null (and a warning) when a bundle left it out. */
function packageFile(specifier: string): string | null {
  try {
    return readFileSync(createRequire(import.meta.url).resolve(specifier), 'utf8');
  } catch (e) {
    console.warn(
      `modelreg web UI: ${specifier} cannot be read (${(e as Error).message}); plots will not draw. Install uplot, or keep it in the bundle (NodejsFunction bundling.nodeModules: ['uplot']).`,
    );
    return null;
  }
}

/**
 * Reads every asset once, at startup. A missing uPlot (a bundle that left node_modules
 * behind) is said once in the log and answered 503 for that file, so the API and the
 * pages still work without their plots.
 */
export function loadAssets(): Map<string, Asset> {
  const js = 'text/javascript; charset=utf-8';
  const css = 'text/css; charset=utf-8';
  const assets = new Map<string, Asset>([
    ['app.css', { body: APP_CSS, type: css }],
    ['charts.js', { body: CHARTS_JS, type: js }],
  ]);
  const uplot = packageFile('uplot/dist/uPlot.iife.min.js');
  const uplotCss = packageFile('uplot/dist/uPlot.min.css');
  if (uplot !== null) assets.set('uplot.min.js', { body: uplot, type: js });
  if (uplotCss !== null) assets.set('uplot.min.css', { body: uplotCss, type: css });
  return assets;
}

const PACKAGED = new Set(['uplot.min.js', 'uplot.min.css']);

/** The /assets routes: immutable files with a long cache and nosniff. */
export function assetRoutes(assets: Map<string, Asset> = loadAssets()): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();
  app.get('/:file', (c) => {
    const asset = assets.get(c.req.param('file'));
    if (!asset) {
      const file = c.req.param('file');
      return PACKAGED.has(file)
        ? c.text(`${file} is not installed with this server (the uplot package is missing).`, 503)
        : c.text('no such asset', 404);
    }
    c.header('content-type', asset.type);
    c.header('cache-control', 'public, max-age=3600');
    c.header('x-content-type-options', 'nosniff');
    return c.body(asset.body);
  });
  return app;
}

/**
 * `npm start` and `npm test` build first; the build is `tsc -b`, whose up-to-date check reads
 * timestamps only, so a second build with unchanged sources compiles nothing and the tour
 * starts at once instead of after a full TypeScript compile.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSC = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));

describe('the build before npm start', () => {
  it('is a tsc build-mode run that finds an unchanged tree up to date and would compile nothing', () => {
    // Prepare: build as `npm start` does (a no-op when the tree was built already)
    const scripts = (
      JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    expect(scripts.prestart).toBe('npm run build --silent');
    expect(scripts.build).toBe('tsc -b tsconfig.build.json');
    execFileSync(process.execPath, [TSC, '-b', 'tsconfig.build.json'], { cwd: ROOT });

    // Act: ask build mode what a second build would do
    const dry = execFileSync(process.execPath, [TSC, '-b', 'tsconfig.build.json', '--dry', '--verbose'], {
      cwd: ROOT,
      encoding: 'utf8',
    });

    // Assess
    expect(dry).toMatch(/Project 'tsconfig\.build\.json' is up to date/);
    expect(dry).not.toMatch(/A non-dry build would build/);
  });
});

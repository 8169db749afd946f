/**
 * Where the app finds the repository's own files. The CDK app runs from infra/ (tests)
 * and from dist/infra/ (compiled, what `cdk synth` runs); the handlers, definitions and
 * lockfile stay at the package root in both, so everything is found from there.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

function isModelregRoot(dir: string): boolean {
  const file = join(dir, 'package.json');
  if (!existsSync(file)) return false;
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name === 'modelreg';
  } catch {
    return false;
  }
}

/** The package root: the nearest directory above this module whose package.json is modelreg's. */
export function repoRoot(): string {
  if (root) return root;
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    if (isModelregRoot(dir)) {
      root = dir;
      return dir;
    }
    if (dirname(dir) === dir) break;
  }
  throw new Error(`no package.json named modelreg above ${start}: run the CDK app from the modelreg package`);
}

/** The TypeScript entry of a handler (`lambdas/<step>/index.ts`), what NodejsFunction bundles. */
export function handlerEntry(step: string): string {
  return join(repoRoot(), 'lambdas', step, 'index.ts');
}

/** The ASL text of a workflow, placeholders unsubstituted, exactly as the file holds it. */
export function definitionText(workflow: string): string {
  return readFileSync(join(repoRoot(), 'statemachines', `${workflow}.asl.json`), 'utf8');
}

/** The lockfile NodejsFunction keys its bundling on (the repository has one, at the root). */
export function lockFile(): string {
  return join(repoRoot(), 'package-lock.json');
}

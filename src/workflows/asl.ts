/**
 * The state-machine definitions as files: where they are, which `${Placeholders}` they
 * use, and their substitution. CDK (definitionSubstitutions), the infra tests and the
 * local runner all read the same `statemachines/*.asl.json`, so what runs locally is
 * what is deployed.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The workflows with a definition in `statemachines/<name>.asl.json`. */
export const WORKFLOWS = ['promotion', 'rollback', 'archive'] as const;
/** The name of one workflow. */
export type WorkflowName = (typeof WORKFLOWS)[number];

/**
 * Every placeholder a definition may use; infra must give each a value, and a definition
 * that uses another name is a mistake the tests catch.
 */
export const PLACEHOLDERS = [
  'RegisterFunctionArn',
  'EvaluateFunctionArn',
  'CompareFunctionArn',
  'PromoteFunctionArn',
  'RequestApprovalFunctionArn',
  'ApprovalDecisionFunctionArn',
  'RollbackFunctionArn',
  'ArchiveFunctionArn',
  'NotificationTopicArn',
] as const;
/** The name of one placeholder (without `${` `}`). */
export type Placeholder = (typeof PLACEHOLDERS)[number];

const PLACEHOLDER_PATTERN = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

let root: Promise<string> | undefined;

async function isModelregRoot(dir: string): Promise<boolean> {
  try {
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { name?: unknown };
    return pkg.name === 'modelreg';
  } catch {
    return false;
  }
}

/**
 * The package root, found by walking up from this module to the `package.json` named
 * modelreg: the module runs from src/workflows/ (tests, tsx) and from
 * dist/src/workflows/ (built), and the definitions stay at the root in both.
 */
export function packageRoot(): Promise<string> {
  root ??= (async () => {
    const start = dirname(fileURLToPath(import.meta.url));
    for (let dir = start; ; dir = dirname(dir)) {
      if (await isModelregRoot(dir)) return dir;
      if (dirname(dir) === dir) break;
    }
    throw new Error(`no package.json named modelreg above ${start}: run modelreg from its package`);
  })();
  return root;
}

/** Where the definition of a workflow lives. */
export async function definitionPath(name: WorkflowName): Promise<string> {
  return join(await packageRoot(), 'statemachines', `${name}.asl.json`);
}

/** The definition text of a workflow, placeholders unsubstituted (what CDK reads). */
export async function loadDefinition(name: WorkflowName): Promise<string> {
  if (!(WORKFLOWS as readonly string[]).includes(name)) {
    throw new Error(`unknown workflow '${name}': use one of ${WORKFLOWS.join(', ')}`);
  }
  return readFile(await definitionPath(name), 'utf8');
}

/** The placeholder names a definition uses, sorted and unique (`RegisterFunctionArn` …). */
export function placeholdersOf(text: string): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(PLACEHOLDER_PATTERN)) names.add(m[1] as string);
  return [...names].sort();
}

/**
 * Replaces every `${Name}` with its value, as CDK's definitionSubstitutions does (the
 * value is inserted as is). Refuses a placeholder without a value and a value that is
 * not used, so a renamed placeholder cannot slip through on either side.
 */
export function substitute(text: string, values: Readonly<Record<string, string>>): string {
  const used = placeholdersOf(text);
  const missing = used.filter((n) => !Object.hasOwn(values, n));
  const unused = Object.keys(values).filter((n) => !used.includes(n));
  const problems = [
    ...(missing.length > 0
      ? [`no value for placeholder(s) ${missing.map((n) => `\${${n}}`).join(', ')}`]
      : []),
    ...(unused.length > 0 ? [`value(s) for ${unused.join(', ')} not used by the definition`] : []),
  ];
  if (problems.length > 0) {
    throw new Error(
      `cannot substitute the definition: ${problems.join('; ')}. Give exactly the placeholders it uses (${used.join(', ')}).`,
    );
  }
  return text.replace(PLACEHOLDER_PATTERN, (_, n: string) => values[n] as string);
}

interface AslValidatorResult {
  isValid: boolean;
  errors: unknown[];
  errorsText: (separator?: string) => string;
}
type AslValidator = (
  definition: unknown,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => AslValidatorResult;

let validator: AslValidator | undefined;

/**
 * Checks a substituted definition with asl-validator (schema, JSONPaths, ARNs,
 * transitions): the same check aws-local-stepfunctions runs. Answers the problems, one
 * string each; none means valid. The definition is copied first: the validator writes
 * `QueryLanguage` into every state it sees.
 */
export function validateDefinition(definition: unknown): string[] {
  // asl-validator is CommonJS without types.
  validator ??= createRequire(import.meta.url)('asl-validator') as AslValidator;
  const result = validator(structuredClone(definition), { checkPaths: true, checkArn: true });
  return result.isValid ? [] : result.errorsText('\n').split('\n');
}

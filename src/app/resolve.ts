/**
 * What a serving layer needs to route a model's traffic on one release line: the line's
 * production version and the weighted and shadow aliases, each with the artifact to load.
 * The registry records this intent; routing is the serving layer's job.
 */
import { isRouted, mayServe } from '../core/alias-routing.js';
import { aliasRoutingOf } from '../core/decisions.js';
import { AliasNotFoundError, ModelNotFoundError, ValidationError } from '../core/errors.js';
import { aliasTarget } from '../core/head.js';
import { type ArtifactInfo, type ModelRef, refLabel, type Stage } from '../core/model.js';
import type { RegistryStore } from '../core/ports.js';
import { lineLabel, lineOf, lineSlot, selectedLine } from '../core/release-lines.js';

/** One version a router may send traffic to, with the artifact to load. */
export interface ServedVersion {
  version: string;
  stage: Stage;
  line: string | null;
  artifact: ArtifactInfo;
}

/** An alias as a router reads it: its version and artifact, and its share of traffic or shadow flag. */
export interface ServedAlias extends ServedVersion {
  alias: string;
  weight?: number;
  shadow?: true;
}

/** The answer of `resolve`. */
export interface Resolution {
  useCase: string;
  modelName: string;
  /** The line resolved (null: the default line). */
  line: string | null;
  /** The line's production version (null: nothing in production on that line). */
  production: ServedVersion | null;
  /**
   * With an alias asked for: that alias. Otherwise every weighted or shadow alias whose
   * version is on the line, by name. The production version takes `1 − Σ weights`.
   */
  aliases: ServedAlias[];
  /** The share of traffic left to production: 1 − the sum of the weights listed. */
  productionWeight: number;
}

/** Reads the head and the versions it names (one round trip) and answers what to route. */
export async function resolveServing(
  store: RegistryStore,
  ref: ModelRef,
  options: { alias?: string | undefined; line?: string | undefined },
): Promise<Resolution> {
  const head = await store.getHead(ref);
  if (head === null || head.versionCount === 0) {
    throw new ModelNotFoundError(
      `model ${refLabel(ref)} is not registered; check --use-case and --model, or register a version first.`,
      { ...ref },
    );
  }
  const asked = selectedLine(options.line);
  const target = options.alias === undefined ? undefined : aliasTarget(head, options.alias);
  if (options.alias !== undefined && target === undefined) {
    throw new AliasNotFoundError(
      `${refLabel(ref)} has no alias ${JSON.stringify(options.alias)}; aliases: ${Object.keys(head.aliases).join(', ') || 'none'}.`,
      { alias: options.alias },
    );
  }
  const named: Array<[string, string]> =
    options.alias !== undefined && target !== undefined
      ? [[options.alias, target]]
      : Object.entries(head.aliases).filter(([a]) => isRouted(aliasRoutingOf(head, a)));
  // An alias asked for is resolved on its version's line, which the head does not say: the
  // production of every line is read with it, in the same round trip.
  const productions =
    target === undefined
      ? [lineSlot(head, asked).production?.version]
      : [head.production?.version, ...Object.values(head.lines ?? {}).map((s) => s.production?.version)];
  const wanted = [
    ...new Set([...productions.filter((v): v is string => v !== undefined), ...named.map(([, v]) => v)]),
  ];
  const { versions } = await store.getHeadAndVersions(ref, wanted);
  const served = (v: string): ServedVersion | null => {
    const r = versions.get(v);
    return r ? { version: r.version, stage: r.stage, line: lineOf(r), artifact: r.artifact } : null;
  };
  let line = asked;
  if (target !== undefined) {
    const own = served(target)?.line ?? null;
    if (options.line !== undefined && own !== asked) {
      throw new ValidationError(
        `@${options.alias} names ${target} on the ${lineLabel(own)} line, not the ${lineLabel(asked)} line; drop --line or give --line ${lineLabel(own)}.`,
        { field: 'line', alias: options.alias, line: asked, aliasLine: own },
      );
    }
    line = own;
  }
  const production = lineSlot(head, line).production?.version ?? null;
  const aliases: ServedAlias[] = [];
  for (const [alias, version] of named.sort(([a], [b]) => a.localeCompare(b))) {
    const s = served(version);
    // without an alias asked for, only the line's own routed aliases that may serve are listed
    // (an archive leaves the alias in place; its version gets no traffic)
    if (s === null || (target === undefined && (s.line !== line || !mayServe(s.stage)))) continue;
    const routing = aliasRoutingOf(head, alias);
    aliases.push({
      alias,
      ...s,
      ...(routing?.weight !== undefined ? { weight: routing.weight } : {}),
      ...(routing?.shadow ? { shadow: true as const } : {}),
    });
  }
  const weights = aliases.reduce((sum, a) => sum + (a.weight ?? 0), 0);
  return {
    useCase: ref.useCase,
    modelName: ref.modelName,
    line,
    production: production ? served(production) : null,
    aliases,
    productionWeight: production ? Number(Math.max(0, 1 - weights).toFixed(6)) : 0,
  };
}

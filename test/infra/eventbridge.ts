/**
 * The parts of EventBridge the rules of the stack rely on, done by hand on fixtures:
 * pattern matching (values and `exists`), InputPath, and InputTransformer (InputPathsMap
 * + InputTemplate, a placeholder inside a JSON string takes the raw text, one outside
 * takes the JSON value), plus the SNS filter policy and pipe template of the promotion
 * events. Only the syntax the templates use is supported; anything else throws.
 */

type Json = unknown;

/** The value at a JSONPath in dot notation (`$.detail.Tags.modelreg-useCase`), or undefined. */
export function valueAt(event: Json, path: string): Json {
  if (!/^\$(\.[A-Za-z0-9_\-/]+)*$/.test(path)) throw new Error(`unsupported input path ${path}`);
  let value = event;
  for (const key of path.split('.').slice(1)) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, Json>)[key];
  }
  return value;
}

/** Whether an event matches an event pattern made of value lists, `{exists}` and nested objects. */
export function matchesPattern(pattern: Record<string, Json>, event: Json): boolean {
  const object = (typeof event === 'object' && event !== null ? event : {}) as Record<string, Json>;
  return Object.entries(pattern).every(([key, rule]) => {
    const value = object[key];
    if (Array.isArray(rule)) {
      return rule.some((r) => {
        if (typeof r === 'object' && r !== null) {
          if (Object.keys(r).join() !== 'exists') throw new Error(`unsupported pattern ${JSON.stringify(r)}`);
          return (r as { exists: boolean }).exists ? value !== undefined : value === undefined;
        }
        return Array.isArray(value) ? value.includes(r) : value === r;
      });
    }
    if (typeof rule === 'object' && rule !== null) return matchesPattern(rule as Record<string, Json>, value);
    throw new Error(`unsupported pattern ${JSON.stringify(rule)} for ${key}`);
  });
}

/** What a rule target with an InputTransformer sends: the filled template, as text. */
export function applyInputTransformer(
  transformer: { InputPathsMap: Record<string, string>; InputTemplate: string },
  event: Json,
): string {
  const values = new Map<string, Json>();
  for (const [name, path] of Object.entries(transformer.InputPathsMap)) {
    const value = valueAt(event, path);
    if (value === undefined) throw new Error(`${path} (<${name}>) is not in the event`);
    values.set(name, value);
  }
  const lookup = (name: string): Json => {
    if (!values.has(name)) throw new Error(`<${name}> is not in InputPathsMap`);
    return values.get(name);
  };
  // a JSON string literal, or a placeholder outside of one
  return transformer.InputTemplate.replace(
    /"(?:[^"\\]|\\.)*"|<([A-Za-z0-9_.-]+)>/g,
    (match, bare?: string) => {
      if (bare !== undefined) return JSON.stringify(lookup(bare));
      return match.replace(/<([A-Za-z0-9_.-]+)>/g, (_, name: string) =>
        JSON.stringify(String(lookup(name))).slice(1, -1),
      );
    },
  );
}

/** Whether SNS message attributes pass a filter policy of allow-lists. */
export function passesFilterPolicy(
  policy: Record<string, Json[]>,
  attributes: Record<string, { DataType: string; StringValue?: string }>,
): boolean {
  return Object.entries(policy).every(([name, allowed]) => {
    const value = attributes[name]?.StringValue;
    return value !== undefined && allowed.includes(value);
  });
}

/**
 * What a pipe's input template makes of an SQS record whose body is JSON (EventBridge
 * Pipes parse an SQS body that is JSON, so `$.body.x` and `<$.body>` reach into it).
 * Only a template that is a single `<$.path>` is supported.
 */
export function applyPipeTemplate(template: string, record: { body: string }): Json {
  const m = /^<(\$[^>]*)>$/.exec(template);
  if (!m?.[1]) throw new Error(`unsupported pipe template ${template}`);
  return valueAt({ ...record, body: JSON.parse(record.body) as Json }, m[1]);
}

/**
 * Model cards: the sections of Mitchell et al.'s "Model Cards for Model Reporting" and the
 * metadata of Hugging Face model cards (YAML front matter), so a user can bring a card they
 * already have. What the registry itself knows (metrics, lineage, evaluation evidence,
 * approvals, stage history) is never taken from the user: it is filled in from the
 * registry's records when the card is rendered (see renderCard).
 */
import { parse as parseYaml } from 'yaml';
import * as z from 'zod';
import type { AuditDraft } from './audit.js';
import { canonicalJson } from './canonical-json.js';
import { recordChange } from './change.js';
import type { Actor, Decision } from './decisions.js';
import { ValidationError } from './errors.js';
import type { GateResult } from './gates.js';
import type { ModelHead } from './head.js';
import type { Lineage, Metrics, ModelRef } from './model.js';
import type { VersionRecord } from './ports.js';

/** The sections a user writes, in the order a card shows them. */
export const CARD_SECTIONS = [
  'model_details',
  'intended_use',
  'out_of_scope_uses',
  'factors',
  'training_data',
  'evaluation_data',
  'ethical_considerations',
  'limitations',
  'fairness',
  'owners',
  'contact',
] as const;
/** A section a user writes (and a `require_model_card` gate can require). */
export type CardSection = (typeof CARD_SECTIONS)[number];

/** Section titles as a card shows them. */
export const SECTION_TITLES: Record<CardSection, string> = {
  model_details: 'Model details',
  intended_use: 'Intended use',
  out_of_scope_uses: 'Out-of-scope uses',
  factors: 'Factors',
  training_data: 'Training data',
  evaluation_data: 'Evaluation data',
  ethical_considerations: 'Ethical considerations',
  limitations: 'Caveats, recommendations and limitations',
  fairness: 'Fairness',
  owners: 'Owners',
  contact: 'Contact',
};

/**
 * Sections the registry fills in from its records. A card that brings them has them
 * ignored, and the answer says so.
 */
export const REGISTRY_SECTIONS = [
  'metrics',
  'quantitative_analyses',
  'lineage',
  'evaluation_results',
  'approvals',
  'stage_history',
] as const;

/** Markdown headings (normalised: lower case, letters and digits only) and the section they map to. */
const HEADINGS: Record<string, CardSection | (typeof REGISTRY_SECTIONS)[number]> = {
  modeldetails: 'model_details',
  modeldescription: 'model_details',
  intendeduse: 'intended_use',
  intendeduses: 'intended_use',
  uses: 'intended_use',
  directuse: 'intended_use',
  outofscopeuse: 'out_of_scope_uses',
  outofscopeuses: 'out_of_scope_uses',
  factors: 'factors',
  relevantfactors: 'factors',
  trainingdata: 'training_data',
  evaluationdata: 'evaluation_data',
  testingdata: 'evaluation_data',
  ethicalconsiderations: 'ethical_considerations',
  caveatsandrecommendations: 'limitations',
  limitations: 'limitations',
  recommendations: 'limitations',
  biasrisksandlimitations: 'limitations',
  fairness: 'fairness',
  owners: 'owners',
  modelcardauthors: 'owners',
  authors: 'owners',
  contact: 'contact',
  modelcardcontact: 'contact',
  metrics: 'metrics',
  quantitativeanalyses: 'quantitative_analyses',
  evaluationresults: 'evaluation_results',
  results: 'evaluation_results',
  lineage: 'lineage',
  approvals: 'approvals',
  stagehistory: 'stage_history',
};

/** The most a card's content may weigh as JSON: one card version is one DynamoDB item (≤ 400 KB). */
export const CARD_MAX_BYTES = 64 * 1024;

const Text = z.string().max(32 * 1024, 'a section holds at most 32 KiB of text');
const strings = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : [v]));

/** A cohort's metrics (fairness: the same metrics measured per group, where the user has them). */
export const CohortSchema = z.object({
  cohort: z.string().min(1, 'each fairness cohort needs a name (cohort: …)'),
  metrics: z.record(z.string(), z.number().finite()),
});

/**
 * Hugging Face model card metadata (the YAML front matter of a README.md on the Hub). Known
 * keys are checked; others are kept as given. `model-index` carries evaluation results and is
 * dropped, like every section the registry fills in.
 */
export const CardMetadataSchema = z.looseObject({
  license: z.string().optional(),
  language: strings.optional(),
  tags: strings.optional(),
  datasets: strings.optional(),
  metrics: strings.optional(),
  library_name: z.string().optional(),
  pipeline_tag: z.string().optional(),
  base_model: strings.optional(),
});
export type CardMetadata = z.infer<typeof CardMetadataSchema>;

/** A card as stored: the user's sections, fairness cohorts, metadata and any other sections. */
export const CardContentSchema = z
  .object({
    sections: z.partialRecord(z.enum(CARD_SECTIONS), Text),
    cohorts: z.array(CohortSchema).max(256).default([]),
    metadata: CardMetadataSchema.default({}),
    /** Sections of the source that map to none of the above (kept in order: "How to get started" …). */
    extra: z
      .array(z.object({ title: z.string().min(1).max(256), body: Text }))
      .max(64)
      .default([]),
  })
  .strict();
export type CardContent = z.infer<typeof CardContentSchema>;

/** A parsed card and the registry-filled parts the source brought, which were left out. */
export interface ParsedCard {
  content: CardContent;
  ignored: string[];
}

/** The YAML `fairness` block: notes and the metrics of each cohort. */
const FairnessSchema = z
  .object({ notes: Text.optional(), cohorts: z.array(CohortSchema).optional() })
  .strict();

/**
 * The YAML form of a card: each section by its key, `fairness` as text or as
 * `{notes, cohorts: [{cohort, metrics}]}`, Hugging Face keys under `metadata`.
 */
const YamlCardSchema = z
  .object({
    ...Object.fromEntries(CARD_SECTIONS.filter((s) => s !== 'fairness').map((s) => [s, Text.optional()])),
    fairness: z.unknown().optional(),
    metadata: CardMetadataSchema.optional(),
    extra: z.array(z.object({ title: z.string().min(1), body: Text })).optional(),
    ...Object.fromEntries(REGISTRY_SECTIONS.map((s) => [s, z.unknown().optional()])),
  })
  .strict();

/** Turns a zod failure into a ValidationError naming the field and the sections a card has. */
function invalid(what: string, error: z.ZodError): ValidationError {
  const issue = error.issues[0];
  const where = issue?.path.join('.') || '(root)';
  const unknown = issue?.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : '';
  return new ValidationError(
    `${what} is invalid at ${where}: ${issue?.message}${unknown}. A card's sections are ${CARD_SECTIONS.join(', ')}; Hugging Face keys go under metadata.`,
    { issues: error.issues },
  );
}

function yamlOf(text: string, what: string): unknown {
  try {
    return parseYaml(text);
  } catch (e) {
    throw new ValidationError(`${what} is not valid YAML: ${(e as Error).message}`);
  }
}

/** Parses a card written as YAML (see YamlCardSchema). */
export function parseYamlCard(text: string): ParsedCard {
  const raw = yamlOf(text, 'the card');
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ValidationError(
      `a YAML card is a mapping of sections (intended_use: …, limitations: …), not ${Array.isArray(raw) ? 'a list' : JSON.stringify(raw)}.`,
    );
  }
  const parsed = YamlCardSchema.safeParse(raw);
  if (!parsed.success) throw invalid('the card', parsed.error);
  const data = parsed.data as Record<string, unknown>;
  const ignored = REGISTRY_SECTIONS.filter((s) => data[s] !== undefined);
  const sections: Partial<Record<CardSection, string>> = {};
  let cohorts: z.infer<typeof CohortSchema>[] = [];
  for (const s of CARD_SECTIONS) {
    const v = data[s];
    if (s === 'fairness' && v !== undefined && typeof v !== 'string') {
      const f = FairnessSchema.safeParse(v);
      if (!f.success) throw invalid('the card fairness block', f.error);
      if (f.data.notes !== undefined) sections.fairness = f.data.notes;
      cohorts = f.data.cohorts ?? [];
    } else if (typeof v === 'string') sections[s] = v;
  }
  const metadata = stripModelIndex((data.metadata as CardMetadata | undefined) ?? {}, ignored);
  return finish({ sections, cohorts, metadata, extra: (data.extra as CardContent['extra']) ?? [] }, ignored);
}

/**
 * Parses a Markdown card: optional YAML front matter (Hugging Face metadata, and a
 * `fairness: {cohorts: …}` block), then `## Section` headings mapped to sections. Text
 * before the first heading (the title and a summary) goes to model details.
 */
export function parseMarkdownCard(text: string): ParsedCard {
  const ignored: string[] = [];
  let body = text.replace(/^\uFEFF/, '');
  let metadata: CardMetadata = {};
  let cohorts: z.infer<typeof CohortSchema>[] = [];
  const front = /^---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/.exec(body);
  if (front) {
    body = body.slice(front[0].length);
    const raw = yamlOf(front[1]!, 'the front matter');
    if (raw !== null && raw !== undefined) {
      const meta = CardMetadataSchema.safeParse(raw);
      if (!meta.success) throw invalid('the front matter', meta.error);
      const { fairness, ...rest } = meta.data as CardMetadata & { fairness?: unknown };
      if (fairness !== undefined) {
        const f = z
          .object({ cohorts: z.array(CohortSchema) })
          .strict()
          .safeParse(fairness);
        if (!f.success) throw invalid('the front matter fairness block', f.error);
        cohorts = f.data.cohorts;
      }
      metadata = stripModelIndex(rest, ignored);
    }
  }
  const sections: Partial<Record<CardSection, string>> = {};
  const extra: CardContent['extra'] = [];
  const preamble: string[] = [];
  let current: { title: string; lines: string[] } | null = null;
  const flush = () => {
    if (current === null) return;
    const bodyText = current.lines.join('\n').trim();
    const key = HEADINGS[current.title.toLowerCase().replace(/[^a-z0-9]/g, '')];
    if (key === undefined) extra.push({ title: current.title, body: bodyText });
    else if ((REGISTRY_SECTIONS as readonly string[]).includes(key)) {
      if (!ignored.includes(key)) ignored.push(key);
    } else {
      const s = key as CardSection;
      sections[s] = sections[s] ? `${sections[s]}\n\n${bodyText}` : bodyText;
    }
  };
  let fenced = false;
  for (const line of body.split(/\r?\n/)) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const heading = fenced ? null : /^##\s+(.+?)\s*#*\s*$/.exec(line);
    if (heading) {
      flush();
      current = { title: heading[1]!, lines: [] };
    } else if (current) current.lines.push(line);
    else preamble.push(line);
  }
  flush();
  // the title line (`# name`) says nothing the registry does not know; the rest describes the model
  const summary = preamble
    .filter((l) => !/^#\s/.test(l))
    .join('\n')
    .trim();
  if (summary)
    sections.model_details = sections.model_details ? `${summary}\n\n${sections.model_details}` : summary;
  return finish({ sections, cohorts, metadata, extra }, ignored);
}

/** The card format of a file by its name: `.md`/`.markdown` are Markdown, `.yaml`/`.yml` YAML. */
export function cardFormatOf(fileName: string): 'markdown' | 'yaml' {
  if (/\.(md|markdown)$/i.test(fileName)) return 'markdown';
  if (/\.ya?ml$/i.test(fileName)) return 'yaml';
  throw new ValidationError(
    `${fileName}: a card is a Markdown file (.md, with optional YAML front matter) or a YAML file (.yaml/.yml).`,
    { file: fileName },
  );
}

function stripModelIndex(metadata: CardMetadata, ignored: string[]): CardMetadata {
  if (!('model-index' in metadata)) return metadata;
  const { 'model-index': _dropped, ...rest } = metadata as CardMetadata & { 'model-index'?: unknown };
  ignored.push('model-index');
  return rest;
}

function finish(content: z.input<typeof CardContentSchema>, ignored: string[]): ParsedCard {
  const sections = Object.fromEntries(
    Object.entries(content.sections ?? {}).filter(([, v]) => typeof v === 'string' && v.trim() !== ''),
  );
  const parsed = CardContentSchema.safeParse({ ...content, sections });
  if (!parsed.success) throw invalid('the card', parsed.error);
  const bytes = new TextEncoder().encode(JSON.stringify(parsed.data)).length;
  if (bytes > CARD_MAX_BYTES) {
    throw new ValidationError(
      `the card is ${bytes} bytes as JSON; the limit is ${CARD_MAX_BYTES} bytes (${CARD_MAX_BYTES / 1024} KiB), so that a card version fits one DynamoDB item. Link long material from the card instead.`,
      { bytes, limit: CARD_MAX_BYTES },
    );
  }
  if (Object.keys(parsed.data.sections).length === 0 && parsed.data.cohorts.length === 0) {
    throw new ValidationError(
      `the card has none of the sections ${CARD_SECTIONS.join(', ')}; write them as "## Intended use" headings (Markdown) or keys (YAML).`,
    );
  }
  return { content: parsed.data, ignored };
}

/** Sections of a card that have content (fairness counts with notes or cohort metrics). */
export function filledSections(content: CardContent | null): CardSection[] {
  if (content === null) return [];
  return CARD_SECTIONS.filter(
    (s) => (content.sections[s] ?? '').trim() !== '' || (s === 'fairness' && content.cohorts.length > 0),
  );
}

/** A stored card version of a model version (record kind `card`). */
export interface StoredCard {
  useCase: string;
  modelName: string;
  version: string;
  /** 1, 2, 3 … per model version: every `card set` that changes the card adds one. */
  cardVersion: number;
  content: CardContent;
  ignored: string[];
  setAt: string;
  setBy: string;
}

/** What the registry knows of a version, filled into its card at render. */
export interface CardFacts {
  useCase: string;
  modelName: string;
  version: string;
  stage: string;
  description: string | null;
  registeredAt: string;
  registeredBy: string;
  sha256: string;
  metrics: Metrics;
  lineage: Lineage;
  evidence: ReadonlyArray<{
    evalSetId: string;
    evalSetSha256: string;
    metrics: Metrics;
    evaluator: string;
    evaluatedAt: string;
  }>;
  approvals: ReadonlyArray<{
    approvalId: string;
    status: string;
    requestedBy: string;
    decidedBy: string | null;
    decidedAt: string | null;
    reason: string | null;
  }>;
  stageHistory: ReadonlyArray<{
    at: string;
    actor: string;
    action: string;
    fromStage: string | null;
    toStage: string | null;
  }>;
}

/** A card as rendered: the user's parts (if a card was set) beside the registry's facts. */
export interface RenderedCard {
  card: StoredCard | null;
  facts: CardFacts;
  /** The card sections that are empty (what a `require_model_card` gate would report). */
  missing: CardSection[];
}

/** Puts a stored card and the registry's facts together. */
export function renderCard(card: StoredCard | null, facts: CardFacts): RenderedCard {
  const filled = new Set(filledSections(card?.content ?? null));
  return { card, facts, missing: CARD_SECTIONS.filter((s) => !filled.has(s)) };
}

const cell = (v: string) => v.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

function mdTable(header: string[], rows: string[][]): string {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');
}

/** The lineage as label/value pairs (only the parts that are set). */
export function lineageRows(l: Lineage): [string, string][] {
  const rows: [string, string | null | undefined][] = [
    ['Training run', l.runId],
    ['Dataset version', l.datasetVersion],
    ['Curation ruleset', l.curationRuleset],
    ['Code version', l.codeVersion],
    ['Config hash', l.configHash],
    ['Feature set', l.featureSet ? `${l.featureSet.name}@${l.featureSet.version}` : null],
    [
      'Parent model',
      l.parent
        ? `${l.parent.useCase}/${l.parent.modelName}@${l.parent.version} (${l.parent.relation})`
        : null,
    ],
  ];
  return rows.filter((r): r is [string, string] => typeof r[1] === 'string' && r[1] !== '');
}

/** The card as Markdown, with the registry's sections marked as filled in from its records. */
export function cardMarkdown(r: RenderedCard): string {
  const { facts: f, card } = r;
  const s = card?.content.sections ?? {};
  const out: string[] = [];
  const meta = card ? metadataFrontMatter(card.content.metadata) : '';
  if (meta) out.push(meta);
  out.push(`# ${f.useCase}/${f.modelName} ${f.version}`, '');
  out.push(
    card
      ? `Card version ${card.cardVersion}, set ${card.setAt} by ${card.setBy}. Sections marked *(from the registry)* are filled in from its records.`
      : 'No card has been set for this version (`modelreg models card set`); the sections below come from the registry.',
    '',
  );
  const section = (key: CardSection, extra?: string) => {
    out.push(`## ${SECTION_TITLES[key]}`, '');
    const text = s[key]?.trim();
    if (text) out.push(text, '');
    if (extra) out.push(extra, '');
    if (!text && !extra) out.push('_Not given._', '');
  };
  section(
    'model_details',
    [
      `- Stage: ${f.stage} *(from the registry)*`,
      `- Registered ${f.registeredAt} by ${f.registeredBy}; artifact sha256 \`${f.sha256}\``,
      ...(f.description ? [`- Description: ${f.description}`] : []),
    ].join('\n'),
  );
  section('intended_use');
  section('out_of_scope_uses');
  section('factors');
  const lineage = lineageRows(f.lineage);
  section(
    'training_data',
    `Lineage *(from the registry)*:\n\n${lineage.length ? mdTable(['', ''], lineage) : '_No lineage recorded._'}`,
  );
  section(
    'evaluation_data',
    `Evaluation evidence *(from the registry)*:\n\n${
      f.evidence.length
        ? mdTable(
            ['Evaluation set', 'sha256', 'Metrics', 'Evaluator', 'At'],
            f.evidence.map((e) => [
              e.evalSetId,
              e.evalSetSha256.slice(0, 12),
              metricText(e.metrics),
              e.evaluator,
              e.evaluatedAt,
            ]),
          )
        : '_Not evaluated on a registered evaluation set._'
    }`,
  );
  out.push('## Metrics *(from the registry)*', '');
  const metrics = Object.entries(f.metrics);
  out.push(
    metrics.length
      ? mdTable(
          ['Metric', 'Value'],
          metrics.map(([k, v]) => [k, String(v)]),
        )
      : '_No metrics._',
    '',
  );
  section(
    'fairness',
    card?.content.cohorts.length
      ? mdTable(
          ['Cohort', 'Metrics'],
          card.content.cohorts.map((c) => [c.cohort, metricText(c.metrics)]),
        )
      : undefined,
  );
  section('ethical_considerations');
  section('limitations');
  section('owners');
  section('contact');
  out.push('## Approvals *(from the registry)*', '');
  out.push(
    f.approvals.length
      ? mdTable(
          ['Approval', 'Status', 'Requested by', 'Decided by', 'At', 'Reason'],
          f.approvals.map((a) => [
            a.approvalId,
            a.status,
            a.requestedBy,
            a.decidedBy ?? '',
            a.decidedAt ?? '',
            a.reason ?? '',
          ]),
        )
      : '_No approval requests._',
    '',
  );
  out.push('## Stage history *(from the registry)*', '');
  out.push(
    mdTable(
      ['At', 'By', 'Action', 'From', 'To'],
      f.stageHistory.map((h) => [h.at, h.actor, h.action, h.fromStage ?? '', h.toStage ?? '']),
    ),
    '',
  );
  for (const e of card?.content.extra ?? []) out.push(`## ${e.title}`, '', e.body, '');
  return `${out.join('\n').trimEnd()}\n`;
}

/** Metrics as `auc=0.91, f1=0.8`. */
export function metricText(m: Metrics): string {
  return Object.entries(m)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

function metadataFrontMatter(m: CardMetadata): string {
  const entries = Object.entries(m).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '';
  const lines = entries.map(([k, v]) => `${k}: ${JSON.stringify(v)}`);
  return ['---', ...lines, '---', ''].join('\n');
}

/** Record ids of card versions: zero-padded so that listing a scope by id lists them in order. */
export const cardIds = {
  scope: (ref: ModelRef, version: string) => `${ref.useCase}/${ref.modelName}/${version}`,
  record: (ref: ModelRef, version: string, cardVersion: number) =>
    `${ref.useCase}/${ref.modelName}/${version}/${String(cardVersion).padStart(6, '0')}`,
};

/** The audit event type of a card version. */
export const CARD_SET_EVENT = 'card.set';

/** The answer of `card set`: the card now current, whether it changed, and what was left out. */
export interface CardSetResult {
  card: StoredCard;
  changed: boolean;
  ignored: string[];
}

/**
 * Stores a new card version of a model version with its `card.set` audit event, in one
 * change; the same content as the current card again writes nothing.
 */
export function decideCardSet(
  ref: ModelRef,
  head: ModelHead,
  version: VersionRecord,
  latest: StoredCard | null,
  parsed: ParsedCard,
  who: Actor,
): Decision<CardSetResult> {
  if (latest !== null && canonicalJson(latest.content) === canonicalJson(parsed.content)) {
    return { change: null, result: { card: latest, changed: false, ignored: parsed.ignored } };
  }
  const card: StoredCard = {
    useCase: ref.useCase,
    modelName: ref.modelName,
    version: version.version,
    cardVersion: (latest?.cardVersion ?? 0) + 1,
    content: parsed.content,
    ignored: parsed.ignored,
    setAt: who.now,
    setBy: who.actor,
  };
  const draft: AuditDraft = {
    at: who.now,
    actor: who.actor,
    action: CARD_SET_EVENT,
    version: version.version,
    fromStage: null,
    toStage: null,
    details: {
      cardVersion: card.cardVersion,
      sections: filledSections(card.content),
      ...(parsed.ignored.length ? { ignored: parsed.ignored } : {}),
    },
  };
  return {
    change: recordChange(
      ref,
      head,
      [
        {
          record: {
            kind: 'card',
            id: cardIds.record(ref, version.version, card.cardVersion),
            scope: cardIds.scope(ref, version.version),
            doc: card as unknown as Record<string, unknown>,
          },
          expect: 'absent',
        },
      ],
      [draft],
      who.now,
    ),
    result: { card, changed: true, ignored: parsed.ignored },
  };
}

/**
 * The `require_model_card` gate: the required sections the card leaves empty (all of them
 * when no card is set), reported with the required ones as its threshold.
 */
export function modelCardGate(required: readonly CardSection[], card: StoredCard | null): GateResult {
  const filled = new Set(filledSections(card?.content ?? null));
  const missing = required.filter((s) => !filled.has(s));
  return {
    gate: 'require_model_card',
    metric: 'model_card',
    actual: missing,
    threshold: [...required],
    passed: missing.length === 0,
    source: 'policy',
    note:
      card === null
        ? 'no model card: set one with `models card set`'
        : missing.length
          ? `card version ${card.cardVersion} leaves ${missing.join(', ')} empty`
          : `card version ${card.cardVersion}`,
  };
}

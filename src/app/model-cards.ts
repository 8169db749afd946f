/**
 * Use cases of model cards, version edits and the use-case listing: read the records,
 * decide with the core (model-card.ts, version-edit.ts), commit in one change. The
 * Registry exposes them as thin methods; this module takes only the ports it needs.
 */
import * as z from 'zod';
import type { AuditEvent } from '../core/audit.js';
import type { Actor, Decision } from '../core/decisions.js';
import { ValidationError } from '../core/errors.js';
import type { GateResult } from '../core/gates.js';
import type { ModelHead } from '../core/head.js';
import type { ModelRef, ModelVersion, Stage } from '../core/model.js';
import {
  type CardFacts,
  type CardSetResult,
  cardIds,
  decideCardSet,
  modelCardGate,
  parseMarkdownCard,
  parseYamlCard,
  type RenderedCard,
  renderCard,
  type StoredCard,
} from '../core/model-card.js';
import { policyOf } from '../core/policy.js';
import type { Page, RegistryStore, UseCaseSummary, VersionRecord } from '../core/ports.js';
import { decideEdit } from '../core/version-edit.js';
import type { Approval, Evidence } from '../core/workflow.js';
import { LIMITS, parseInput, SelectorSchema, TagsSchema } from './inputs.js';
import { allPages } from './pages.js';

/** What the card use cases need of the registry. */
export interface CardPorts {
  store: RegistryStore;
  mutate<R>(decide: () => Promise<Decision<R>>): Promise<R>;
  who(actor: string | undefined): Actor;
  load(
    ref: ModelRef,
    sel: z.input<typeof SelectorSchema>,
  ): Promise<{ head: ModelHead; version: VersionRecord }>;
  evidence(ref: ModelRef, version: string): Promise<Evidence[]>;
  approvals(ref: ModelRef, version: string): Promise<Approval[]>;
  view(head: ModelHead | null, record: VersionRecord): ModelVersion;
}

const By = z.string().min(1, 'who must not be empty').max(256).optional();

/** `card set`: the card's text and its format (by the file's extension on the CLI). */
export const CardSetSchema = SelectorSchema.extend({
  text: z.string({ error: 'the card text is required (--file card.md or card.yaml)' }).max(512 * 1024, {
    message: 'a card is at most 512 KiB; keep large material in the artifact',
  }),
  format: z.enum(['markdown', 'yaml'], { error: 'a card is markdown or yaml' }),
  setBy: By,
});
export type CardSetInput = z.input<typeof CardSetSchema>;

/** `models edit`: a new description (empty clears it), tags to set, tag keys to remove. */
export const EditSchema = SelectorSchema.extend({
  description: z
    .string()
    .max(4096, 'a description is at most 4096 characters; put longer text in the model card')
    .optional(),
  tags: TagsSchema,
  untag: z.array(z.string().min(1)).default([]),
  editedBy: By,
}).refine((e) => e.description !== undefined || Object.keys(e.tags).length > 0 || e.untag.length > 0, {
  message: 'nothing to edit: give --description, --tag k=v or --untag k',
});
export type EditInput = z.input<typeof EditSchema>;

/** A page request of use cases. */
export const UseCaseListSchema = z.object({
  limit: z.number().int().min(1).max(1000).optional(),
  cursor: z.string().nullable().optional(),
});

/** Model cards, edits of a version's description and tags, and the use-case listing. */
export class ModelCards {
  constructor(private readonly ports: CardPorts) {}

  /** Stores a new card version (validated, registry-filled sections left out and named). */
  async set(input: CardSetInput): Promise<CardSetResult> {
    const req = parseInput(CardSetSchema, input);
    const parsed = req.format === 'yaml' ? parseYamlCard(req.text) : parseMarkdownCard(req.text);
    const ref = { useCase: req.useCase, modelName: req.modelName };
    return this.ports.mutate(async () => {
      const { head, version } = await this.ports.load(ref, req);
      const latest = (await this.history(ref, version.version)).at(-1) ?? null;
      return decideCardSet(ref, head, version, latest, parsed, this.ports.who(req.setBy));
    });
  }

  /** Every card version of a model version, oldest first. */
  async historyOf(input: z.input<typeof SelectorSchema>): Promise<StoredCard[]> {
    const req = parseInput(SelectorSchema, input);
    const ref = { useCase: req.useCase, modelName: req.modelName };
    const { version } = await this.ports.load(ref, req);
    return this.history(ref, version.version);
  }

  /** The current card beside what the registry knows of the version, read from its records now. */
  async show(input: z.input<typeof SelectorSchema>): Promise<RenderedCard> {
    const req = parseInput(SelectorSchema, input);
    const ref = { useCase: req.useCase, modelName: req.modelName };
    const { head, version } = await this.ports.load(ref, req);
    const card = (await this.history(ref, version.version)).at(-1) ?? null;
    const view = this.ports.view(head, version);
    const [evidence, approvals, audit] = await Promise.all([
      this.ports.evidence(ref, version.version),
      this.ports.approvals(ref, version.version),
      allPages((cursor) => this.ports.store.listAudit(ref, { limit: 1000, cursor })),
    ]);
    const facts: CardFacts = {
      useCase: view.useCase,
      modelName: view.modelName,
      version: view.version,
      stage: view.stage,
      description: view.description ?? null,
      registeredAt: view.registeredAt,
      registeredBy: view.registeredBy,
      sha256: view.artifact.sha256,
      metrics: view.metrics,
      lineage: view.lineage,
      evidence: evidence.map(({ evalSetId, evalSetSha256, metrics, evaluator, evaluatedAt }) => ({
        evalSetId,
        evalSetSha256,
        metrics,
        evaluator,
        evaluatedAt,
      })),
      approvals: approvals.map(({ approvalId, status, requestedBy, decidedBy, decidedAt, reason }) => ({
        approvalId,
        status,
        requestedBy,
        decidedBy,
        decidedAt,
        reason,
      })),
      stageHistory: stageHistory(audit, version.version),
    };
    return renderCard(card, facts);
  }

  /** The `require_model_card` gate of each stage whose policy requires card sections. */
  async gates(
    ref: ModelRef,
    head: ModelHead,
    version: VersionRecord,
  ): Promise<Partial<Record<Stage, GateResult[]>>> {
    const required = policyOf(head.policy).requireModelCard;
    if (required.staging.length === 0 && required.production.length === 0) return {};
    const card = (await this.history(ref, version.version)).at(-1) ?? null;
    const out: Partial<Record<Stage, GateResult[]>> = {};
    if (required.staging.length) out.staging = [modelCardGate(required.staging, card)];
    if (required.production.length) out.production = [modelCardGate(required.production, card)];
    return out;
  }

  /** Changes a version's description and tags (audited `model.edit`, old and new values). */
  async edit(input: EditInput): Promise<ModelVersion> {
    const req = parseInput(EditSchema, input);
    const ref = { useCase: req.useCase, modelName: req.modelName };
    return this.ports.mutate(async () => {
      const { head, version } = await this.ports.load(ref, req);
      const d = decideEdit(
        ref,
        head,
        version,
        { description: req.description, tags: req.tags, untag: req.untag },
        this.ports.who(req.editedBy),
      );
      const count = Object.keys(d.result.tags).length;
      if (count > LIMITS.tags) {
        throw new ValidationError(
          `${count} tags after the edit; the limit is ${LIMITS.tags}. Remove some with --untag.`,
        );
      }
      return { change: d.change, result: this.ports.view(head, d.result) };
    });
  }

  /** Use cases with their number of models, by name. */
  async useCases(input: z.input<typeof UseCaseListSchema> = {}): Promise<Page<UseCaseSummary>> {
    const req = parseInput(UseCaseListSchema, input);
    return this.ports.store.listUseCases({
      ...(req.limit ? { limit: req.limit } : {}),
      cursor: req.cursor ?? null,
    });
  }

  private async history(ref: ModelRef, version: string): Promise<StoredCard[]> {
    const records = await allPages((cursor) =>
      this.ports.store.listRecords('card', { scope: cardIds.scope(ref, version) }, { limit: 1000, cursor }),
    );
    return records.map((r) => r.doc as unknown as StoredCard).sort((a, b) => a.cardVersion - b.cardVersion);
  }
}

/** The events that moved a version (registration, promotions, demotions, archival, rollback). */
function stageHistory(audit: readonly AuditEvent[], version: string): CardFacts['stageHistory'] {
  return audit
    .filter((e) => e.version === version && (e.fromStage !== null || e.toStage !== null))
    .map((e) => ({ at: e.at, actor: e.actor, action: e.action, fromStage: e.fromStage, toStage: e.toStage }));
}

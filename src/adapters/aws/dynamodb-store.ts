import { createHash, randomUUID } from 'node:crypto';
import { type DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { AuditEvent } from '../../core/audit.js';
import { ConcurrentModificationError, ValidationError, VersionExistsError } from '../../core/errors.js';
import type { ModelHead } from '../../core/head.js';
import { type ModelRef, refLabel, type Stage } from '../../core/model.js';
import type {
  ChangeSet,
  CommitOptions,
  OrphanedArtifact,
  Page,
  PageRequest,
  RecordKind,
  RecordWrite,
  RegistryStore,
  StoredRecord,
  UndeliveredNotification,
  UseCaseSummary,
  VersionEdit,
  VersionRecord,
} from '../../core/ports.js';
import { versionSortKey } from '../../core/versioning.js';
import { decodeCursor as decodePage, encodeCursor, pageLimit } from '../paging.js';
import { pauseIfAsked } from '../pause-hook.js';
import {
  AUDIT_SEQ_MAX,
  auditSk,
  crossModelSk,
  GSI_MODELS,
  GSI_RUN,
  GSI_STAGE,
  HEAD_SK,
  modelPk,
  modelSk,
  OUTBOX_PK,
  orphanSk,
  recordPk,
  recordScopePk,
  recordStatusPk,
  runPk,
  SWEEP_PK,
  stagePk,
  USE_CASES_PK,
  useCasePk,
  useCaseSk,
  versionSk,
} from './table-design.js';

/** DynamoDB's limit on the items of one TransactWriteItems call. */
export const MAX_TRANSACTION_ITEMS = 100;

type Item = Record<string, unknown>;

/*
 * Items keep their documents as JSON strings (like the embedded store), so key order,
 * numbers and nesting come back exactly as written, whatever DynamoDB does with maps.
 * What conditions and indexes need (revision, stage, GSI keys) sits beside them as
 * attributes; a version's `stage` and `stageUpdatedAt` attributes are authoritative.
 */
function toVersion(item: Item): VersionRecord {
  const doc = JSON.parse(item.doc as string) as VersionRecord;
  // an edit (`models edit`) keeps the new description and tags beside the document, authoritative like the stage
  if (typeof item.edit === 'string') {
    const edit = JSON.parse(item.edit) as Pick<VersionEdit, 'description' | 'tags'>;
    delete doc.description;
    doc.tags = edit.tags;
    if (edit.description !== null) doc.description = edit.description;
  }
  return { ...doc, stage: item.stage as Stage, stageUpdatedAt: item.stageUpdatedAt as string };
}

function toHead(item: Item): ModelHead {
  return { ...(JSON.parse(item.doc as string) as ModelHead), revision: item.revision as number };
}

function versionItem(v: VersionRecord): Item {
  const sortKey = versionSortKey(v.version);
  const ref = { useCase: v.useCase, modelName: v.modelName };
  return {
    PK: modelPk(ref),
    SK: versionSk(sortKey),
    type: 'version',
    version: v.version,
    stage: v.stage,
    stageUpdatedAt: v.stageUpdatedAt,
    doc: JSON.stringify(v),
    GSI2PK: stagePk(v.stage),
    GSI2SK: crossModelSk(ref, sortKey),
    ...(v.lineage.runId ? { GSI3PK: runPk(v.lineage.runId), GSI3SK: crossModelSk(ref, sortKey) } : {}),
  };
}

/** The Put of a record: its own item, listed by scope on GSI1 and by status on GSI2. */
function recordPut(table: string, { record, expect }: RecordWrite) {
  return {
    TableName: table,
    Item: {
      PK: recordPk(record.kind, record.id),
      SK: 'R',
      type: 'record',
      kind: record.kind,
      ...(record.status !== undefined ? { status: record.status } : {}),
      doc: JSON.stringify(record),
      GSI1PK: recordScopePk(record.kind, record.scope),
      GSI1SK: record.id,
      ...(record.status !== undefined
        ? { GSI2PK: recordStatusPk(record.kind, record.status), GSI2SK: record.id }
        : {}),
    },
    ...(expect === 'absent'
      ? { ConditionExpression: 'attribute_not_exists(PK)' }
      : expect.unchanged
        ? {
            // the doc attribute holds the whole record as written: equal means nobody wrote since the read
            ConditionExpression: '#status = :expected AND #doc = :unchanged',
            ExpressionAttributeNames: { '#status': 'status', '#doc': 'doc' },
            ExpressionAttributeValues: {
              ':expected': expect.status,
              ':unchanged': JSON.stringify(expect.unchanged),
            },
          }
        : {
            ConditionExpression: '#status = :expected',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':expected': expect.status },
          }),
  };
}

/** Decodes a cursor of this store: a DynamoDB key (ExclusiveStartKey). */
function decodeCursor(cursor: string | null | undefined): Item | undefined {
  return (
    decodePage(
      cursor,
      (v): v is Item =>
        typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as Item).PK === 'string',
    ) ?? undefined
  );
}

/** What a transaction item is, so a cancellation reason can be turned into a precise error. */
type Slot =
  | { kind: 'head' }
  | { kind: 'new-version'; version: string }
  | { kind: 'stage'; version: string; from: Stage }
  | { kind: 'use-case' }
  | { kind: 'audit'; seq: number }
  | { kind: 'record'; id: string };

/**
 * The registry on DynamoDB: one table (see table-design.ts), strongly consistent reads
 * of a model's head and versions in one BatchGetItem, and every change as one
 * TransactWriteItems conditioned on the head's revision and each version's stage.
 */
export class DynamoRegistryStore implements RegistryStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly table: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
    });
  }

  async getHead(ref: ModelRef): Promise<ModelHead | null> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: { PK: modelPk(ref), SK: HEAD_SK }, ConsistentRead: true }),
    );
    return out.Item ? toHead(out.Item) : null;
  }

  async getHeadAndVersions(ref: ModelRef, versions: readonly string[]) {
    const pk = modelPk(ref);
    const keys = [
      { PK: pk, SK: HEAD_SK },
      ...[...new Set(versions)].map((v) => ({ PK: pk, SK: versionSk(versionSortKey(v)) })),
    ];
    const found: Item[] = [];
    let request: Record<string, { Keys: Item[]; ConsistentRead: boolean }> | undefined = {
      [this.table]: { Keys: keys, ConsistentRead: true },
    };
    for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 20 * 2 ** attempt)));
      const out = await this.doc.send(new BatchGetCommand({ RequestItems: request }));
      found.push(...(out.Responses?.[this.table] ?? []));
      request = out.UnprocessedKeys as typeof request;
    }
    const head = found.find((i) => i.SK === HEAD_SK);
    const map = new Map<string, VersionRecord>();
    for (const i of found) if (i.SK !== HEAD_SK) map.set(i.version as string, toVersion(i));
    return { head: head ? toHead(head) : null, versions: map };
  }

  /** Runs a query for one page of `limit` items, asking for one more to know whether a next page exists. */
  private async page(
    input: QueryCommandInput,
    options: PageRequest,
    keyOf: (i: Item) => Item,
  ): Promise<Page<Item>> {
    const limit = pageLimit(options.limit);
    const start = decodeCursor(options.cursor);
    const items: Item[] = [];
    let exclusive = start;
    do {
      const out = await this.doc.send(
        new QueryCommand({
          ...input,
          Limit: limit + 1 - items.length,
          ...(exclusive ? { ExclusiveStartKey: exclusive } : {}),
        }),
      );
      items.push(...(out.Items ?? []));
      exclusive = out.LastEvaluatedKey;
    } while (exclusive && items.length < limit + 1);
    const pageItems = items.slice(0, limit);
    const last = pageItems[pageItems.length - 1];
    return { items: pageItems, nextCursor: items.length > limit && last ? encodeCursor(keyOf(last)) : null };
  }

  async listVersions(ref: ModelRef, options: PageRequest & { stage?: Stage }): Promise<Page<VersionRecord>> {
    if (options.stage) {
      const page = await this.page(
        {
          TableName: this.table,
          IndexName: GSI_STAGE,
          KeyConditionExpression: 'GSI2PK = :pk AND begins_with(GSI2SK, :prefix)',
          ExpressionAttributeValues: {
            ':pk': stagePk(options.stage),
            ':prefix': `${ref.useCase}#${ref.modelName}#`,
          },
        },
        options,
        (i) => ({ PK: i.PK, SK: i.SK, GSI2PK: i.GSI2PK, GSI2SK: i.GSI2SK }),
      );
      return { items: page.items.map(toVersion), nextCursor: page.nextCursor };
    }
    const page = await this.page(
      {
        TableName: this.table,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :v)',
        ExpressionAttributeValues: { ':pk': modelPk(ref), ':v': 'V#' },
        ScanIndexForward: false,
        ConsistentRead: true,
      },
      options,
      (i) => ({ PK: i.PK, SK: i.SK }),
    );
    return { items: page.items.map(toVersion), nextCursor: page.nextCursor };
  }

  async listVersionsInStage(
    stage: Stage,
    options: PageRequest & { useCase?: string },
  ): Promise<Page<VersionRecord>> {
    const page = await this.page(
      {
        TableName: this.table,
        IndexName: GSI_STAGE,
        KeyConditionExpression: options.useCase
          ? 'GSI2PK = :pk AND begins_with(GSI2SK, :prefix)'
          : 'GSI2PK = :pk',
        ExpressionAttributeValues: {
          ':pk': stagePk(stage),
          ...(options.useCase ? { ':prefix': `${options.useCase}#` } : {}),
        },
      },
      options,
      (i) => ({ PK: i.PK, SK: i.SK, GSI2PK: i.GSI2PK, GSI2SK: i.GSI2SK }),
    );
    return { items: page.items.map(toVersion), nextCursor: page.nextCursor };
  }

  async findByRunId(runId: string, options: PageRequest): Promise<Page<VersionRecord>> {
    const page = await this.page(
      {
        TableName: this.table,
        IndexName: GSI_RUN,
        KeyConditionExpression: 'GSI3PK = :pk',
        ExpressionAttributeValues: { ':pk': runPk(runId) },
      },
      options,
      (i) => ({ PK: i.PK, SK: i.SK, GSI3PK: i.GSI3PK, GSI3SK: i.GSI3SK }),
    );
    return { items: page.items.map(toVersion), nextCursor: page.nextCursor };
  }

  async listModels(useCase: string, options: PageRequest): Promise<Page<ModelHead>> {
    const page = await this.page(
      {
        TableName: this.table,
        IndexName: GSI_MODELS,
        KeyConditionExpression: 'GSI1PK = :pk',
        ExpressionAttributeValues: { ':pk': useCasePk(useCase) },
      },
      options,
      (i) => ({ PK: i.PK, SK: i.SK, GSI1PK: i.GSI1PK, GSI1SK: i.GSI1SK }),
    );
    return { items: page.items.map(toHead), nextCursor: page.nextCursor };
  }

  async listAudit(ref: ModelRef, options: PageRequest & { fromSeq?: number }): Promise<Page<AuditEvent>> {
    const page = await this.page(
      {
        TableName: this.table,
        KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
        ExpressionAttributeValues: {
          ':pk': modelPk(ref),
          ':from': auditSk(Math.max(options.fromSeq ?? 1, 1)),
          ':to': auditSk(AUDIT_SEQ_MAX),
        },
        ConsistentRead: true,
      },
      options,
      (i) => ({ PK: i.PK, SK: i.SK }),
    );
    return {
      items: page.items.map((i) => JSON.parse(i.doc as string) as AuditEvent),
      nextCursor: page.nextCursor,
    };
  }

  /** The TransactWriteItems input for a change set, and what each of its items is. */
  transaction(
    change: ChangeSet,
    options: CommitOptions = {},
  ): { input: TransactWriteCommandInput; slots: Slot[] } {
    const { ref } = change;
    const pk = modelPk(ref);
    const { revision, ...head } = change.head;
    const items: NonNullable<TransactWriteCommandInput['TransactItems']> = [];
    const slots: Slot[] = [];
    items.push({
      Put: {
        TableName: this.table,
        Item: {
          PK: pk,
          SK: HEAD_SK,
          type: 'head',
          GSI1PK: useCasePk(ref.useCase),
          GSI1SK: modelSk(ref.modelName),
          revision,
          doc: JSON.stringify(head),
        },
        ...(change.expectedRevision === 0
          ? { ConditionExpression: 'attribute_not_exists(PK)' }
          : {
              ConditionExpression: 'revision = :expected',
              ExpressionAttributeValues: { ':expected': change.expectedRevision },
            }),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    });
    slots.push({ kind: 'head' });
    for (const v of change.newVersions) {
      items.push({
        Put: { TableName: this.table, Item: versionItem(v), ConditionExpression: 'attribute_not_exists(PK)' },
      });
      slots.push({ kind: 'new-version', version: v.version });
    }
    for (const s of change.stageChanges) {
      items.push({
        Update: {
          TableName: this.table,
          Key: { PK: pk, SK: versionSk(versionSortKey(s.version)) },
          UpdateExpression: 'SET #stage = :to, stageUpdatedAt = :at, GSI2PK = :gsi',
          ConditionExpression: '#stage = :from',
          ExpressionAttributeNames: { '#stage': 'stage' },
          ExpressionAttributeValues: { ':to': s.to, ':from': s.from, ':at': s.at, ':gsi': stagePk(s.to) },
        },
      });
      slots.push({ kind: 'stage', version: s.version, from: s.from });
    }
    for (const edit of change.versionEdits ?? []) {
      items.push({
        Update: {
          TableName: this.table,
          Key: { PK: pk, SK: versionSk(versionSortKey(edit.version)) },
          UpdateExpression: 'SET #edit = :edit',
          ConditionExpression: '#stage = :stage',
          ExpressionAttributeNames: { '#stage': 'stage', '#edit': 'edit' },
          ExpressionAttributeValues: {
            ':stage': edit.stage,
            ':edit': JSON.stringify({ description: edit.description, tags: edit.tags }),
          },
        },
      });
      slots.push({ kind: 'stage', version: edit.version, from: edit.stage });
    }
    for (const e of change.events) {
      items.push({
        Put: {
          TableName: this.table,
          Item: { PK: pk, SK: auditSk(e.seq), type: 'audit', seq: e.seq, doc: JSON.stringify(e) },
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      });
      slots.push({ kind: 'audit', seq: e.seq });
    }
    for (const write of change.records ?? []) {
      items.push({ Put: recordPut(this.table, write) });
      slots.push({ kind: 'record', id: `${write.record.kind} ${write.record.id}` });
    }
    if (change.newVersions.length > 0 && change.head.versionCount === change.newVersions.length) {
      // a model's first version: its use case counts one more model, as `models list` shows it
      // (the head's revision condition makes this happen once; reserved streams have no versions)
      items.push({
        Update: {
          TableName: this.table,
          Key: { PK: USE_CASES_PK, SK: useCaseSk(ref.useCase) },
          UpdateExpression: 'SET #type = :type, useCase = :uc ADD models :one',
          ExpressionAttributeNames: { '#type': 'type' },
          ExpressionAttributeValues: { ':type': 'use-case', ':uc': ref.useCase, ':one': 1 },
        },
      });
      slots.push({ kind: 'use-case' });
    }
    if (items.length > MAX_TRANSACTION_ITEMS) {
      throw new ValidationError(
        `this change touches ${items.length} items, more than one DynamoDB transaction holds (${MAX_TRANSACTION_ITEMS}); split it.`,
      );
    }
    return {
      input: {
        TransactItems: items,
        // A token on every commit makes the SDK's own retries (after a timeout, say) idempotent;
        // a caller's key (a Step Functions execution and state) makes its retries idempotent too.
        ClientRequestToken: options.idempotencyKey
          ? createHash('sha256').update(options.idempotencyKey).digest('hex').slice(0, 36)
          : randomUUID(),
      },
      slots,
    };
  }

  async commit(change: ChangeSet, options: CommitOptions = {}): Promise<void> {
    await pauseIfAsked('commit');
    const { input, slots } = this.transaction(change, options);
    try {
      await this.doc.send(new TransactWriteCommand(input));
    } catch (e) {
      throw translateCancellation(change, slots, e);
    }
  }

  async putRecord(write: RecordWrite): Promise<void> {
    try {
      await this.doc.send(new PutCommand(recordPut(this.table, write)));
    } catch (e) {
      if ((e as { name?: string }).name === 'ConditionalCheckFailedException') {
        throw new ConcurrentModificationError(
          `${write.record.kind} ${write.record.id} changed while this request was deciding.`,
        );
      }
      throw e;
    }
  }

  async getRecord(kind: RecordKind, id: string): Promise<StoredRecord | null> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { PK: recordPk(kind, id), SK: 'R' },
        ConsistentRead: true,
      }),
    );
    return out.Item ? (JSON.parse(out.Item.doc as string) as StoredRecord) : null;
  }

  async listRecords(
    kind: RecordKind,
    filter: { scope: string } | { status: string },
    options: PageRequest,
  ): Promise<Page<StoredRecord>> {
    const byScope = 'scope' in filter;
    const index = byScope ? GSI_MODELS : GSI_STAGE;
    const page = await this.page(
      {
        TableName: this.table,
        IndexName: index,
        KeyConditionExpression: `${index}PK = :pk`,
        ExpressionAttributeValues: {
          ':pk': byScope ? recordScopePk(kind, filter.scope) : recordStatusPk(kind, filter.status),
        },
      },
      options,
      (i) => ({ PK: i.PK, SK: i.SK, [`${index}PK`]: i[`${index}PK`], [`${index}SK`]: i[`${index}SK`] }),
    );
    return {
      items: page.items.map((i) => JSON.parse(i.doc as string) as StoredRecord),
      nextCursor: page.nextCursor,
    };
  }

  async saveUndelivered(items: readonly UndeliveredNotification[]): Promise<void> {
    for (const i of items) {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { PK: OUTBOX_PK, SK: `N#${i.id}`, type: 'undelivered', doc: JSON.stringify(i) },
        }),
      );
    }
  }

  async listUndelivered(options: PageRequest): Promise<Page<UndeliveredNotification>> {
    const page = await this.page(
      {
        TableName: this.table,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': OUTBOX_PK },
        ConsistentRead: true,
      },
      options,
      (i) => ({ PK: i.PK, SK: i.SK }),
    );
    return {
      items: page.items.map((i) => JSON.parse(i.doc as string) as UndeliveredNotification),
      nextCursor: page.nextCursor,
    };
  }

  async deleteUndelivered(ids: readonly string[]): Promise<void> {
    for (const id of ids)
      await this.doc.send(
        new DeleteCommand({ TableName: this.table, Key: { PK: OUTBOX_PK, SK: `N#${id}` } }),
      );
  }

  async saveOrphan(orphan: OrphanedArtifact): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { PK: SWEEP_PK, SK: orphanSk(orphan), type: 'orphan', doc: JSON.stringify(orphan) },
      }),
    );
  }

  async listOrphans(options: PageRequest): Promise<Page<OrphanedArtifact>> {
    const page = await this.page(
      {
        TableName: this.table,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': SWEEP_PK },
        ConsistentRead: true,
      },
      options,
      (i) => ({ PK: i.PK, SK: i.SK }),
    );
    return {
      items: page.items.map((i) => JSON.parse(i.doc as string) as OrphanedArtifact),
      nextCursor: page.nextCursor,
    };
  }

  async deleteOrphan(orphan: Pick<OrphanedArtifact, 'useCase' | 'modelName' | 'version'>): Promise<void> {
    await this.doc.send(
      new DeleteCommand({ TableName: this.table, Key: { PK: SWEEP_PK, SK: orphanSk(orphan) } }),
    );
  }

  async listUseCases(options: PageRequest): Promise<Page<UseCaseSummary>> {
    const page = await this.page(
      {
        TableName: this.table,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': USE_CASES_PK },
        ConsistentRead: true,
      },
      options,
      (i) => ({ PK: i.PK, SK: i.SK }),
    );
    return {
      items: page.items.map((i) => ({ useCase: i.useCase as string, models: i.models as number })),
      nextCursor: page.nextCursor,
    };
  }

  async close(): Promise<void> {
    this.doc.destroy();
  }
}

/**
 * Turns a cancelled transaction into the error that says what happened: which item's
 * condition failed, or that another transaction held the items.
 */
export function translateCancellation(change: ChangeSet, slots: Slot[], error: unknown): unknown {
  if (!(error instanceof TransactionCanceledException)) {
    if (error instanceof Error && error.name === 'TransactionConflictException') {
      return new ConcurrentModificationError(
        `${refLabel(change.ref)} is being changed by another transaction.`,
      );
    }
    return error;
  }
  const reasons = error.CancellationReasons ?? [];
  for (const [index, reason] of reasons.entries()) {
    const slot = slots[index];
    if (!slot || !reason.Code || reason.Code === 'None') continue;
    if (reason.Code === 'TransactionConflict') {
      return new ConcurrentModificationError(
        `${refLabel(change.ref)} is being changed by another transaction.`,
        {
          reason: reason.Code,
        },
      );
    }
    if (reason.Code !== 'ConditionalCheckFailed') continue;
    switch (slot.kind) {
      case 'head':
        return new ConcurrentModificationError(
          `${refLabel(change.ref)} changed while this request was deciding (expected revision ${change.expectedRevision}).`,
          { expectedRevision: change.expectedRevision },
        );
      case 'new-version':
        return new VersionExistsError(
          `${refLabel(change.ref)} version ${slot.version} already exists; versions are immutable.`,
          {
            version: slot.version,
          },
        );
      case 'stage':
        return new ConcurrentModificationError(
          `${refLabel(change.ref)} version ${slot.version} is no longer ${slot.from}; another change moved it.`,
          { version: slot.version, expectedStage: slot.from },
        );
      case 'audit':
        return new ConcurrentModificationError(
          `${refLabel(change.ref)} audit event ${slot.seq} was already written.`,
        );
      case 'record':
        return new ConcurrentModificationError(`${slot.id} changed while this request was deciding.`);
      case 'use-case':
        return new ConcurrentModificationError(
          `${refLabel(change.ref)}: its use case count could not be updated.`,
        );
    }
  }
  const codes = reasons.map((r) => r.Code ?? 'None').join(', ');
  if (reasons.some((r) => r.Code === 'ThrottlingError' || r.Code === 'ProvisionedThroughputExceeded')) {
    return new ConcurrentModificationError(
      `${refLabel(change.ref)}: the transaction was throttled (${codes}); retrying.`,
    );
  }
  return error;
}

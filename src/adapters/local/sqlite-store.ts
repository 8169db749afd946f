import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { AuditEvent } from '../../core/audit.js';
import {
  ConcurrentModificationError,
  CorruptStoreError,
  StoreAccessError,
  ValidationError,
  VersionExistsError,
} from '../../core/errors.js';
import type { ModelHead } from '../../core/head.js';
import { type ModelRef, refLabel, type Stage } from '../../core/model.js';
import type {
  ChangeSet,
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

const SCHEMA_VERSION = 3;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS heads (
  use_case TEXT NOT NULL, model_name TEXT NOT NULL, revision INTEGER NOT NULL, doc TEXT NOT NULL,
  PRIMARY KEY (use_case, model_name)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS versions (
  use_case TEXT NOT NULL, model_name TEXT NOT NULL, version TEXT NOT NULL, sort_key TEXT NOT NULL,
  stage TEXT NOT NULL, run_id TEXT, doc TEXT NOT NULL,
  PRIMARY KEY (use_case, model_name, version)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS versions_by_order ON versions (use_case, model_name, sort_key);
CREATE INDEX IF NOT EXISTS versions_by_stage ON versions (stage, use_case, model_name, sort_key);
CREATE INDEX IF NOT EXISTS versions_by_run ON versions (run_id, use_case, model_name, sort_key) WHERE run_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS audit (
  use_case TEXT NOT NULL, model_name TEXT NOT NULL, seq INTEGER NOT NULL, doc TEXT NOT NULL,
  PRIMARY KEY (use_case, model_name, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS undelivered (
  id TEXT NOT NULL PRIMARY KEY, failed_at TEXT NOT NULL, doc TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS records (
  kind TEXT NOT NULL, id TEXT NOT NULL, scope TEXT NOT NULL, status TEXT, doc TEXT NOT NULL,
  PRIMARY KEY (kind, id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS records_by_scope ON records (kind, scope, id);
CREATE INDEX IF NOT EXISTS records_by_status ON records (kind, status, id) WHERE status IS NOT NULL;
CREATE TABLE IF NOT EXISTS orphans (
  use_case TEXT NOT NULL, model_name TEXT NOT NULL, version TEXT NOT NULL, doc TEXT NOT NULL,
  PRIMARY KEY (use_case, model_name, version)) WITHOUT ROWID;
`;

/** Decodes a cursor of this store: the last row's key, as an array of `arity` values. */
function decodeCursor(cursor: string | null | undefined, arity: number): unknown[] | null {
  return decodePage(cursor, (v): v is unknown[] => Array.isArray(v) && v.length === arity);
}

interface VersionRow {
  use_case: string;
  model_name: string;
  sort_key: string;
  doc: string;
}

function toRecord(row: {
  kind: string;
  id: string;
  scope: string;
  status: string | null;
  doc: string;
}): StoredRecord {
  return {
    kind: row.kind as RecordKind,
    id: row.id,
    scope: row.scope,
    ...(row.status !== null ? { status: row.status } : {}),
    doc: JSON.parse(row.doc) as Record<string, unknown>,
  };
}

/** A typed error for a store that cannot be opened: damaged database, or a filesystem failure. */
function storeError(file: string, e: unknown): Error {
  const code = String((e as { code?: unknown })?.code ?? '');
  const message = e instanceof Error ? e.message : String(e);
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new CorruptStoreError(
      `${file} is not a readable registry database (${message}); restore it from a backup or use another --store.`,
      { file, code },
    );
  }
  if (code.startsWith('SQLITE_') || /^E[A-Z]+$/.test(code)) {
    return new StoreAccessError(`cannot open the store database ${file}: ${message} (${code}).`, {
      file,
      code,
    });
  }
  return e instanceof Error ? e : new Error(message);
}

function isConstraint(e: unknown): boolean {
  return (
    typeof e === 'object' &&
    e !== null &&
    String((e as { code?: unknown }).code).startsWith('SQLITE_CONSTRAINT')
  );
}

/**
 * The embedded registry: one SQLite file in WAL mode, one IMMEDIATE transaction per
 * commit, so any number of processes on one machine see a consistent registry.
 */
export class SqliteRegistryStore implements RegistryStore {
  private readonly db: Database.Database;
  /** Prepared statements by their SQL: preparing one costs more than running it. */
  private readonly statements = new Map<string, Database.Statement>();

  /** The prepared statement of `source`, prepared once per store. */
  private statement<P extends unknown[] | object = unknown[], R = unknown>(
    source: string,
  ): Database.Statement<P, R> {
    let found = this.statements.get(source);
    if (!found) {
      found = this.db.prepare(source);
      this.statements.set(source, found);
    }
    return found as unknown as Database.Statement<P, R>;
  }

  constructor(file: string) {
    try {
      mkdirSync(dirname(file), { recursive: true });
      this.db = new Database(file);
      this.db.pragma('busy_timeout = 15000');
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
    } catch (e) {
      throw storeError(file, e);
    }
    let version: number;
    try {
      version = this.db.pragma('user_version', { simple: true }) as number;
    } catch (e) {
      this.db.close();
      throw storeError(file, e);
    }
    if (version > SCHEMA_VERSION) {
      this.db.close();
      throw new ValidationError(
        `${file} was written by a newer modelreg (schema ${version}, this one knows ${SCHEMA_VERSION}); upgrade modelreg.`,
      );
    }
    if (version < SCHEMA_VERSION) {
      try {
        this.db
          .transaction(() => {
            this.db.exec(SCHEMA);
            this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
          })
          .immediate();
      } catch (e) {
        this.db.close();
        throw storeError(file, e);
      }
    }
  }

  async getHead(ref: ModelRef): Promise<ModelHead | null> {
    const row = this.statement<[string, string], { doc: string }>(
      'SELECT doc FROM heads WHERE use_case = ? AND model_name = ?',
    ).get(ref.useCase, ref.modelName);
    return row ? (JSON.parse(row.doc) as ModelHead) : null;
  }

  async getHeadAndVersions(ref: ModelRef, versions: readonly string[]) {
    const read = this.db.transaction(() => {
      const head = this.statement<[string, string], { doc: string }>(
        'SELECT doc FROM heads WHERE use_case = ? AND model_name = ?',
      ).get(ref.useCase, ref.modelName);
      const found = new Map<string, VersionRecord>();
      const stmt = this.db.prepare<[string, string, string], { doc: string }>(
        'SELECT doc FROM versions WHERE use_case = ? AND model_name = ? AND version = ?',
      );
      for (const v of new Set(versions)) {
        const row = stmt.get(ref.useCase, ref.modelName, v);
        if (row) found.set(v, JSON.parse(row.doc) as VersionRecord);
      }
      return { head: head ? (JSON.parse(head.doc) as ModelHead) : null, versions: found };
    });
    return read.deferred();
  }

  async listVersions(ref: ModelRef, options: PageRequest & { stage?: Stage }): Promise<Page<VersionRecord>> {
    const limit = pageLimit(options.limit);
    const after = decodeCursor(options.cursor, 1);
    const where = ['use_case = ?', 'model_name = ?'];
    const params: unknown[] = [ref.useCase, ref.modelName];
    if (options.stage) {
      where.push('stage = ?');
      params.push(options.stage);
    }
    if (after) {
      where.push('sort_key < ?');
      params.push(after[0]);
    }
    const rows = this.statement(
      `SELECT use_case, model_name, sort_key, doc FROM versions WHERE ${where.join(' AND ')} ORDER BY sort_key DESC LIMIT ?`,
    ).all(...params, limit + 1) as VersionRow[];
    return this.page(rows, limit, (r) => [r.sort_key]);
  }

  async listVersionsInStage(
    stage: Stage,
    options: PageRequest & { useCase?: string },
  ): Promise<Page<VersionRecord>> {
    return this.listAcrossModels('stage = ?', [stage], options);
  }

  async findByRunId(runId: string, options: PageRequest): Promise<Page<VersionRecord>> {
    return this.listAcrossModels('run_id = ?', [runId], options);
  }

  private listAcrossModels(
    filter: string,
    filterParams: unknown[],
    options: PageRequest & { useCase?: string },
  ): Page<VersionRecord> {
    const limit = pageLimit(options.limit);
    const after = decodeCursor(options.cursor, 3);
    const where = [filter];
    const params = [...filterParams];
    if (options.useCase) {
      where.push('use_case = ?');
      params.push(options.useCase);
    }
    if (after) {
      where.push('((use_case, model_name) > (?, ?) OR ((use_case, model_name) = (?, ?) AND sort_key < ?))');
      params.push(after[0], after[1], after[0], after[1], after[2]);
    }
    const rows = this.statement(
      `SELECT use_case, model_name, sort_key, doc FROM versions WHERE ${where.join(' AND ')}
         ORDER BY use_case, model_name, sort_key DESC LIMIT ?`,
    ).all(...params, limit + 1) as VersionRow[];
    return this.page(rows, limit, (r) => [r.use_case, r.model_name, r.sort_key]);
  }

  private page(rows: VersionRow[], limit: number, key: (r: VersionRow) => unknown[]): Page<VersionRecord> {
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items: items.map((r) => JSON.parse(r.doc) as VersionRecord),
      nextCursor: rows.length > limit && last ? encodeCursor(key(last)) : null,
    };
  }

  async listModels(useCase: string, options: PageRequest): Promise<Page<ModelHead>> {
    const limit = pageLimit(options.limit);
    const after = decodeCursor(options.cursor, 1);
    const rows = this.statement(
      `SELECT model_name, doc FROM heads WHERE use_case = ? ${after ? 'AND model_name > ?' : ''} ORDER BY model_name LIMIT ?`,
    ).all(...(after ? [useCase, after[0], limit + 1] : [useCase, limit + 1])) as {
      model_name: string;
      doc: string;
    }[];
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items: items.map((r) => JSON.parse(r.doc) as ModelHead),
      nextCursor: rows.length > limit && last ? encodeCursor([last.model_name]) : null,
    };
  }

  async listAudit(ref: ModelRef, options: PageRequest & { fromSeq?: number }): Promise<Page<AuditEvent>> {
    const limit = pageLimit(options.limit);
    const after = decodeCursor(options.cursor, 1);
    const floor = Math.max(after ? Number(after[0]) : 0, (options.fromSeq ?? 1) - 1);
    const rows = this.statement(
      'SELECT seq, doc FROM audit WHERE use_case = ? AND model_name = ? AND seq > ? ORDER BY seq LIMIT ?',
    ).all(ref.useCase, ref.modelName, floor, limit + 1) as {
      seq: number;
      doc: string;
    }[];
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items: items.map((r) => JSON.parse(r.doc) as AuditEvent),
      nextCursor: rows.length > limit && last ? encodeCursor([last.seq]) : null,
    };
  }

  async commit(change: ChangeSet): Promise<void> {
    await pauseIfAsked('commit');
    const { ref } = change;
    const tx = this.db.transaction(() => {
      const current = this.statement<[string, string], { revision: number }>(
        'SELECT revision FROM heads WHERE use_case = ? AND model_name = ?',
      ).get(ref.useCase, ref.modelName);
      const revision = current?.revision ?? 0;
      if (revision !== change.expectedRevision) {
        throw new ConcurrentModificationError(
          `${refLabel(ref)} changed while this request was deciding (revision ${change.expectedRevision} → ${revision}).`,
          { expectedRevision: change.expectedRevision, revision },
        );
      }
      this.statement(
        'INSERT OR REPLACE INTO heads (use_case, model_name, revision, doc) VALUES (?, ?, ?, ?)',
      ).run(ref.useCase, ref.modelName, change.head.revision, JSON.stringify(change.head));
      const insertVersion = this.statement(
        'INSERT INTO versions (use_case, model_name, version, sort_key, stage, run_id, doc) VALUES (?, ?, ?, ?, ?, ?, ?)',
      );
      for (const v of change.newVersions) {
        try {
          insertVersion.run(
            ref.useCase,
            ref.modelName,
            v.version,
            versionSortKey(v.version),
            v.stage,
            v.lineage.runId,
            JSON.stringify(v),
          );
        } catch (e) {
          if (isConstraint(e)) {
            throw new VersionExistsError(
              `${refLabel(ref)} version ${v.version} already exists; versions are immutable.`,
              {
                version: v.version,
              },
            );
          }
          throw e;
        }
      }
      const move = this.statement(
        `UPDATE versions SET stage = ?, doc = json_set(doc, '$.stage', ?, '$.stageUpdatedAt', ?)
         WHERE use_case = ? AND model_name = ? AND version = ? AND stage = ?`,
      );
      for (const s of change.stageChanges) {
        const result = move.run(s.to, s.to, s.at, ref.useCase, ref.modelName, s.version, s.from);
        if (result.changes !== 1) {
          throw new ConcurrentModificationError(
            `${refLabel(ref)} version ${s.version} is no longer ${s.from}; another change moved it.`,
            { version: s.version, expectedStage: s.from },
          );
        }
      }
      for (const edit of change.versionEdits ?? []) this.editVersion(ref, edit);
      for (const write of change.records ?? []) this.writeRecord(write);
      const insertEvent = this.statement(
        'INSERT INTO audit (use_case, model_name, seq, doc) VALUES (?, ?, ?, ?)',
      );
      for (const e of change.events) {
        try {
          insertEvent.run(ref.useCase, ref.modelName, e.seq, JSON.stringify(e));
        } catch (err) {
          if (isConstraint(err)) {
            throw new ConcurrentModificationError(
              `${refLabel(ref)} audit event ${e.seq} was already written.`,
            );
          }
          throw err;
        }
      }
    });
    tx.immediate();
  }

  /** Replaces a version's description and tags if it is still in its stage; must run inside a transaction. */
  private editVersion(ref: ModelRef, edit: VersionEdit): void {
    const row = this.statement<[string, string, string, string], { doc: string }>(
      'SELECT doc FROM versions WHERE use_case = ? AND model_name = ? AND version = ? AND stage = ?',
    ).get(ref.useCase, ref.modelName, edit.version, edit.stage);
    if (!row) {
      throw new ConcurrentModificationError(
        `${refLabel(ref)} version ${edit.version} is no longer ${edit.stage}; another change moved it.`,
        { version: edit.version, expectedStage: edit.stage },
      );
    }
    const { description: _old, ...doc } = JSON.parse(row.doc) as VersionRecord;
    const next: VersionRecord = {
      ...doc,
      tags: edit.tags,
      ...(edit.description !== null ? { description: edit.description } : {}),
    };
    this.statement('UPDATE versions SET doc = ? WHERE use_case = ? AND model_name = ? AND version = ?').run(
      JSON.stringify(next),
      ref.useCase,
      ref.modelName,
      edit.version,
    );
  }

  async listUseCases(options: PageRequest): Promise<Page<UseCaseSummary>> {
    const limit = pageLimit(options.limit);
    const after = decodeCursor(options.cursor, 1);
    const rows = this.statement(
      // a use case's models are those `models list` shows: with a version, not a reserved stream (`.keys`)
      `SELECT use_case, count(*) AS models FROM heads WHERE substr(model_name, 1, 1) <> '.' AND json_extract(doc, '$.versionCount') > 0 ${after ? 'AND use_case > ?' : ''} GROUP BY use_case ORDER BY use_case LIMIT ?`,
    ).all(...(after ? [after[0], limit + 1] : [limit + 1])) as { use_case: string; models: number }[];
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items: items.map((r) => ({ useCase: r.use_case, models: r.models })),
      nextCursor: rows.length > limit && last ? encodeCursor([last.use_case]) : null,
    };
  }

  /** Writes a record on its condition; must run inside a transaction. */
  private writeRecord({ record, expect }: RecordWrite): void {
    const { kind, id, scope, status, doc } = record;
    if (expect === 'absent') {
      try {
        this.statement('INSERT INTO records (kind, id, scope, status, doc) VALUES (?, ?, ?, ?, ?)').run(
          kind,
          id,
          scope,
          status ?? null,
          JSON.stringify(doc),
        );
      } catch (e) {
        if (isConstraint(e))
          throw new ConcurrentModificationError(`${kind} ${id} was already written.`, { kind, id });
        throw e;
      }
      return;
    }
    const result = expect.unchanged
      ? this.statement(
          'UPDATE records SET scope = ?, status = ?, doc = ? WHERE kind = ? AND id = ? AND status = ? AND doc = ?',
        ).run(
          scope,
          status ?? null,
          JSON.stringify(doc),
          kind,
          id,
          expect.status,
          JSON.stringify(expect.unchanged.doc),
        )
      : this.statement(
          'UPDATE records SET scope = ?, status = ?, doc = ? WHERE kind = ? AND id = ? AND status = ?',
        ).run(scope, status ?? null, JSON.stringify(doc), kind, id, expect.status);
    if (result.changes !== 1) {
      throw new ConcurrentModificationError(
        `${kind} ${id} is no longer ${expect.unchanged ? 'as read' : expect.status}.`,
        {
          kind,
          id,
          expected: expect.status,
        },
      );
    }
  }

  async putRecord(write: RecordWrite): Promise<void> {
    this.db.transaction(() => this.writeRecord(write)).immediate();
  }

  async getRecord(kind: RecordKind, id: string): Promise<StoredRecord | null> {
    const row = this.statement<
      [string, string],
      { kind: string; id: string; scope: string; status: string | null; doc: string }
    >('SELECT kind, id, scope, status, doc FROM records WHERE kind = ? AND id = ?').get(kind, id);
    return row ? toRecord(row) : null;
  }

  async listRecords(
    kind: RecordKind,
    filter: { scope: string } | { status: string },
    options: PageRequest,
  ): Promise<Page<StoredRecord>> {
    const limit = pageLimit(options.limit);
    const after = decodeCursor(options.cursor, 1);
    const [column, value] = 'scope' in filter ? ['scope', filter.scope] : ['status', filter.status];
    const rows = this.statement(
      `SELECT kind, id, scope, status, doc FROM records WHERE kind = ? AND ${column} = ? ${after ? 'AND id > ?' : ''} ORDER BY id LIMIT ?`,
    ).all(...(after ? [kind, value, after[0], limit + 1] : [kind, value, limit + 1])) as {
      kind: string;
      id: string;
      scope: string;
      status: string | null;
      doc: string;
    }[];
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items: items.map(toRecord),
      nextCursor: rows.length > limit && last ? encodeCursor([last.id]) : null,
    };
  }

  async saveUndelivered(items: readonly UndeliveredNotification[]): Promise<void> {
    const put = this.statement('INSERT OR REPLACE INTO undelivered (id, failed_at, doc) VALUES (?, ?, ?)');
    this.db.transaction(() => {
      for (const i of items) put.run(i.id, i.failedAt, JSON.stringify(i));
    })();
  }

  async listUndelivered(options: PageRequest): Promise<Page<UndeliveredNotification>> {
    const limit = pageLimit(options.limit);
    const after = decodeCursor(options.cursor, 1);
    const rows = this.statement(
      `SELECT id, doc FROM undelivered ${after ? 'WHERE id > ?' : ''} ORDER BY id LIMIT ?`,
    ).all(...(after ? [after[0], limit + 1] : [limit + 1])) as { id: string; doc: string }[];
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items: items.map((r) => JSON.parse(r.doc) as UndeliveredNotification),
      nextCursor: rows.length > limit && last ? encodeCursor([last.id]) : null,
    };
  }

  async deleteUndelivered(ids: readonly string[]): Promise<void> {
    const del = this.statement('DELETE FROM undelivered WHERE id = ?');
    this.db.transaction(() => {
      for (const id of ids) del.run(id);
    })();
  }

  async saveOrphan(orphan: OrphanedArtifact): Promise<void> {
    this.statement(
      'INSERT OR REPLACE INTO orphans (use_case, model_name, version, doc) VALUES (?, ?, ?, ?)',
    ).run(orphan.useCase, orphan.modelName, orphan.version, JSON.stringify(orphan));
  }

  async listOrphans(options: PageRequest): Promise<Page<OrphanedArtifact>> {
    const limit = pageLimit(options.limit);
    const after = decodeCursor(options.cursor, 3);
    const rows = this.statement(
      `SELECT use_case, model_name, version, doc FROM orphans ${after ? 'WHERE (use_case, model_name, version) > (?, ?, ?)' : ''}
         ORDER BY use_case, model_name, version LIMIT ?`,
    ).all(...(after ? [...after, limit + 1] : [limit + 1])) as {
      use_case: string;
      model_name: string;
      version: string;
      doc: string;
    }[];
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items: items.map((r) => JSON.parse(r.doc) as OrphanedArtifact),
      nextCursor:
        rows.length > limit && last ? encodeCursor([last.use_case, last.model_name, last.version]) : null,
    };
  }

  async deleteOrphan(orphan: Pick<OrphanedArtifact, 'useCase' | 'modelName' | 'version'>): Promise<void> {
    this.statement('DELETE FROM orphans WHERE use_case = ? AND model_name = ? AND version = ?').run(
      orphan.useCase,
      orphan.modelName,
      orphan.version,
    );
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  /** Direct database access for tests that tamper with stored rows. */
  get database(): Database.Database {
    return this.db;
  }
}

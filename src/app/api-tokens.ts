/**
 * API tokens of the embedded HTTP app: created with a name and a role, shown once, kept
 * only as their SHA-256 hash (the record id), revoked by name. A token authenticates a
 * request as its name (the actor the audit trail records, and the name a policy's approvers
 * list); the role says what it may do.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as z from 'zod';
import { ConflictError, NotFoundError } from '../core/errors.js';
import type { RegistryStore, StoredRecord } from '../core/ports.js';
import { ActorName, parseInput } from './inputs.js';
import { allPages } from './pages.js';

/** The roles a token can hold, weakest first; each includes the ones before it. */
export const TOKEN_ROLES = ['viewer', 'editor', 'approver', 'admin'] as const;
export type TokenRole = (typeof TOKEN_ROLES)[number];

/** What is kept of a token (never the token itself). */
export interface ApiToken {
  name: string;
  role: TokenRole;
  /** The first 12 hex digits of the hash: enough to tell tokens apart in a listing. */
  id: string;
  status: 'active' | 'revoked';
  createdAt: string;
  createdBy: string;
  revokedAt: string | null;
}

/** `tokens create` answers the token once, with what is kept of it. */
export interface CreatedToken extends ApiToken {
  token: string;
}

export const TokenCreateSchema = z.object({
  name: z
    .string({ error: 'a token name is required (--name ci)' })
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
      'token names use letters, digits, "_", "." or "-" (at most 64)',
    ),
  role: z.enum(TOKEN_ROLES, { error: `role must be one of ${TOKEN_ROLES.join(', ')} (--role)` }),
  createdBy: ActorName,
});

const SCOPE = 'api-tokens';
const PREFIX = 'mr_';

/** The record id of a token: its SHA-256, hex. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function toToken(r: StoredRecord): ApiToken {
  return r.doc as unknown as ApiToken;
}

/** The token use cases over the store's record port. */
export class ApiTokens {
  constructor(
    private readonly records: Pick<RegistryStore, 'getRecord' | 'putRecord' | 'listRecords'>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Creates a token; the name must not be held by an active token. */
  async create(input: z.input<typeof TokenCreateSchema>): Promise<CreatedToken> {
    const req = parseInput(TokenCreateSchema, input);
    if ((await this.list()).some((t) => t.name === req.name && t.status === 'active')) {
      throw new ConflictError(
        `an active token is already named ${req.name}; revoke it first (modelreg tokens revoke --name ${req.name}) or pick another name.`,
        { name: req.name },
      );
    }
    const token = `${PREFIX}${randomBytes(32).toString('base64url')}`;
    const hash = tokenHash(token);
    const kept: ApiToken = {
      name: req.name,
      role: req.role,
      id: hash.slice(0, 12),
      status: 'active',
      createdAt: this.now().toISOString(),
      createdBy: req.createdBy,
      revokedAt: null,
    };
    await this.records.putRecord({
      record: { kind: 'token', id: hash, scope: SCOPE, status: 'active', doc: { ...kept } },
      expect: 'absent',
    });
    return { ...kept, token };
  }

  /** Every token, active and revoked, oldest first. */
  async list(): Promise<ApiToken[]> {
    const records = await allPages((cursor) =>
      this.records.listRecords('token', { scope: SCOPE }, { limit: 1000, cursor }),
    );
    return records.map(toToken).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** True when at least one token is active (serve refuses a non-loopback bind otherwise). */
  async anyActive(): Promise<boolean> {
    const page = await this.records.listRecords('token', { status: 'active' }, { limit: 1 });
    return page.items.length > 0;
  }

  /** Revokes the active token of that name (or id prefix); a revoked token authenticates nothing. */
  async revoke(input: { name: string }): Promise<ApiToken> {
    const req = parseInput(z.object({ name: z.string().min(1, 'name the token to revoke (--name)') }), input);
    const records = await allPages((cursor) =>
      this.records.listRecords('token', { status: 'active' }, { limit: 1000, cursor }),
    );
    const found = records.find((r) => {
      const t = toToken(r);
      return t.name === req.name || t.id === req.name;
    });
    if (!found)
      throw new NotFoundError(`no active token named ${req.name}; see \`modelreg tokens list\`.`, {
        name: req.name,
      });
    const revoked: ApiToken = { ...toToken(found), status: 'revoked', revokedAt: this.now().toISOString() };
    await this.records.putRecord({
      record: { ...found, status: 'revoked', doc: { ...revoked } },
      expect: { status: 'active' },
    });
    return revoked;
  }

  /** The active token a presented secret is, or null (unknown or revoked). */
  async verify(token: string): Promise<ApiToken | null> {
    if (!token.startsWith(PREFIX) || token.length > 200) return null;
    return this.byHash(tokenHash(token));
  }

  /** The active token with that hash, or null: a session names its token by hash, so revoking it ends the session. */
  async byHash(hash: string): Promise<ApiToken | null> {
    if (!/^[0-9a-f]{64}$/.test(hash)) return null;
    const r = await this.records.getRecord('token', hash);
    if (r?.status !== 'active') return null;
    return toToken(r);
  }
}

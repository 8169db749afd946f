/**
 * Who is calling, and may they: API tokens (Bearer) and browser sessions (an HttpOnly,
 * SameSite=Strict cookie set by POST /login) on the embedded host, the OS user on a
 * loopback host without tokens, verified JWT claims on AWS. Every browser POST carries
 * the CSRF token of its session; Bearer calls need none (a browser cannot send one
 * cross-site).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getSignedCookie, setSignedCookie } from 'hono/cookie';
import * as z from 'zod';
import type { ApiTokens } from '../app/api-tokens.js';
import { tokenHash } from '../app/api-tokens.js';
import { type HttpEnv, hasRole, type Identity, ROLES, type Role } from './env.js';
import { CsrfError, ForbiddenError, UnauthorizedError } from './errors.js';

/**
 * How the app authenticates. `embedded`: API tokens and sessions; with `osUser` set (a
 * loopback host with no token), a request without credentials acts as that user, role admin.
 * `jwt`: the host verified a JWT (API Gateway's authorizer) and `claims` reads its claims.
 */
export type AuthConfig =
  | { mode: 'embedded'; tokens: ApiTokens; secret: Buffer; osUser?: string }
  | { mode: 'jwt'; claims: (c: Context) => Record<string, unknown> | undefined; groupClaim?: string };

/** The session cookie's name (HttpOnly, SameSite=Strict). */
export const SESSION_COOKIE = 'modelreg_session';
const SESSION_SECONDS = 12 * 3600;

/** Paths that answer without an identity: the login form and its post, static assets, the API's description. */
const PUBLIC = [/^\/login$/, /^\/assets\//, /^\/api\/v1\/openapi\.json$/, /^\/api\/v1\/docs(\.css)?$/];

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function keyOf(secret: Buffer, purpose: string): Buffer {
  return createHmac('sha256', secret).update(`modelreg-${purpose}-v1`).digest();
}

function csrfFor(secret: Buffer, session: string): string {
  return createHmac('sha256', keyOf(secret, 'csrf')).update(session).digest('base64url');
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The strongest role named by a group claim (`admin`, `modelreg-admin` …); viewer when none. */
export function roleFromGroups(groups: unknown): Role {
  const list = Array.isArray(groups)
    ? groups.map(String)
    : typeof groups === 'string'
      ? // API Gateway passes an array claim as "[a b]"
        groups.replace(/^\[|\]$/g, '').split(/[\s,]+/)
      : [];
  let best: Role = 'viewer';
  for (const g of list) {
    const role = g.replace(/^modelreg[-_]/, '') as Role;
    if ((ROLES as readonly string[]).includes(role) && hasRole(role, best)) best = role;
  }
  return best;
}

const ClaimsSchema = z.object({ sub: z.string().min(1), email: z.string().min(1).optional() });

/**
 * True for a name only this machine can reach: localhost, 127.x.y.z or ::1, as a bind address
 * (`::1`) or a Host header (`[::1]:8080`, `localhost:8080`). `serve` checks its bind address
 * with it, and the OS-user mode every request's Host (DNS rebinding).
 */
export function isLoopback(host: string | undefined): boolean {
  if (!host) return false;
  let name = host.trim().toLowerCase();
  if (name.startsWith('[')) name = name.slice(1, name.indexOf(']'));
  else if (name.split(':').length === 2) name = name.split(':')[0] ?? '';
  return name === 'localhost' || name === '::1' || /^127(\.\d{1,3}){3}$/.test(name);
}

/** True when the request comes from a browser (which can be made to post cross-site). */
function fromBrowser(c: Context): boolean {
  return Boolean(c.req.header('origin') || c.req.header('sec-fetch-site') || c.req.header('cookie'));
}

async function postedCsrf(c: Context): Promise<string | undefined> {
  const header = c.req.header('x-csrf-token');
  if (header) return header;
  const type = c.req.header('content-type') ?? '';
  if (type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data')) {
    const field = (await c.req.parseBody())._csrf;
    return typeof field === 'string' ? field : undefined;
  }
  return undefined;
}

interface SessionClaims {
  hash: string;
  expires: number;
  nonce: string;
}

async function readSession(c: Context, secret: Buffer): Promise<SessionClaims | null> {
  const value = await getSignedCookie(c, keyOf(secret, 'session').toString('hex'), SESSION_COOKIE);
  if (!value) return null;
  const [hash, expires, nonce] = value.split('.');
  if (!hash || !expires || !nonce || Number(expires) * 1000 < Date.now()) return null;
  return { hash, expires: Number(expires), nonce };
}

/**
 * Establishes `identity` and `csrf` for every request, refuses a request that has no valid
 * identity (outside the public paths), and refuses a browser POST without its CSRF token.
 */
export function authenticate(config: AuthConfig): MiddlewareHandler<HttpEnv> {
  return async (c, next) => {
    const isPublic = PUBLIC.some((p) => p.test(c.req.path));
    let identity: Identity | undefined;
    let bearer = false;
    let csrf = '';

    if (config.mode === 'jwt') {
      const claims = config.claims(c);
      const parsed = ClaimsSchema.safeParse(claims ?? {});
      if (parsed.success) {
        identity = {
          actor: parsed.data.email ?? parsed.data.sub,
          role: roleFromGroups(claims?.[config.groupClaim ?? 'cognito:groups']),
          via: 'jwt',
        };
        bearer = true;
      }
    } else {
      const auth = c.req.header('authorization');
      if (auth !== undefined) {
        const m = /^Bearer\s+(\S+)$/i.exec(auth);
        const token = m ? await config.tokens.verify(m[1]!) : null;
        if (!token)
          throw new UnauthorizedError(
            'the Bearer token is unknown or revoked; create one with `modelreg tokens create --name NAME --role ROLE`.',
          );
        identity = { actor: token.name, role: token.role, via: 'token' };
        bearer = true;
      } else {
        const session = await readSession(c, config.secret);
        const token = session ? await config.tokens.byHash(session.hash) : null;
        if (session && token) {
          identity = { actor: token.name, role: token.role, via: 'token' };
          csrf = csrfFor(config.secret, session.nonce);
        } else if (config.osUser) {
          // a page on another site can resolve its own name to 127.0.0.1 (DNS rebinding) and so
          // reach a loopback server: the OS user acts only for requests addressed to loopback
          const host = c.req.header('host') ?? new URL(c.req.url).host;
          if (!isLoopback(host))
            throw new ForbiddenError(
              `this server runs as the OS user without tokens and answers only requests addressed to localhost or 127.0.0.1 (Host: ${JSON.stringify(host)}); create API tokens to serve other names.`,
            );
          identity = { actor: config.osUser, role: 'admin', via: 'os-user' };
          csrf = csrfFor(config.secret, 'os-user');
        }
      }
      if (UNSAFE.has(c.req.method) && !bearer && identity && !isPublic && fromBrowser(c)) {
        const posted = await postedCsrf(c);
        if (!posted || !sameSecret(posted, csrf))
          throw new CsrfError(
            'this form has no valid CSRF token (field _csrf or header x-csrf-token); reload the page and try again.',
          );
      }
    }

    if (identity) c.set('identity', identity);
    c.set('csrf', csrf);
    if (!identity && !isPublic)
      throw new UnauthorizedError(
        config.mode === 'jwt'
          ? 'sign in: the request carries no verified identity.'
          : 'sign in: send `Authorization: Bearer <token>` (see `modelreg tokens create`) or log in at /login.',
      );
    await next();
  };
}

/** Refuses (403) an identity whose role does not include `role`; the API and the pages both use it. */
export function requireRole(role: Role): MiddlewareHandler<HttpEnv> {
  return async (c, next) => {
    const identity = c.get('identity') as Identity | undefined;
    if (!identity) throw new UnauthorizedError('sign in first.');
    if (!hasRole(identity.role, role))
      throw new ForbiddenError(
        `${identity.actor} has the role ${identity.role}; this needs ${role} (ask an admin for a token with --role ${role}).`,
        { role: identity.role, needed: role },
      );
    await next();
  };
}

const LoginSchema = z.object({
  token: z.string({ error: 'paste an API token' }).min(1, 'paste an API token'),
  next: z.string().optional(),
});

/** The host of an Origin header; a malformed origin is no host. */
function originHost(origin: string): string | null {
  try {
    return new URL(origin).host || null;
  } catch {
    return null;
  }
}

/** Where to go after login: only a path on this site. */
function safeNext(next: string | undefined): string {
  return next?.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

/**
 * POST /login (form: token, next): checks the token and sets the session cookie. A form
 * posted from another site is refused (its Origin is not this host).
 */
export function loginHandler(config: AuthConfig) {
  return async (c: Context<HttpEnv>) => {
    if (config.mode !== 'embedded')
      throw new ForbiddenError('sign-in is done by the identity provider on this deployment.');
    const origin = c.req.header('origin');
    // "null" is what a browser sends from a page with Referrer-Policy: no-referrer (ours): no site to compare
    if (origin && origin !== 'null' && originHost(origin) !== new URL(c.req.url).host)
      throw new CsrfError('a sign-in posted from another site is refused.');
    const form = LoginSchema.safeParse(await c.req.parseBody());
    const next = safeNext(form.success ? form.data.next : undefined);
    const token = form.success ? await config.tokens.verify(form.data.token) : null;
    if (!form.success || !token) {
      return c.redirect(`/login?error=invalid&next=${encodeURIComponent(next)}`, 303);
    }
    const expires = Math.floor(Date.now() / 1000) + SESSION_SECONDS;
    const value = `${tokenHash(form.data.token)}.${expires}.${randomBytes(16).toString('base64url')}`;
    await setSignedCookie(c, SESSION_COOKIE, value, keyOf(config.secret, 'session').toString('hex'), {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/',
      secure: new URL(c.req.url).protocol === 'https:',
      maxAge: SESSION_SECONDS,
    });
    return c.redirect(next, 303);
  };
}

/** POST /logout: drops the session cookie (the CSRF check has already run in `authenticate`). */
export function logoutHandler() {
  return (c: Context<HttpEnv>) => {
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.redirect('/login', 303);
  };
}

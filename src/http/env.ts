import type { Registry } from '../app/registry.js';

/** The roles an identity can hold, weakest first; each includes the ones before it. */
export const ROLES = ['viewer', 'editor', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/**
 * Who is making a request, as the auth middleware verified it. `actor` is what the audit trail
 * records; no request field can set it.
 */
export interface Identity {
  actor: string;
  role: Role;
  /** How the identity was established: an API token, the OS user on loopback, or a verified JWT. */
  via: 'token' | 'os-user' | 'jwt';
}

/** Hono's environment for every route of the app: the registry and the caller's identity. */
export type HttpEnv = {
  Variables: {
    registry: Registry;
    identity: Identity;
    /** The CSRF token that browser forms must post back (field `_csrf`). */
    csrf: string;
  };
};

/** True when `role` includes `needed`. */
export function hasRole(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

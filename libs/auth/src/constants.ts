/** Tokens are RS256-signed by the user service only; everybody else verifies with its public key. */
export const JWT_ALGORITHM = 'RS256';
export const JWT_ISSUER = 'food-delivery/user-service';
export const JWT_AUDIENCE = 'food-delivery';

export const IS_PUBLIC_KEY = 'auth:isPublic';
export const REQUIRED_SCOPES_KEY = 'auth:requiredScopes';

/** `sub` of tokens that services get with client credentials: "service:<client_id>". */
export const SERVICE_SUBJECT_PREFIX = 'service:';

/**
 * What a token may do, carried in its `scope` claim (space-separated, as in OAuth 2.0). Each endpoint that is not
 * public names the one scope it needs; the user service decides which principal gets which scopes.
 */
export const Scope = {
  /** Place, read and cancel one's own orders. */
  Orders: 'orders',
  /** Read user profiles. */
  UsersRead: 'users:read',
  /** Confirm that a user account exists (`POST /validate`). */
  UsersValidate: 'users:validate',
  /** Move stock directly (`PUT /inventory/{id}`, `/restore`). */
  InventoryWrite: 'inventory:write',
  /** Reserve, commit, release and cancel reservations: only the order service. */
  ReservationsWrite: 'reservations:write',
  /** Read the reservation ledger. */
  ReservationsRead: 'reservations:read',
  /** Change faults (`POST`/`DELETE /chaos*`) from anywhere. */
  ChaosWrite: 'chaos:write',
  /** Operator endpoints (`/admin/*`). */
  Admin: 'admin',
} as const;
export type Scope = (typeof Scope)[keyof typeof Scope];

export const ALL_SCOPES: readonly Scope[] = Object.values(Scope);

/** A logged-in user. */
export const USER_SCOPES: readonly Scope[] = [Scope.Orders, Scope.UsersRead];

/** A user with the operator role: a user's scopes, plus faults, admin, direct stock moves and reading the ledger. */
export const OPERATOR_SCOPES: readonly Scope[] = [
  ...USER_SCOPES,
  Scope.UsersValidate,
  Scope.InventoryWrite,
  Scope.ReservationsRead,
  Scope.ChaosWrite,
  Scope.Admin,
];

/** The role claim of user tokens. */
export type UserRole = 'user' | 'operator';
export const USER_ROLES: readonly UserRole[] = ['user', 'operator'];

/** The three kinds of caller a token can stand for. */
export type PrincipalKind = 'user' | 'operator' | 'service';

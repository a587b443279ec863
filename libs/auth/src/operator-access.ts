import { Injectable } from '@nestjs/common';
import { ApiError } from '@food-delivery/http';
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { Scope } from './constants';
import { bearerToken, insufficientScope } from './jwt-auth.guard';
import { TokenVerifier } from './token-verifier.service';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** True for 127.0.0.0/8, ::1 and IPv4-mapped loopback (::ffff:127.x.y.z). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(v4) === 4) return v4.startsWith('127.');
  return address === '::1';
}

/** How an operator-only request was let in. */
export type OperatorGrant = 'local' | 'key' | 'token';

/** One operator-only surface (chaos writes, admin): its key, header and scope. */
export interface OperatorSurface {
  /** The configured key, or undefined when none is set (then only local callers and tokens get in). */
  key: string | undefined;
  /** Lower-case header that carries the key, e.g. `x-chaos-key`. */
  header: string;
  /** The env variable that holds the key, for messages. */
  keyName: string;
  /** Token scope that opens the surface. */
  scope: Scope;
  /** Error codes: key missing (nothing else given) and key wrong. */
  codes: { required: string; invalid: string };
  /** What the caller tried, for messages: "Changing faults". */
  action: string;
}

/** What `decideOperatorAccess` needs to know about a request. */
export interface OperatorRequestFacts {
  /** The TCP peer (never X-Forwarded-For: that header is the client's to write). */
  peer: string | undefined;
  /** Addresses trusted like loopback (LOCAL_OPERATOR_ADDRESSES). */
  trustedPeers: readonly string[];
  keyGiven: string | undefined;
  keyDigest: Buffer | null;
  hasBearer: boolean;
}

/**
 * The rule for operator surfaces, as a plain function: local callers (loopback or a trusted peer) are the
 * operator at the machine; anyone else needs the key or an operator token. A wrong key is refused even when a
 * token is also sent, so guessing keys never succeeds quietly.
 */
export function decideOperatorAccess(
  facts: OperatorRequestFacts,
  surface: Pick<OperatorSurface, 'codes' | 'header' | 'keyName' | 'action'>,
): { grant: 'local' | 'key' } | { verifyToken: true } | { refuse: ApiError } {
  if (isLoopbackAddress(facts.peer) || (facts.peer && facts.trustedPeers.includes(facts.peer))) {
    return { grant: 'local' };
  }
  if (facts.keyGiven !== undefined) {
    if (facts.keyDigest && timingSafeEqual(digest(facts.keyGiven), facts.keyDigest)) return { grant: 'key' };
    return {
      refuse: new ApiError(401, surface.codes.invalid, `${surface.header} does not match ${surface.keyName}`),
    };
  }
  if (facts.hasBearer) return { verifyToken: true };
  return {
    refuse: new ApiError(
      401,
      surface.codes.required,
      `${surface.action} from a non-loopback address needs the ${surface.header} header or an operator token`,
      { headers: { 'www-authenticate': 'Bearer' } },
    ),
  };
}

/** A request as the operator guards see it (Fastify's request, or anything shaped like it). */
export interface OperatorRequest {
  headers: Record<string, string | string[] | undefined>;
  raw: { socket: { remoteAddress?: string } };
}

/** Applies `decideOperatorAccess` to a request, verifying the bearer token when that is what decides. */
@Injectable()
export class OperatorAccess {
  constructor(private readonly verifier: TokenVerifier) {}

  /** A checker for one surface; the key's digest is computed once. */
  forSurface(
    surface: OperatorSurface,
    trustedPeers: readonly string[] = [],
  ): (request: OperatorRequest) => Promise<OperatorGrant> {
    const keyDigest = surface.key ? digest(surface.key) : null;
    return async (request) => {
      const header = request.headers[surface.header];
      const decision = decideOperatorAccess(
        {
          peer: request.raw.socket.remoteAddress,
          trustedPeers,
          keyGiven: Array.isArray(header) ? header[0] : header,
          keyDigest,
          hasBearer: bearerToken(request.headers) !== null,
        },
        surface,
      );
      if ('grant' in decision) return decision.grant;
      if ('refuse' in decision) throw decision.refuse;
      const user = await this.verifier.verify(bearerToken(request.headers)!);
      if (!user.scopes.has(surface.scope)) throw insufficientScope(surface.scope);
      return 'token';
    };
  }
}

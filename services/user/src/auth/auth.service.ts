import { Injectable, Logger } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import {
  JWT_ALGORITHM,
  JWT_AUDIENCE,
  JWT_ISSUER,
  OPERATOR_SCOPES,
  SERVICE_SUBJECT_PREFIX,
  USER_SCOPES,
  type Scope,
  type UserRole,
} from '@food-delivery/auth';
import { ApiError } from '@food-delivery/http';
import { SigningKeysService } from '../keys/signing-keys.service';
import { UserEnv } from '../user.env';
import { UsersService } from '../users/users.service';
import type { TokenResponseDto } from './dto/login.dto';
import { grantedScopes, parseServiceClients } from './service-clients';

const digest = (value: string) => createHash('sha256').update(value).digest();

@Injectable()
export class AuthService {
  private readonly logger = new Logger(AuthService.name);
  /** client id → sha256(secret), compared in constant time. */
  private readonly serviceClients: Map<string, Buffer>;

  constructor(
    private readonly users: UsersService,
    private readonly keys: SigningKeysService,
    private readonly jwt: JwtService,
    private readonly env: UserEnv,
  ) {
    this.serviceClients = new Map(
      [...parseServiceClients(env.SERVICE_CLIENTS)].map(([id, secret]) => [id, digest(secret)]),
    );
    if (this.serviceClients.size === 0) {
      this.logger.warn(
        'SERVICE_CLIENTS is not set: POST /token refuses every client (the order service too)',
      );
    }
  }

  /** A token for a service acting on its own behalf (background saga work has no user token to forward). */
  async serviceToken(clientId: string, clientSecret: string, scope?: string): Promise<TokenResponseDto> {
    const expected = this.serviceClients.get(clientId);
    // Always compare, also for unknown clients, so timing does not reveal which client ids exist.
    const matches = timingSafeEqual(expected ?? digest(''), digest(clientSecret)) && expected !== undefined;
    if (!matches) {
      this.logger.warn({ event: 'service.token_refused', client_id: clientId }, 'Client credentials refused');
      throw new ApiError(401, 'INVALID_CLIENT', 'Unknown client or wrong client secret');
    }
    const scopes = grantedScopes(clientId, scope);
    if (!scopes) {
      throw new ApiError(400, 'INVALID_SCOPE', `Client ${clientId} is not granted the scope it asked for`);
    }
    return this.sign(`${SERVICE_SUBJECT_PREFIX}${clientId}`, clientId, scopes, this.env.SERVICE_TOKEN_TTL_S);
  }

  async login(username: string, password: string): Promise<TokenResponseDto> {
    const user = await this.users.checkCredentials(username, password);
    if (!user) {
      this.logger.warn({ event: 'user.login_failed' }, 'Login failed');
      // One answer for "no such user" and "wrong password": no user enumeration.
      throw new ApiError(401, 'INVALID_CREDENTIALS', 'Incorrect username or password', {
        headers: { 'www-authenticate': 'Bearer' },
      });
    }
    const scopes = user.role === 'operator' ? OPERATOR_SCOPES : USER_SCOPES;
    return this.sign(String(user.id), user.username, scopes, this.env.ACCESS_TOKEN_TTL_S, user.role);
  }

  private async sign(
    subject: string,
    username: string,
    scopes: readonly Scope[],
    ttlSeconds: number,
    role?: UserRole,
  ): Promise<TokenResponseDto> {
    const { kid, privateKey } = this.keys.current;
    const scope = scopes.join(' ');
    const access_token = await this.jwt.signAsync(
      { username, scope, ...(role ? { role } : {}) },
      {
        privateKey,
        algorithm: JWT_ALGORITHM,
        keyid: kid,
        subject,
        issuer: JWT_ISSUER,
        audience: JWT_AUDIENCE,
        expiresIn: ttlSeconds,
      },
    );
    return { access_token, token_type: 'bearer', expires_in: ttlSeconds, scope };
  }
}

import { Injectable, Logger } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import { JWT_ALGORITHM, JWT_AUDIENCE, JWT_ISSUER, SERVICE_SUBJECT_PREFIX } from '@food-delivery/auth';
import { ApiError } from '@food-delivery/http';
import { SigningKeysService } from '../keys/signing-keys.service';
import { UserEnv } from '../user.env';
import { UsersService } from '../users/users.service';
import type { TokenResponseDto } from './dto/login.dto';

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
      env.SERVICE_CLIENTS.split(',').map((pair) => {
        const [id, secret] = pair.split(':');
        return [id, digest(secret)];
      }),
    );
  }

  /** A token for a service acting on its own behalf (background saga work has no user token to forward). */
  async serviceToken(clientId: string, clientSecret: string): Promise<TokenResponseDto> {
    const expected = this.serviceClients.get(clientId);
    // Always compare, also for unknown clients, so timing does not reveal which client ids exist.
    const matches = timingSafeEqual(expected ?? digest(''), digest(clientSecret)) && expected !== undefined;
    if (!matches) {
      this.logger.warn({ event: 'service.token_refused', client_id: clientId }, 'Client credentials refused');
      throw new ApiError(401, 'INVALID_CLIENT', 'Unknown client or wrong client secret');
    }
    return this.sign(`${SERVICE_SUBJECT_PREFIX}${clientId}`, clientId, this.env.SERVICE_TOKEN_TTL_S);
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
    return this.sign(String(user.id), user.username, this.env.ACCESS_TOKEN_TTL_S);
  }

  private async sign(subject: string, username: string, ttlSeconds: number): Promise<TokenResponseDto> {
    const { kid, privateKey } = this.keys.current;
    const access_token = await this.jwt.signAsync(
      { username },
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
    return { access_token, token_type: 'bearer', expires_in: ttlSeconds };
  }
}

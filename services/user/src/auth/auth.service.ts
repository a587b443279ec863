import { Injectable, Logger } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { JWT_ALGORITHM, JWT_AUDIENCE, JWT_ISSUER } from '@food-delivery/auth';
import { ApiError } from '@food-delivery/http';
import { SigningKeysService } from '../keys/signing-keys.service';
import { UserEnv } from '../user.env';
import { UsersService } from '../users/users.service';
import type { TokenResponseDto } from './dto/login.dto';

@Injectable()
export class AuthService {
  private readonly logger = new Logger(AuthService.name);

  constructor(
    private readonly users: UsersService,
    private readonly keys: SigningKeysService,
    private readonly jwt: JwtService,
    private readonly env: UserEnv,
  ) {}

  async login(username: string, password: string): Promise<TokenResponseDto> {
    const user = await this.users.checkCredentials(username, password);
    if (!user) {
      this.logger.warn({ event: 'user.login_failed' }, 'Login failed');
      // One answer for "no such user" and "wrong password": no user enumeration.
      throw new ApiError(401, 'INVALID_CREDENTIALS', 'Incorrect username or password', {
        headers: { 'www-authenticate': 'Bearer' },
      });
    }
    const { kid, privateKey } = this.keys.current;
    const access_token = await this.jwt.signAsync(
      { username: user.username },
      {
        privateKey,
        algorithm: JWT_ALGORITHM,
        keyid: kid,
        subject: String(user.id),
        issuer: JWT_ISSUER,
        audience: JWT_AUDIENCE,
        expiresIn: this.env.ACCESS_TOKEN_TTL_S,
      },
    );
    return { access_token, token_type: 'bearer', expires_in: this.env.ACCESS_TOKEN_TTL_S };
  }
}

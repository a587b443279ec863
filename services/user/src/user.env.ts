import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { BaseEnv, toBoolean } from '@food-delivery/config';

export class UserEnv extends BaseEnv {
  override PORT: number = 8001;

  /** RS256 private key (PEM). When unset, a dev key pair is generated once and kept in Postgres. */
  @IsOptional()
  @IsString()
  JWT_PRIVATE_KEY?: string;

  /**
   * Services allowed to get a token with OAuth2 client credentials (POST /token), as `id:secret` pairs
   * separated by commas. No default: `npm start` generates one per installation, compose reads it from `.env`,
   * Kubernetes from a Secret. Unset, POST /token refuses every client.
   */
  @IsOptional()
  @Matches(/^[a-z0-9][a-z0-9-]{0,63}:[^,:\s]{8,256}(,[a-z0-9][a-z0-9-]{0,63}:[^,:\s]{8,256})*$/, {
    message: 'SERVICE_CLIENTS must be id:secret pairs (secret ≥ 8 chars) separated by commas',
  })
  SERVICE_CLIENTS?: string;

  @IsInt()
  @Min(60)
  @Max(24 * 3600)
  SERVICE_TOKEN_TTL_S: number = 900;

  @IsInt()
  @Min(60)
  @Max(7 * 24 * 3600)
  ACCESS_TOKEN_TTL_S: number = 3600;

  /** Creates the demo account user/pass (the spec's curl examples log in with it). */
  @Transform(toBoolean)
  @IsBoolean()
  SEED_DEMO_USER: boolean = true;

  /**
   * When set, the account OPERATOR_USERNAME is made an operator with this password at start (`npm start` sets
   * operator/operator locally; compose and Kubernetes have none unless configured).
   */
  @IsOptional()
  @IsString()
  @Length(4, 128, { message: 'OPERATOR_PASSWORD must be 4-128 characters' })
  OPERATOR_PASSWORD?: string;

  @Matches(/^[a-zA-Z0-9_.-]{3,32}$/, { message: 'OPERATOR_USERNAME must be 3-32 chars of [a-zA-Z0-9_.-]' })
  OPERATOR_USERNAME: string = 'operator';

  /** Password hashes computed at once (argon2 runs on libuv's thread pool); more wait in a bounded queue. */
  @IsInt()
  @Min(1)
  @Max(64)
  PASSWORD_HASH_CONCURRENCY: number = 4;

  @IsInt()
  @Min(0)
  @Max(10000)
  PASSWORD_HASH_QUEUE: number = 256;
}

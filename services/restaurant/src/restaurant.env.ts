import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min } from 'class-validator';
import { BaseEnv, isLoopbackHost, toBoolean } from '@food-delivery/config';

export class RestaurantEnv extends BaseEnv {
  override PORT: number = 8002;

  /** Menus are served from Postgres when Redis is down, so a Redis outage must not mark replicas unready. */
  override REDIS_REQUIRED: boolean = false;

  /** RS256 public key (PEM) that verifies access tokens; when unset, keys come from JWKS_URL. */
  @IsOptional()
  @IsString()
  JWT_PUBLIC_KEY?: string;

  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  JWKS_URL: string = 'http://127.0.0.1:8001/.well-known/jwks.json';

  /** TTL of the cached `GET /menus` answer (spec: 10 s). */
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  MENUS_CACHE_TTL_MS: number = 10_000;

  /** TTL of each cached `GET /menus/{id}` answer (spec: 30 s). */
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  MENU_CACHE_TTL_MS: number = 30_000;

  /**
   * How long an inventory transaction waits for a menu row lock before giving up with 503 INVENTORY_BUSY,
   * so a long inventory_delay turns into clean errors instead of requests piling up on the pool.
   */
  @IsInt()
  @Min(100)
  @Max(60_000)
  INVENTORY_LOCK_TIMEOUT_MS: number = 10_000;

  /**
   * Inventory transactions run at once; each holds a pooled connection, possibly while it waits for a row lock.
   * Default DATABASE_POOL_MAX − 2, so menu reads, the audit and health checks always find a connection even
   * when inventory_delay makes every order queue on one hot menu.
   */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(200)
  INVENTORY_MAX_CONCURRENCY?: number;

  /** Inventory requests waiting for a slot; beyond this they get 503 INVENTORY_BUSY at once. */
  @IsInt()
  @Min(0)
  @Max(100_000)
  INVENTORY_QUEUE_MAX: number = 1000;

  /** Creates the demo catalogue on first start (idempotent; existing rows are never touched). */
  @Transform(toBoolean)
  @IsBoolean()
  SEED_CATALOGUE: boolean = true;

  /** false removes the operator endpoints (`/admin/*` answers 403 ADMIN_DISABLED). */
  @Transform(toBoolean)
  @IsBoolean()
  ADMIN_ENABLED: boolean = true;

  /**
   * `/admin/*` from anywhere but loopback needs `X-Admin-Key: <value>` or an operator token. Unset: only local
   * callers and operator tokens.
   */
  @IsOptional()
  @IsString()
  @Matches(/^\S{16,256}$/, { message: 'ADMIN_API_KEY must be 16-256 non-blank characters' })
  ADMIN_API_KEY?: string;

  override combinationProblems(): string[] {
    const problems = super.combinationProblems();
    if (
      this.NODE_ENV === 'production' &&
      // /admin is served on HOST only (the management listener serves /health, /metrics and /chaos).
      !isLoopbackHost(this.HOST) &&
      this.ADMIN_ENABLED &&
      !this.ADMIN_API_KEY
    ) {
      problems.push(
        `ADMIN_API_KEY: required in production when the service listens beyond loopback (HOST=${this.HOST}) ` +
          'with admin endpoints enabled; set ADMIN_API_KEY, or ADMIN_ENABLED=false, or HOST=127.0.0.1',
      );
    }
    return problems;
  }
}

import { IsInt, IsNumber, IsOptional, IsString, IsUrl, Matches, Max, Min } from 'class-validator';
import { BaseEnv } from '@food-delivery/config';

const URL_RULE = { require_tld: false, protocols: ['http', 'https'] };

export class OrderEnv extends BaseEnv {
  override PORT: number = 8003;

  /** Orders are read from Postgres while Redis is down, so a Redis outage must not mark replicas unready. */
  override REDIS_REQUIRED: boolean = false;

  /** RS256 public key (PEM) that verifies access tokens; when unset, keys come from JWKS_URL. */
  @IsOptional()
  @IsString()
  JWT_PUBLIC_KEY?: string;

  @IsUrl(URL_RULE)
  JWKS_URL: string = 'http://127.0.0.1:8001/.well-known/jwks.json';

  // ---- downstream services ----

  @IsUrl(URL_RULE)
  USER_SERVICE_URL: string = 'http://127.0.0.1:8001';

  /** Per-attempt timeout of user-service calls (`POST /validate`, `POST /token`). */
  @IsInt()
  @Min(50)
  @Max(60_000)
  USER_SERVICE_TIMEOUT_MS: number = 2000;

  /** Extra attempts for user-service calls (all of them are idempotent). */
  @IsInt()
  @Min(0)
  @Max(5)
  USER_SERVICE_RETRIES: number = 2;

  @IsUrl(URL_RULE)
  RESTAURANT_SERVICE_URL: string = 'http://127.0.0.1:8002';

  /** Per-attempt timeout of restaurant-service calls, the reservation included. */
  @IsInt()
  @Min(50)
  @Max(60_000)
  RESTAURANT_SERVICE_TIMEOUT_MS: number = 5000;

  /** Extra attempts for restaurant-service calls (reservations are idempotent by order id). */
  @IsInt()
  @Min(0)
  @Max(5)
  RESTAURANT_SERVICE_RETRIES: number = 2;

  /**
   * Circuit breaker per downstream: opens when more than this share of attempts fail within the window. Above
   * 0.5 on purpose: the spec's `/chaos/error` fails 50% of user-service calls, which retries absorb, and the
   * breaker should only cut off a dependency that is mostly down.
   */
  @IsNumber()
  @Min(0.05)
  @Max(0.99)
  DOWNSTREAM_BREAKER_THRESHOLD: number = 0.75;

  @IsInt()
  @Min(100)
  @Max(600_000)
  DOWNSTREAM_BREAKER_WINDOW_MS: number = 10_000;

  /** Minimum traffic (attempts per second over the window) before the breaker may open. */
  @IsNumber()
  @Min(0.1)
  @Max(10_000)
  DOWNSTREAM_BREAKER_MIN_RPS: number = 5;

  /** How long an open circuit answers 503 at once before letting one trial call through. */
  @IsInt()
  @Min(100)
  @Max(600_000)
  DOWNSTREAM_BREAKER_HALF_OPEN_MS: number = 5000;

  // ---- service identity (background work has no user token) ----

  /** OAuth2 client-credentials identity at the user service's `POST /token`. */
  @Matches(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'SERVICE_CLIENT_ID must be 1-64 chars of [A-Za-z0-9_.-]' })
  SERVICE_CLIENT_ID: string = 'order-service';

  /**
   * No default: a constant would let anyone mint the order service's token. `npm start` generates one per
   * installation; compose reads it from `.env`; Kubernetes from a Secret.
   */
  @IsString({
    message: 'SERVICE_CLIENT_SECRET is required (the secret of SERVICE_CLIENT_ID at the user service)',
  })
  @Matches(/^\S{8,256}$/, { message: 'SERVICE_CLIENT_SECRET must be 8-256 non-blank characters' })
  SERVICE_CLIENT_SECRET!: string;

  /**
   * How old an answer about a token's account (does it still exist?) may be before reads and cancels ask the
   * user service again; a known-active account is let through while it is asked, up to twice this age. At most
   * 30 s, so a deleted account's token stops working everywhere within a minute.
   */
  @IsInt()
  @Min(100)
  @Max(30_000)
  ACCOUNT_CHECK_INTERVAL_MS: number = 30_000;

  // ---- cache ----

  /** TTL of a cached `GET /orders/{id}` answer (spec: 5 minutes). */
  @IsInt()
  @Min(1)
  @Max(86_400)
  ORDER_CACHE_TTL_S: number = 300;

  // ---- saga outbox worker ----

  /** How often the worker looks for due saga tasks (release / commit / cancel calls to the restaurant). */
  @IsInt()
  @Min(20)
  @Max(600_000)
  SAGA_WORKER_INTERVAL_MS: number = 1000;

  /** Tasks claimed per round, and executed at once. */
  @IsInt()
  @Min(1)
  @Max(1000)
  SAGA_WORKER_BATCH: number = 50;

  @IsInt()
  @Min(1)
  @Max(64)
  SAGA_WORKER_CONCURRENCY: number = 8;

  /** Retry backoff of a failed task: exponential from this base, with full jitter, capped at SAGA_RETRY_MAX_MS. */
  @IsInt()
  @Min(10)
  @Max(600_000)
  SAGA_RETRY_BASE_MS: number = 500;

  @IsInt()
  @Min(10)
  @Max(3_600_000)
  SAGA_RETRY_MAX_MS: number = 30_000;

  // ---- recovery loop ----

  /** How often the recovery loop looks for orders stuck in PENDING (also runs once at start-up). */
  @IsInt()
  @Min(50)
  @Max(3_600_000)
  RECOVERY_INTERVAL_MS: number = 10_000;

  /**
   * An order still PENDING this long after it was placed is considered abandoned (its saga died with a replica)
   * and is driven to a final state. Must exceed the longest live saga (reservation timeout × attempts).
   */
  @IsInt()
  @Min(100)
  @Max(86_400_000)
  RECOVERY_PENDING_AFTER_MS: number = 60_000;

  @IsInt()
  @Min(1)
  @Max(1000)
  RECOVERY_BATCH: number = 20;

  // ---- audit ----

  /** Upper bound of reservations `GET /orders/audit` reads from the restaurant service. */
  @IsInt()
  @Min(100)
  @Max(10_000_000)
  AUDIT_MAX_RESERVATIONS: number = 200_000;

  // ---- test hook ----

  /**
   * TEST ONLY: the saga sleeps this long between the reservation and the payment, so a test can SIGKILL the
   * process inside that window and check that recovery settles the order. 0 (default) disables it.
   */
  @IsInt()
  @Min(0)
  @Max(600_000)
  SAGA_PAUSE_BEFORE_PAYMENT_MS: number = 0;
}

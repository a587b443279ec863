import 'reflect-metadata';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { hostname } from 'node:os';

/**
 * "true"/"1"/"yes"/"on" → true, anything else → false. Reads the raw value (`obj[key]`): implicit conversion
 * has already turned the string "false" into `true` by the time `value` arrives.
 */
export const toBoolean = ({
  obj,
  key,
  value,
}: {
  obj: Record<string, unknown>;
  key: string;
  value: unknown;
}): unknown => {
  const raw = obj[key] ?? value;
  return typeof raw === 'boolean'
    ? raw
    : typeof raw === 'string'
      ? /^(true|1|yes|on)$/i.test(raw.trim())
      : raw;
};

/** True for an address only this machine can connect to: 127.x.y.z, ::1, localhost. */
export function isLoopbackHost(host: string): boolean {
  return /^(127\.\d+\.\d+\.\d+|::1|localhost)$/.test(host);
}

/** Settings every service shares. Services extend this with their own. */
export class BaseEnv {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  /**
   * Where the service listens. Loopback by default: the operator surfaces (/chaos, /admin) are open to local
   * callers. Containers set 0.0.0.0 explicitly.
   */
  @IsString()
  HOST: string = '127.0.0.1';

  /**
   * Peer addresses trusted like loopback for the operator surfaces (comma-separated), e.g. the bridge gateway
   * through which compose's published ports (bound to the host's 127.0.0.1) reach a container.
   */
  @IsOptional()
  @Matches(/^[0-9a-fA-F.:]+(,[0-9a-fA-F.:]+)*$/, {
    message: 'LOCAL_OPERATOR_ADDRESSES must be IP addresses separated by commas',
  })
  LOCAL_OPERATOR_ADDRESSES?: string;

  @IsInt()
  @Min(0)
  @Max(65535)
  PORT: number = 0;

  /** Identifies this replica in logs, `GET /chaos` and telemetry. */
  @IsString()
  @Matches(/^[A-Za-z0-9_.:-]{1,64}$/, { message: 'INSTANCE_ID must be 1-64 chars of [A-Za-z0-9_.:-]' })
  INSTANCE_ID: string = `${hostname()}-${process.pid}`;

  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL: string = 'postgres://postgres@127.0.0.1:5432/food_delivery';

  /** Upper bound of the pg pool; requests beyond it wait at most DATABASE_ACQUIRE_TIMEOUT_MS. */
  @IsInt()
  @Min(1)
  @Max(200)
  DATABASE_POOL_MAX: number = 10;

  @IsInt()
  @Min(100)
  @Max(60000)
  DATABASE_ACQUIRE_TIMEOUT_MS: number = 3000;

  @IsInt()
  @Min(100)
  @Max(600000)
  DATABASE_STATEMENT_TIMEOUT_MS: number = 15000;

  /** Empty or "off" disables Redis: caching is skipped and chaos state stays local. */
  @IsOptional()
  @Matches(/^(off|rediss?:\/\/.+)$/, { message: 'REDIS_URL must be a redis:// URL or "off"' })
  REDIS_URL?: string = 'redis://127.0.0.1:6379';

  @IsString()
  @Matches(/^[A-Za-z0-9_:.-]{0,64}$/, { message: 'REDIS_KEY_PREFIX must be 0-64 chars of [A-Za-z0-9_:.-]' })
  REDIS_KEY_PREFIX: string = 'fd:';

  /** When true, /health/ready reports 503 while Redis is unreachable. */
  @Transform(toBoolean)
  @IsBoolean()
  REDIS_REQUIRED: boolean = true;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL: string = 'info';

  /** Body size of a route that declares no larger limit of its own (larger bodies → 413 before parsing). */
  @IsInt()
  @Min(1024)
  @Max(16 * 1024 * 1024)
  BODY_LIMIT_BYTES: number = 16 * 1024;

  /**
   * Requests handled at once (health and metrics not counted); beyond it a request gets 503 OVERLOADED with
   * Retry-After at once instead of queueing. 0 turns the limit off.
   */
  @IsInt()
  @Min(0)
  @Max(100_000)
  MAX_IN_FLIGHT_REQUESTS: number = 256;

  /**
   * Connections the kernel may hold for the service before it accepts them. Node's default (511) is smaller than
   * a load test's connection count: the surplus SYNs were dropped and retried a second later, so the first
   * seconds of a 512-connection run stalled. The kernel caps it at net.core.somaxconn.
   */
  @IsInt()
  @Min(1)
  @Max(65_535)
  LISTEN_BACKLOG: number = 4096;

  /**
   * A second listener for /health/*, /metrics and /chaos only, with its own accept queue: probes and the chaos
   * off switch get through while a connection storm fills the main port's. 0: none (they stay on PORT anyway).
   */
  @IsInt()
  @Min(0)
  @Max(65535)
  MANAGEMENT_PORT: number = 0;

  /** Where the management listener listens: loopback unless a probe from outside the host needs it. */
  @IsString()
  MANAGEMENT_HOST: string = '127.0.0.1';

  /** Mean event-loop delay (ms) above which new requests get 503 OVERLOADED. 0 turns the check off. */
  @IsInt()
  @Min(0)
  @Max(60_000)
  MAX_EVENT_LOOP_DELAY_MS: number = 1000;

  /** false removes the /chaos endpoints (404) and the request hooks: the service runs as if chaos did not exist. */
  @Transform(toBoolean)
  @IsBoolean()
  CHAOS_ENABLED: boolean = true;

  /**
   * Changing faults (POST/DELETE /chaos*) from anywhere but loopback needs the header `X-Chaos-Key: <value>` or an
   * operator token. Unset: only local callers and operator tokens can change faults.
   */
  @IsOptional()
  @IsString()
  @Length(8, 256, { message: 'CHAOS_API_KEY must be 8-256 characters' })
  CHAOS_API_KEY?: string;

  /** Upper bound of a fault's ttl_s, and the ttl of faults set without one. Unset: faults may never expire. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(86400)
  CHAOS_MAX_TTL_S?: number;

  /** Cap of the cpu knob's load_percent (share of one core burnt by its worker thread). */
  @IsInt()
  @Min(1)
  @Max(100)
  CHAOS_MAX_CPU_PERCENT: number = 100;

  /** TTL of destructive faults (crash, hang, cpu, event_loop_block, memory_leak) set without ttl_s, so a forgotten one ends by itself. */
  @IsInt()
  @Min(1)
  @Max(86400)
  CHAOS_DESTRUCTIVE_TTL_S: number = 300;

  /** Cap of the event_loop_block knob's block_ms. */
  @IsInt()
  @Min(1)
  @Max(10_000)
  CHAOS_MAX_BLOCK_MS: number = 1000;

  /** Cap of the memory_leak knob's max_mb. */
  @IsInt()
  @Min(1)
  @Max(8192)
  CHAOS_MAX_LEAK_MB: number = 512;

  /** Most requests the hang knob holds unanswered at once per replica (beyond it, their sockets are destroyed). */
  @IsInt()
  @Min(1)
  @Max(100_000)
  CHAOS_MAX_HUNG_REQUESTS: number = 1000;

  /** How often each replica reloads fault state from Redis, repairing missed pub/sub messages. */
  @IsInt()
  @Min(100)
  @Max(60000)
  CHAOS_SYNC_INTERVAL_MS: number = 3000;

  get localOperatorAddresses(): string[] {
    return (this.LOCAL_OPERATOR_ADDRESSES ?? '').split(',').filter(Boolean);
  }

  /**
   * The listeners another host can reach, as `NAME=address` for messages: HOST, and MANAGEMENT_HOST when the
   * management listener is on (it serves /chaos too).
   */
  get listenersBeyondLoopback(): string[] {
    const listeners: [string, string][] = [['HOST', this.HOST]];
    if (this.MANAGEMENT_PORT > 0) listeners.push(['MANAGEMENT_HOST', this.MANAGEMENT_HOST]);
    return listeners.filter(([, host]) => !isLoopbackHost(host)).map(([name, host]) => `${name}=${host}`);
  }

  /** True when every listener is on a loopback address (nobody else can connect). */
  get listensOnLoopbackOnly(): boolean {
    return this.listenersBeyondLoopback.length === 0;
  }

  /**
   * Settings that are each valid but unsafe together. In production a service that listens beyond loopback with
   * chaos enabled must have CHAOS_API_KEY, so that faults are never an open door on the network.
   */
  combinationProblems(): string[] {
    if (this.NODE_ENV !== 'production' || this.listensOnLoopbackOnly) return [];
    return this.CHAOS_ENABLED && !this.CHAOS_API_KEY
      ? [
          'CHAOS_API_KEY: required in production when the service listens beyond loopback ' +
            `(${this.listenersBeyondLoopback.join(', ')}) with chaos enabled; set CHAOS_API_KEY, or ` +
            'CHAOS_ENABLED=false, or listen on 127.0.0.1',
        ]
      : [];
  }

  get redisEnabled(): boolean {
    return !!this.REDIS_URL && this.REDIS_URL !== 'off';
  }
}

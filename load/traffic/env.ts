import 'reflect-metadata';
import { validateEnv } from '@food-delivery/config';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsNumber, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

const URL_PATTERN = /^https?:\/\/[^\s/]+(\/[^\s]*)?$/;
/** "1, 2,3" → [1, 2, 3]; reads the raw value (implicit conversion has already mangled `value`). */
const idList = ({ obj, key }: { obj: Record<string, unknown>; key: string }) => {
  const raw = obj[key];
  return typeof raw === 'string'
    ? raw
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean)
        .map(Number)
    : raw;
};

/** The traffic generator's settings (all optional: the defaults are `npm start`'s ports on this machine). */
export class TrafficEnv {
  /** The control API (GET /state, POST /rate…) and /metrics. Loopback unless told otherwise. */
  @IsString()
  TRAFFIC_HOST: string = '127.0.0.1';

  @IsInt()
  @Min(0)
  @Max(65535)
  TRAFFIC_PORT: number = 8089;

  /** Journeys per second at start (0: start paused). */
  @IsNumber()
  @Min(0)
  TRAFFIC_RATE: number = 5;

  /** The highest rate POST /rate accepts: the generator is a demo, not a benchmark. */
  @IsNumber()
  @Min(1)
  @Max(1000)
  TRAFFIC_MAX_RATE: number = 200;

  /** The public API through the gateway (its /api/... routes); unset: straight to the three services. */
  @IsOptional()
  @Matches(URL_PATTERN, { message: 'TRAFFIC_GATEWAY_URL must be an http(s) URL' })
  TRAFFIC_GATEWAY_URL?: string;

  @Matches(URL_PATTERN, { message: 'USER_SERVICE_URL must be an http(s) URL' })
  USER_SERVICE_URL: string = 'http://127.0.0.1:8001';

  /** Also where stock is reset (POST /admin/stock/reset is never routed by the gateway). */
  @Matches(URL_PATTERN, { message: 'RESTAURANT_SERVICE_URL must be an http(s) URL' })
  RESTAURANT_SERVICE_URL: string = 'http://127.0.0.1:8002';

  @Matches(URL_PATTERN, { message: 'ORDER_SERVICE_URL must be an http(s) URL' })
  ORDER_SERVICE_URL: string = 'http://127.0.0.1:8003';

  /** X-Admin-Key for the stock reset when the restaurant service is not on loopback (compose). */
  @IsOptional()
  @IsString()
  TRAFFIC_ADMIN_KEY?: string;

  /** Menus the journeys order from (comma-separated ids); unset: every available menu of GET /menus. */
  @IsOptional()
  @Transform(idList)
  @IsInt({ each: true })
  @Min(1, { each: true })
  TRAFFIC_MENUS?: number[];

  /** A menu below this stock is reset to TRAFFIC_STOCK_REFILL (an operator's stock reset). */
  @IsInt()
  @Min(0)
  TRAFFIC_STOCK_LOW: number = 200;

  @IsInt()
  @Min(1)
  @Max(1_000_000)
  TRAFFIC_STOCK_REFILL: number = 1000;

  @IsInt()
  @Min(50)
  TRAFFIC_STOCK_CHECK_MS: number = 2000;

  /** Accounts signed up at start; `signup` journeys add more, up to TRAFFIC_MAX_SESSIONS. */
  @IsInt()
  @Min(1)
  @Max(1000)
  TRAFFIC_SESSIONS: number = 10;

  @IsInt()
  @Min(1)
  @Max(10_000)
  TRAFFIC_MAX_SESSIONS: number = 200;

  /** Journeys in flight at most; one more is dropped and counted (never queued). */
  @IsInt()
  @Min(1)
  @Max(10_000)
  TRAFFIC_MAX_IN_FLIGHT: number = 256;

  @IsInt()
  @Min(100)
  TRAFFIC_TIMEOUT_MS: number = 10_000;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL: string = 'info';
}

export function trafficEnv(source: Record<string, unknown> = process.env): TrafficEnv {
  return validateEnv(TrafficEnv, source, 'traffic-generator');
}

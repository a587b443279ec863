import 'reflect-metadata';
import { validateEnv } from '@food-delivery/config';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';

const URL_PATTERN = /^https?:\/\/[^\s/]+(\/[^\s]*)?$/;

/** The console's settings; the defaults are `npm start`'s ports on this machine. */
export class ConsoleEnv {
  /** Loopback unless told otherwise: the console is an operator surface, like chaos writes. */
  @IsString()
  CONSOLE_HOST: string = '127.0.0.1';

  @IsInt()
  @Min(0)
  @Max(65535)
  CONSOLE_PORT: number = 8090;

  @Matches(URL_PATTERN, { message: 'USER_SERVICE_URL must be an http(s) URL' })
  USER_SERVICE_URL: string = 'http://127.0.0.1:8001';

  @Matches(URL_PATTERN, { message: 'RESTAURANT_SERVICE_URL must be an http(s) URL' })
  RESTAURANT_SERVICE_URL: string = 'http://127.0.0.1:8002';

  @Matches(URL_PATTERN, { message: 'ORDER_SERVICE_URL must be an http(s) URL' })
  ORDER_SERVICE_URL: string = 'http://127.0.0.1:8003';

  /**
   * npm start's launcher status (every instance, its port, restarts). `off`: none (compose), then each service
   * is the one instance at its URL above.
   */
  @Matches(/^(off|https?:\/\/[^\s/]+(\/[^\s]*)?)$/, { message: 'LAUNCHER_URL must be an http(s) URL or off' })
  LAUNCHER_URL: string = 'http://127.0.0.1:8091';

  /**
   * Without a launcher: every instance to show and scrape, `service=url` separated by commas
   * (`order-service=http://order-1:8003,order-service=http://order-2:8003`). Unset: the three URLs above.
   */
  @IsOptional()
  @Matches(/^[a-z-]{1,32}=https?:\/\/[^\s,]+(,[a-z-]{1,32}=https?:\/\/[^\s,]+){0,63}$/, {
    message: 'CONSOLE_INSTANCES must be service=url pairs separated by commas',
  })
  CONSOLE_INSTANCES?: string;

  /** The traffic generator's control API. */
  @Matches(/^(off|https?:\/\/[^\s/]+(\/[^\s]*)?)$/, { message: 'TRAFFIC_URL must be an http(s) URL or off' })
  TRAFFIC_URL: string = 'http://127.0.0.1:8089';

  /** Where experiment runs are (load/experiments writes results/<name>-<timestamp>/). */
  @IsString()
  RESULTS_DIR: string = 'results';

  /** Grafana, for links with the matching time range; unset: no links. */
  @IsOptional()
  @Matches(URL_PATTERN, { message: 'GRAFANA_URL must be an http(s) URL' })
  GRAFANA_URL?: string;

  /** Sent as X-Chaos-Key to the services (needed when they are not on this machine's loopback), and the key
   * a non-loopback browser must give the console. */
  @IsOptional()
  @Length(8, 256, { message: 'CHAOS_API_KEY must be 8-256 characters' })
  CHAOS_API_KEY?: string;

  /** Where operator tokens are verified (the user service's JWKS); default: USER_SERVICE_URL's. */
  @IsOptional()
  @Matches(URL_PATTERN, { message: 'JWKS_URL must be an http(s) URL' })
  JWKS_URL?: string;

  /** Peers trusted like loopback (as the services' LOCAL_OPERATOR_ADDRESSES). */
  @IsOptional()
  @Matches(/^[0-9a-fA-F.:]+(,[0-9a-fA-F.:]+)*$/, {
    message: 'LOCAL_OPERATOR_ADDRESSES must be IP addresses separated by commas',
  })
  LOCAL_OPERATOR_ADDRESSES?: string;

  /** Milliseconds between two scrapes of every instance: one chart step. */
  @IsInt()
  @Min(500)
  @Max(60_000)
  CONSOLE_STEP_MS: number = 2000;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL: string = 'info';
}

export function consoleEnv(source: Record<string, unknown> = process.env): ConsoleEnv {
  return validateEnv(ConsoleEnv, source, 'console');
}

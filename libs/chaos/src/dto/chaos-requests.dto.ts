import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateBy,
} from 'class-validator';
import { CHAOS_LIMITS, INSTANCE_ID_PATTERN } from '../faults';
import { MAX_ROUTE_PATTERN_LENGTH, MAX_ROUTE_PATTERNS, routePatternProblem } from '../route-pattern';

const Percent = (defaultValue: number, what: string) =>
  applyDecorators(
    ApiPropertyOptional({
      example: defaultValue === 100 ? 50 : 30,
      minimum: 0,
      maximum: 100,
      default: defaultValue,
      description: `Share of ${what} affected, in percent (0–100, decimals allowed)`,
    }),
    IsOptional(),
    IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 3 }),
    Min(0),
    Max(100),
  );

const Routes = () =>
  applyDecorators(
    ApiPropertyOptional({
      type: [String],
      example: ['/validate', '/users/*'],
      maxItems: MAX_ROUTE_PATTERNS,
      description:
        'Limit the fault to these paths (default: every route). `*` matches within one segment, `**` any ' +
        'number of segments (`/users/**`); a pattern may also be the route template (`/users/:id`). ' +
        `At most ${MAX_ROUTE_PATTERNS} patterns of ${MAX_ROUTE_PATTERN_LENGTH} characters.`,
    }),
    IsOptional(),
    IsArray(),
    ArrayMinSize(1, { message: 'routes must list at least one pattern (omit it to target every route)' }),
    ArrayMaxSize(MAX_ROUTE_PATTERNS),
    ValidateBy(
      {
        name: 'isRoutePattern',
        validator: {
          validate: (value: unknown) => routePatternProblem(value) === null,
          defaultMessage: (args) => {
            // With `each`, the arguments carry the whole array: name the first offending pattern.
            const values: unknown[] = Array.isArray(args?.value) ? args.value : [args?.value];
            const bad = values.find((value) => routePatternProblem(value) !== null);
            const shown = JSON.stringify(typeof bad === 'string' ? bad.slice(0, 60) : bad);
            return `each value in routes ${routePatternProblem(bad) ?? 'must be a valid pattern'} (got ${shown})`;
          },
        },
      },
      { each: true },
    ),
  );

const TtlS = () =>
  applyDecorators(
    ApiPropertyOptional({
      example: 300,
      minimum: CHAOS_LIMITS.minTtlS,
      maximum: CHAOS_LIMITS.maxTtlS,
      description:
        'Seconds until the fault switches itself off (1–86400). Default: never, unless the service sets ' +
        'CHAOS_MAX_TTL_S, which is then both the default and the upper bound.',
    }),
    IsOptional(),
    IsInt(),
    Min(CHAOS_LIMITS.minTtlS),
    Max(CHAOS_LIMITS.maxTtlS),
  );

const Instance = () =>
  applyDecorators(
    ApiPropertyOptional({
      example: 'user-service-2',
      pattern: INSTANCE_ID_PATTERN.source,
      description:
        'Apply only on the replica with this INSTANCE_ID (see `GET /chaos` → `instance`), e.g. to make ' +
        'one replica behind the gateway slow. Default: every replica.',
    }),
    IsOptional(),
    IsString(),
    Matches(INSTANCE_ID_PATTERN, { message: 'instance must be 1-64 chars of [A-Za-z0-9_.:-]' }),
  );

const DelayMs = (example: number, what: string) =>
  applyDecorators(
    ApiProperty({
      example,
      minimum: 0,
      maximum: CHAOS_LIMITS.maxDelayMs,
      description: `${what} in milliseconds (0–60000); 0 switches the knob off`,
    }),
    IsInt(),
    Min(0),
    Max(CHAOS_LIMITS.maxDelayMs),
  );

/** POST /chaos/delay */
export class ChaosDelayDto {
  @DelayMs(1500, 'Latency added to each affected request')
  delay_ms!: number;

  @ApiPropertyOptional({
    example: 200,
    minimum: 0,
    maximum: CHAOS_LIMITS.maxJitterMs,
    default: 0,
    description: 'Each request waits delay_ms ± a uniform random value up to jitter_ms (never below 0)',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(CHAOS_LIMITS.maxJitterMs)
  jitter_ms?: number;

  @Routes()
  routes?: string[];

  @Percent(100, 'requests')
  percent?: number;

  @TtlS()
  ttl_s?: number;

  @Instance()
  instance?: string;
}

/** POST /chaos/error */
export class ChaosErrorDto {
  @ApiProperty({ example: true, description: 'true injects errors, false switches them off' })
  @IsBoolean()
  enable!: boolean;

  @Percent(50, 'requests answered with the error')
  percent?: number;

  @ApiPropertyOptional({
    example: 503,
    minimum: CHAOS_LIMITS.minErrorStatus,
    maximum: CHAOS_LIMITS.maxErrorStatus,
    default: 500,
    description: 'HTTP status of the injected errors (500–599)',
  })
  @IsOptional()
  @IsInt()
  @Min(CHAOS_LIMITS.minErrorStatus)
  @Max(CHAOS_LIMITS.maxErrorStatus)
  status?: number;

  @Routes()
  routes?: string[];

  @TtlS()
  ttl_s?: number;

  @Instance()
  instance?: string;
}

/** POST /chaos/inventory_delay (restaurant service) */
export class ChaosInventoryDelayDto {
  @DelayMs(3000, 'Delay of each inventory update, spent while the row lock is held,')
  delay_ms!: number;

  @Percent(100, 'inventory updates')
  percent?: number;

  @TtlS()
  ttl_s?: number;

  @Instance()
  instance?: string;
}

/** POST /chaos/payment_fail (order service) */
export class ChaosPaymentFailDto {
  @ApiProperty({
    example: 30,
    minimum: 0,
    maximum: 100,
    description: 'Share of payments that fail, in percent (0–100); 0 switches the knob off',
  })
  @IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 3 })
  @Min(0)
  @Max(100)
  fail_percent!: number;

  @TtlS()
  ttl_s?: number;

  @Instance()
  instance?: string;
}

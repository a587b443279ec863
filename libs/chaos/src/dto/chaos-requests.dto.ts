import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateBy,
  ValidateNested,
} from 'class-validator';
import { Type } from 'class-transformer';
import { CHAOS_LIMITS, INSTANCE_ID_PATTERN } from '../faults';
import { MAX_MATCH_IDS } from '../knob';
import { MAX_ROUTE_PATTERN_LENGTH, MAX_ROUTE_PATTERNS, routePatternProblem } from '../route-pattern';

export const Percent = (defaultValue: number, what: string) =>
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

export const Routes = () =>
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

export const TtlS = () =>
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

export const Instance = () =>
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

export const DelayMs = (example: number, what: string) =>
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

/** `match` of a targeted fault (payment_fail, inventory_delay, delay, error): only these menus and/or users are hit. */
export class ChaosMatchDto {
  @ApiPropertyOptional({
    type: [Number],
    example: [3],
    maxItems: MAX_MATCH_IDS,
    description: 'Only operations on one of these menus (e.g. one product)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_MATCH_IDS)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(2_147_483_647, { each: true })
  menu_id?: number[];

  @ApiPropertyOptional({
    type: [Number],
    example: [42],
    maxItems: MAX_MATCH_IDS,
    description: 'Only operations for one of these users (e.g. one customer)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_MATCH_IDS)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(2_147_483_647, { each: true })
  user_id?: number[];
}

/** `match: {menu_id?: [...], user_id?: [...]}`: a targeted fault. Omitted: every operation. */
export const Match = () =>
  applyDecorators(
    ApiPropertyOptional({
      type: () => ChaosMatchDto,
      description:
        'Hit only these menus and/or users, as a real incident often does (both given: both must match)',
    }),
    IsOptional(),
    IsObject(),
    ValidateNested(),
    Type(() => ChaosMatchDto),
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

  @Match()
  match?: ChaosMatchDto;

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

  @Match()
  match?: ChaosMatchDto;

  @TtlS()
  ttl_s?: number;

  @Instance()
  instance?: string;
}

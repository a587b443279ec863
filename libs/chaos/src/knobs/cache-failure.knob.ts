import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Max, Min, ValidateIf } from 'class-validator';
import { Instance, Percent, TtlS } from '../dto/chaos-requests.dto';
import { CHAOS_LIMITS } from '../faults';
import { defineKnob, isIntIn, isNumberIn, type ChaosKnob } from '../knob';

export const CACHE_FAILURE_MODES = ['bypass', 'stale', 'slow', 'off'] as const;
export type CacheFailureMode = Exclude<(typeof CACHE_FAILURE_MODES)[number], 'off'>;

/** POST /chaos/cache_failure: the `cache` names are the service's own (see cacheFailureKnob). */
export class ChaosCacheFailureDto {
  @ApiPropertyOptional({
    example: 'menu',
    description: 'The cache affected (default: every cache of the service)',
  })
  @IsOptional()
  @IsString()
  cache?: string;

  @ApiProperty({
    enum: CACHE_FAILURE_MODES,
    example: 'bypass',
    description:
      '`bypass`: every read is a miss (the database takes all the reads); `stale`: invalidations are skipped, ' +
      'so a changed value keeps being served from the cache while the fault lasts; `slow`: every cache read ' +
      'waits `latency_ms` first; `off`: switch the knob off',
  })
  @IsIn(CACHE_FAILURE_MODES)
  mode!: string;

  @ApiPropertyOptional({
    example: 200,
    minimum: 1,
    maximum: CHAOS_LIMITS.maxDelayMs,
    description: 'Added latency of each cache read in milliseconds (mode slow: required)',
  })
  @ValidateIf((body: ChaosCacheFailureDto) => body.mode === 'slow' || body.latency_ms !== undefined)
  @IsInt()
  @Min(1)
  @Max(CHAOS_LIMITS.maxDelayMs)
  latency_ms?: number;

  @Percent(100, 'cache reads (bypass, slow) or invalidations (stale)')
  percent?: number;

  @TtlS()
  ttl_s?: number;

  @Instance()
  instance?: string;
}

export interface CacheFailureSettings {
  /** null: every cache of the service. */
  cache: string | null;
  mode: CacheFailureMode;
  latency_ms: number;
  percent: number;
}

/**
 * The `cache_failure` knob of a service whose caches are `caches` (e.g. the restaurant's menu_list and menu).
 * The owner registers it and honours it in its cache code: read it with
 * `ChaosService.active<CacheFailureSettings>('cache_failure')` and `appliesTo(fault, cache)`.
 */
export function cacheFailureKnob(
  caches: readonly string[],
): ChaosKnob<CacheFailureSettings, ChaosCacheFailureDto> {
  const known = [...caches];
  // The per-service cache list: a subclass narrows the body (Swagger shows this enum).
  class ServiceCacheFailureDto extends ChaosCacheFailureDto {
    @ApiPropertyOptional({
      enum: known,
      example: known[0],
      description: 'The cache affected (default: every cache of the service)',
    })
    @IsOptional()
    @IsIn(known, { message: `cache must be one of: ${known.join(', ')}` })
    declare cache?: string;
  }
  Object.defineProperty(ServiceCacheFailureDto, 'name', { value: 'ChaosCacheFailureDto' });
  return defineKnob<CacheFailureSettings, ChaosCacheFailureDto>({
    name: 'cache_failure',
    summary: '👉 Break a cache (bypass, stale, slow)',
    description:
      `Affects this service's Redis caches (${known.join(', ')}). \`bypass\`: every read is a miss and goes to ` +
      'Postgres (cache_requests_total{result="miss"} climbs, the hit ratio panel drops, database load rises). ' +
      '`stale`: invalidations are skipped, so a changed menu or order keeps its old cached value while the fault ' +
      'lasts (why invalidation matters); when it ends, the entries it kept are invalidated. `slow`: each cache ' +
      'read waits `latency_ms` first. `{"mode": "off"}` or `DELETE /chaos/cache_failure` switches it off.',
    body: ServiceCacheFailureDto,
    examples: {
      bypass: { summary: 'Every read a miss', value: { mode: 'bypass' } },
      stale: {
        summary: `Stale ${known[0]} entries for 2 minutes`,
        value: { cache: known[0], mode: 'stale', ttl_s: 120 },
      },
      slow: { summary: '+300 ms per cache read', value: { mode: 'slow', latency_ms: 300 } },
      off: { summary: 'Switch off', value: { mode: 'off' } },
    },
    settings: (dto) =>
      dto.mode === 'off'
        ? null
        : {
            cache: dto.cache ?? null,
            mode: dto.mode as CacheFailureMode,
            latency_ms: dto.latency_ms ?? 0,
            percent: dto.percent ?? 100,
          },
    parse: (value) => {
      const cache = value.cache ?? null;
      if (cache !== null && (typeof cache !== 'string' || !known.includes(cache))) return null;
      if (!CACHE_FAILURE_MODES.includes(value.mode as CacheFailureMode) || value.mode === 'off') return null;
      if (!isIntIn(value.latency_ms, 0, CHAOS_LIMITS.maxDelayMs) || !isNumberIn(value.percent, 0, 100))
        return null;
      if (value.mode === 'slow' && value.latency_ms === 0) return null;
      return {
        cache,
        mode: value.mode as CacheFailureMode,
        latency_ms: value.latency_ms,
        percent: value.percent,
      };
    },
    describe: (fault) =>
      `cache_failure ${fault.cache ?? 'every cache'} ${fault.mode}` +
      `${fault.mode === 'slow' ? ` +${fault.latency_ms}ms` : ''} on ${fault.percent}%`,
  });
}

/** The cache_failure fault if it covers `cache` in `mode` (the caller still rolls its percent). */
export function cacheFaultFor<M extends CacheFailureMode>(
  fault: (CacheFailureSettings & object) | null,
  cache: string,
  mode: M,
): boolean {
  return fault !== null && fault.mode === mode && (fault.cache === null || fault.cache === cache);
}

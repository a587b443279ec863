import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, Max, Min, ValidateIf } from 'class-validator';
import { Instance, Percent, TtlS } from '../dto/chaos-requests.dto';
import { CHAOS_LIMITS } from '../faults';
import { defineKnob, isIntIn, isNumberIn, type ChaosKnob } from '../knob';

export const DEPENDENCY_MODES = ['latency', 'error', 'timeout', 'reset', 'off'] as const;
export type DependencyMode = Exclude<(typeof DEPENDENCY_MODES)[number], 'off'>;

/** POST /chaos/dependency: the targets are the service's own (see dependencyKnob). */
export class ChaosDependencyDto {
  @ApiProperty({ example: 'postgres', description: 'The dependency whose calls are affected' })
  @IsIn(['user-service', 'restaurant-service', 'postgres', 'redis'])
  target!: string;

  @ApiProperty({
    enum: DEPENDENCY_MODES,
    example: 'latency',
    description:
      '`latency`: each call waits latency_ms (± jitter_ms) first; `error`: the call fails (HTTP: `status`; ' +
      "Postgres: connection refused); `timeout`: no answer, the caller's own timeout fires; `reset`: the " +
      'connection is reset; `off`: switch the knob off',
  })
  @IsIn(DEPENDENCY_MODES)
  mode!: string;

  @ApiPropertyOptional({
    example: 500,
    minimum: 0,
    maximum: CHAOS_LIMITS.maxDelayMs,
    description: 'Added latency in milliseconds (required, ≥ 1, with mode latency; added before the others)',
  })
  @ValidateIf((body: ChaosDependencyDto) => body.mode === 'latency' || body.latency_ms !== undefined)
  @IsInt()
  @Min(0)
  @Max(CHAOS_LIMITS.maxDelayMs)
  latency_ms?: number;

  @ApiPropertyOptional({ example: 100, minimum: 0, maximum: CHAOS_LIMITS.maxJitterMs, default: 0 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(CHAOS_LIMITS.maxJitterMs)
  jitter_ms?: number;

  @ApiPropertyOptional({
    example: 503,
    minimum: CHAOS_LIMITS.minErrorStatus,
    maximum: CHAOS_LIMITS.maxErrorStatus,
    default: 503,
    description: 'HTTP status of an injected error (mode error, HTTP targets)',
  })
  @IsOptional()
  @IsInt()
  @Min(CHAOS_LIMITS.minErrorStatus)
  @Max(CHAOS_LIMITS.maxErrorStatus)
  status?: number;

  @Percent(100, 'calls to the dependency')
  percent?: number;

  @TtlS()
  ttl_s?: number;

  @Instance()
  instance?: string;
}

export interface DependencySettings {
  target: string;
  mode: DependencyMode;
  latency_ms: number;
  jitter_ms: number;
  status: number;
  percent: number;
}

/** What the caller of a dependency must do for this call (after any added latency was waited out). */
export type DependencyFaultOutcome =
  null | { mode: 'error'; status: number } | { mode: 'timeout' } | { mode: 'reset' };

/**
 * The `dependency` knob for a service whose outbound dependencies are `targets` (Postgres for every service;
 * the order service adds user-service and restaurant-service). Applied where the calls leave the process:
 * DownstreamClient (HTTP) and the Postgres connection acquisition (service-core).
 */
export function dependencyKnob(
  targets: readonly string[],
): ChaosKnob<DependencySettings, ChaosDependencyDto> {
  const known = [...targets];
  // The per-service target list: a subclass narrows the body (class-validator checks both IsIn, Swagger shows this one).
  class ServiceDependencyDto extends ChaosDependencyDto {
    @ApiProperty({ enum: known, example: known[0], description: 'The dependency whose calls are affected' })
    @IsIn(known, { message: `target must be one of: ${known.join(', ')}` })
    declare target: string;
  }
  Object.defineProperty(ServiceDependencyDto, 'name', { value: 'ChaosDependencyDto' });
  return defineKnob<DependencySettings, ChaosDependencyDto>({
    name: 'dependency',
    summary: '👉 Break an outbound dependency (latency, error, timeout, reset)',
    description:
      `Affects this service's calls to one dependency (${known.join(', ')}), like a Toxiproxy between the ` +
      'service and it: it exercises the timeouts, retries, circuit breakers and bulkheads in between. One ' +
      'dependency fault per service (or per replica with `instance`); `{"target": …, "mode": "off"}` or ' +
      '`DELETE /chaos/dependency` switches it off. Only calls made by the service itself: the chaos state, ' +
      'health and metrics are not affected.',
    body: ServiceDependencyDto,
    examples: {
      latency: {
        summary: `+800 ms ± 200 on every call to ${known[0]}`,
        value: { target: known[0], mode: 'latency', latency_ms: 800, jitter_ms: 200 },
      },
      error: { summary: 'Half of the calls fail', value: { target: known[0], mode: 'error', percent: 50 } },
      timeout: { summary: 'No answer: the caller times out', value: { target: known[0], mode: 'timeout' } },
      reset: { summary: 'Connections reset', value: { target: known[0], mode: 'reset', percent: 20 } },
      off: { summary: 'Switch off', value: { target: known[0], mode: 'off' } },
    },
    settings: (dto) =>
      dto.mode === 'off'
        ? null
        : {
            target: dto.target,
            mode: dto.mode as DependencyMode,
            latency_ms: dto.latency_ms ?? 0,
            jitter_ms: dto.jitter_ms ?? 0,
            status: dto.status ?? 503,
            percent: dto.percent ?? 100,
          },
    parse: (value) => {
      if (typeof value.target !== 'string' || !known.includes(value.target)) return null;
      if (!DEPENDENCY_MODES.includes(value.mode as DependencyMode) || value.mode === 'off') return null;
      if (!isIntIn(value.latency_ms, 0, CHAOS_LIMITS.maxDelayMs)) return null;
      if (!isIntIn(value.jitter_ms, 0, CHAOS_LIMITS.maxJitterMs) || !isNumberIn(value.percent, 0, 100))
        return null;
      if (!isIntIn(value.status, CHAOS_LIMITS.minErrorStatus, CHAOS_LIMITS.maxErrorStatus)) return null;
      if (value.mode === 'latency' && value.latency_ms === 0) return null;
      return {
        target: value.target,
        mode: value.mode as DependencyMode,
        latency_ms: value.latency_ms,
        jitter_ms: value.jitter_ms,
        status: value.status,
        percent: value.percent,
      };
    },
    describe: (fault) =>
      `dependency ${fault.target} ${fault.mode}${fault.latency_ms ? ` +${fault.latency_ms}ms` : ''}` +
      `${fault.mode === 'error' ? ` ${fault.status}` : ''} on ${fault.percent}%`,
  });
}

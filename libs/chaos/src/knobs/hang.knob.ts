import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';
import { Instance, Percent, Routes, TtlS } from '../dto/chaos-requests.dto';
import { isRoutes } from '../faults';
import { defineKnob, isNumberIn } from '../knob';

/** POST /chaos/hang */
export class ChaosHangDto {
  @ApiPropertyOptional({ example: true, default: true, description: 'false switches the knob off' })
  @IsOptional()
  @IsBoolean()
  enable?: boolean;

  @Percent(100, 'requests left unanswered')
  percent?: number;

  @Routes()
  routes?: string[];

  @TtlS()
  ttl_s?: number;

  @Instance()
  instance?: string;
}

export interface HangSettings {
  percent: number;
  routes: string[] | null;
}

/** Caps of the hang knob (BaseEnv: CHAOS_DESTRUCTIVE_TTL_S, CHAOS_MAX_HUNG_REQUESTS). */
export interface HangKnobLimits {
  destructiveTtlS: number;
  maxHungRequests: number;
}

/**
 * POST /chaos/hang: applied by ChaosHttpHook, which holds the requests (bounded) and releases them when the fault
 * ends on this replica (reset, clear, expiry, shutdown).
 */
export function hangKnob(limits: HangKnobLimits) {
  return defineKnob<HangSettings, ChaosHangDto>({
    name: 'hang',
    summary: '👉 Accept requests and never answer them',
    description:
      'Affected requests are accepted and then left without an answer: the caller waits until its own timeout ' +
      "(the gateway's proxy timeout, the order service's downstream timeout, a browser's patience). /chaos, " +
      '/health, /metrics and the docs still answer, so the replica looks alive to its probes: the failure a ' +
      `liveness probe cannot see. At most CHAOS_MAX_HUNG_REQUESTS (${limits.maxHungRequests}) are held per ` +
      'replica (beyond it their connections are reset); when the fault ends (reset, expiry: default TTL ' +
      `${limits.destructiveTtlS} s) every held request's connection is closed, so nothing leaks. ` +
      '`{"enable": false}` switches it off.',
    body: ChaosHangDto,
    defaultTtlS: limits.destructiveTtlS,
    examples: {
      all: { summary: 'Every API call hangs for 5 minutes', value: {} },
      partial: {
        summary: 'A third of /menus/* calls hang on one replica for a minute',
        value: { percent: 33, routes: ['/menus/*'], instance: 'restaurant-service-2', ttl_s: 60 },
      },
      off: { summary: 'Switch off', value: { enable: false } },
    },
    settings: (dto) =>
      dto.enable === false ? null : { percent: dto.percent ?? 100, routes: dto.routes ?? null },
    parse: (value) => {
      const routes = value.routes ?? null;
      if (!isNumberIn(value.percent, 0, 100) || !isRoutes(routes)) return null;
      return { percent: value.percent, routes };
    },
    describe: (fault) =>
      `hang ${fault.percent}% of requests${fault.routes ? ` of ${fault.routes.join(',')}` : ''}`,
  });
}

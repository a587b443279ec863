import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';
import { defineKnob, Instance, TtlS } from '@food-delivery/chaos';

/** POST /chaos/readiness_fail */
export class ChaosReadinessFailDto {
  @ApiPropertyOptional({ example: true, default: true, description: 'false switches the knob off' })
  @IsOptional()
  @IsBoolean()
  enable?: boolean;

  @TtlS()
  ttl_s?: number;

  @Instance()
  instance?: string;
}

/** Owned by the health lib: /health/ready answers 503 while the service keeps serving. */
export const readinessFailKnob = defineKnob<{ failing: true }, ChaosReadinessFailDto>({
  name: 'readiness_fail',
  summary: '👉 Fail the readiness probe (the service keeps serving)',
  description:
    '`GET /health/ready` answers 503 (check `chaos: down`) while every other endpoint keeps working: the ' +
    "replica leaves the gateway's and Kubernetes' rotation without being restarted (liveness stays 200). " +
    'Aim it at one replica with `instance`. `{"enable": false}` switches it off.',
  body: ChaosReadinessFailDto,
  examples: {
    'one replica': { summary: 'Take one replica out of rotation', value: { instance: 'order-service-2' } },
    all: { summary: 'Every replica, for 1 minute', value: { ttl_s: 60 } },
    off: { summary: 'Switch off', value: { enable: false } },
  },
  settings: (dto) => (dto.enable === false ? null : { failing: true }),
  parse: (value) => (value.failing === true ? { failing: true } : null),
  describe: () => 'readiness_fail',
});

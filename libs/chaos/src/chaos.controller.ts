import {
  applyDecorators,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Post,
  Req,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiBody,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Public } from '@food-delivery/auth';
import { ErrorResponseDto } from '@food-delivery/http';
import type { FastifyRequest } from 'fastify';
import { ChaosAccessGuard } from './chaos-access.guard';
import { ChaosState, type ChaosActor } from './chaos-state';
import {
  ChaosDelayDto,
  ChaosErrorDto,
  ChaosInventoryDelayDto,
  ChaosPaymentFailDto,
} from './dto/chaos-requests.dto';
import { ChaosChangeDto, ChaosStateDto } from './dto/chaos-responses.dto';

const actorOf = (request: FastifyRequest): ChaosActor => ({
  ip: request.ip,
  userAgent: request.headers['user-agent'],
});

const CHAOS_KEY_HEADER = 'CHAOS_API_KEY; needed (or an operator token) unless the call comes from loopback';

const SET_EXAMPLE_META = {
  id: 'delay',
  instance: null,
  applies_here: true,
  shared: true,
  set_at: '2026-11-22T09:00:00.000Z',
  set_by: 'user-service-1',
  expires_at: null,
  ttl_remaining_s: null,
};

/** Documentation shared by every endpoint that changes faults. */
const ChangesFaults = (
  path: string,
  summary: string,
  description: string,
  examples: Record<string, ChaosChangeDto>,
) =>
  applyDecorators(
    Post(path),
    HttpCode(200),
    ApiOperation({
      summary,
      description:
        `${description}\n\nApplies to every replica of the service (shared through Redis) unless \`instance\` ` +
        'is given. Operator only: open from loopback; from elsewhere send `X-Chaos-Key` (CHAOS_API_KEY) or an ' +
        'operator token (scope `chaos:write`). Never routed by the gateway.',
    }),
    ApiHeader({ name: 'X-Chaos-Key', required: false, description: CHAOS_KEY_HEADER }),
    ApiBearerAuth('bearer'),
    ApiOkResponse({
      type: ChaosChangeDto,
      examples: Object.fromEntries(
        Object.entries(examples).map(([name, value]) => [name, { summary: name, value }]),
      ),
    }),
    ApiBadRequestResponse({
      type: ErrorResponseDto,
      description: 'VALIDATION_FAILED: a value is out of bounds or unknown; nothing was changed',
    }),
    ApiUnauthorizedResponse({
      type: ErrorResponseDto,
      description: 'CHAOS_KEY_REQUIRED / CHAOS_KEY_INVALID / TOKEN_INVALID (non-loopback callers only)',
    }),
    ApiForbiddenResponse({
      type: ErrorResponseDto,
      description: 'INSUFFICIENT_SCOPE: not an operator token',
    }),
  );

const cleared = (count: number): ChaosChangeDto => ({ action: 'cleared', cleared: count, shared: true });

/** GET/DELETE /chaos and the knobs every service has (delay, error). */
@ApiTags('chaos')
@Public()
@UseGuards(ChaosAccessGuard)
@Controller('chaos')
export class ChaosController {
  constructor(private readonly state: ChaosState) {}

  @Get()
  @ApiOperation({
    summary: '👉 Current faults of this service',
    description:
      'Every active fault with who set it and when, its expiry, the replica it is aimed at, and whether the ' +
      'state is shared with the other replicas through Redis right now.',
  })
  @ApiOkResponse({
    type: ChaosStateDto,
    example: {
      service: 'user-service',
      instance: 'user-service-1',
      shared: true,
      redis: 'connected',
      knobs: ['delay', 'error'],
      faults: [
        { ...SET_EXAMPLE_META, type: 'delay', delay_ms: 1500, jitter_ms: 0, percent: 100, routes: null },
        {
          ...SET_EXAMPLE_META,
          id: 'error',
          type: 'error',
          percent: 50,
          status: 500,
          routes: ['/validate'],
          expires_at: '2026-11-22T09:05:00.000Z',
          ttl_remaining_s: 300,
        },
      ],
    },
  })
  view(): ChaosStateDto {
    return this.state.view();
  }

  @Delete()
  @HttpCode(200)
  @ApiOperation({
    summary: '👉 Reset: remove every fault',
    description:
      'Removes every fault of this service on every replica. Open from loopback; from elsewhere it needs ' +
      '`X-Chaos-Key` or an operator token.',
  })
  @ApiHeader({ name: 'X-Chaos-Key', required: false, description: CHAOS_KEY_HEADER })
  @ApiBearerAuth('bearer')
  @ApiOkResponse({ type: ChaosChangeDto, example: { action: 'reset', cleared: 2, shared: true } })
  @ApiUnauthorizedResponse({
    type: ErrorResponseDto,
    description: 'CHAOS_KEY_REQUIRED / CHAOS_KEY_INVALID / TOKEN_INVALID (non-loopback callers only)',
  })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'INSUFFICIENT_SCOPE: not an operator token' })
  reset(@Req() request: FastifyRequest): Promise<ChaosChangeDto> {
    return this.state.apply({ op: 'reset' }, actorOf(request));
  }

  @ChangesFaults(
    'delay',
    '👉 Add latency to API calls',
    'Every affected request waits `delay_ms` (± `jitter_ms`) before it is handled, on an asynchronous timer: ' +
      'other requests are not slowed down. `{"delay_ms": 0}` switches it off. Never applies to /chaos, ' +
      '/health, /metrics or the docs.',
    {
      set: {
        action: 'set',
        fault: {
          ...SET_EXAMPLE_META,
          type: 'delay',
          delay_ms: 1500,
          jitter_ms: 0,
          percent: 100,
          routes: null,
        },
        cleared: 0,
        shared: true,
      },
      'switched off': cleared(1),
    },
  )
  @ApiBody({
    type: ChaosDelayDto,
    examples: {
      spec: { summary: 'Spec: 1.5 s on every API call', value: { delay_ms: 1500 } },
      scoped: {
        summary: '2 s ± 500 ms on half of /validate calls for 5 minutes',
        value: { delay_ms: 2000, jitter_ms: 500, percent: 50, routes: ['/validate'], ttl_s: 300 },
      },
      'one replica': {
        summary: 'Only on one replica (gray failure)',
        value: { delay_ms: 3000, instance: 'user-2' },
      },
      off: { summary: 'Switch off', value: { delay_ms: 0 } },
    },
  })
  delay(@Body() dto: ChaosDelayDto, @Req() request: FastifyRequest): Promise<ChaosChangeDto> {
    return this.state.setOrClear(
      'delay',
      { off: dto.delay_ms === 0, ttl_s: dto.ttl_s, instance: dto.instance },
      () => ({
        delay_ms: dto.delay_ms,
        jitter_ms: dto.jitter_ms ?? 0,
        percent: dto.percent ?? 100,
        routes: dto.routes ?? null,
      }),
      actorOf(request),
    );
  }

  @ChangesFaults(
    'error',
    '👉 Make API calls fail',
    'Answers `percent`% (default 50) of the affected requests with `status` (default 500) and the common ' +
      'error body with `code: "CHAOS_INJECTED"`. `{"enable": false}` switches it off.',
    {
      set: {
        action: 'set',
        fault: { ...SET_EXAMPLE_META, id: 'error', type: 'error', percent: 50, status: 500, routes: null },
        cleared: 0,
        shared: true,
      },
      'switched off': cleared(1),
    },
  )
  @ApiBody({
    type: ChaosErrorDto,
    examples: {
      spec: { summary: 'Spec: 50% of API calls answer 500', value: { enable: true } },
      scoped: {
        summary: '503 on 20% of /users/* for 2 minutes',
        value: { enable: true, percent: 20, status: 503, routes: ['/users/*'], ttl_s: 120 },
      },
      off: { summary: 'Switch off', value: { enable: false } },
    },
  })
  error(@Body() dto: ChaosErrorDto, @Req() request: FastifyRequest): Promise<ChaosChangeDto> {
    return this.state.setOrClear(
      'error',
      { off: !dto.enable, ttl_s: dto.ttl_s, instance: dto.instance },
      () => ({ percent: dto.percent ?? 50, status: dto.status ?? 500, routes: dto.routes ?? null }),
      actorOf(request),
    );
  }
}

/** POST /chaos/inventory_delay, for services created with knobs: ['inventory_delay'] (restaurant). */
@ApiTags('chaos')
@Public()
@UseGuards(ChaosAccessGuard)
@Controller('chaos')
export class InventoryDelayChaosController {
  constructor(private readonly state: ChaosState) {}

  @ChangesFaults(
    'inventory_delay',
    '👉 Slow down inventory updates while the row lock is held',
    'Each affected inventory update waits `delay_ms` inside its transaction, after locking the menu row, so ' +
      'concurrent orders of the same menu queue behind it (lock contention). `{"delay_ms": 0}` switches it off.',
    {
      set: {
        action: 'set',
        fault: {
          ...SET_EXAMPLE_META,
          id: 'inventory_delay',
          type: 'inventory_delay',
          delay_ms: 3000,
          percent: 100,
        },
        cleared: 0,
        shared: true,
      },
      'switched off': cleared(1),
    },
  )
  @ApiBody({
    type: ChaosInventoryDelayDto,
    examples: {
      spec: { summary: 'Spec: 3 s per inventory update', value: { delay_ms: 3000 } },
      partial: {
        summary: '1 s on 25% of updates for 10 minutes',
        value: { delay_ms: 1000, percent: 25, ttl_s: 600 },
      },
      off: { summary: 'Switch off', value: { delay_ms: 0 } },
    },
  })
  set(@Body() dto: ChaosInventoryDelayDto, @Req() request: FastifyRequest): Promise<ChaosChangeDto> {
    return this.state.setOrClear(
      'inventory_delay',
      { off: dto.delay_ms === 0, ttl_s: dto.ttl_s, instance: dto.instance },
      () => ({ delay_ms: dto.delay_ms, percent: dto.percent ?? 100 }),
      actorOf(request),
    );
  }
}

/** POST /chaos/payment_fail, for services created with knobs: ['payment_fail'] (order). */
@ApiTags('chaos')
@Public()
@UseGuards(ChaosAccessGuard)
@Controller('chaos')
export class PaymentFailChaosController {
  constructor(private readonly state: ChaosState) {}

  @ChangesFaults(
    'payment_fail',
    '👉 Make payments fail',
    '`fail_percent`% of payments fail, which exercises the order rollback (inventory restored, order FAILED). ' +
      '`{"fail_percent": 0}` switches it off.',
    {
      set: {
        action: 'set',
        fault: { ...SET_EXAMPLE_META, id: 'payment_fail', type: 'payment_fail', fail_percent: 30 },
        cleared: 0,
        shared: true,
      },
      'switched off': cleared(1),
    },
  )
  @ApiBody({
    type: ChaosPaymentFailDto,
    examples: {
      spec: { summary: 'Spec: 30% of payments fail', value: { fail_percent: 30 } },
      temporary: { summary: 'Every payment fails for 1 minute', value: { fail_percent: 100, ttl_s: 60 } },
      off: { summary: 'Switch off', value: { fail_percent: 0 } },
    },
  })
  set(@Body() dto: ChaosPaymentFailDto, @Req() request: FastifyRequest): Promise<ChaosChangeDto> {
    return this.state.setOrClear(
      'payment_fail',
      { off: dto.fail_percent === 0, ttl_s: dto.ttl_s, instance: dto.instance },
      () => ({ fail_percent: dto.fail_percent }),
      actorOf(request),
    );
  }
}

import {
  applyDecorators,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  Req,
  UseGuards,
  type Type,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiBody,
  ApiExtension,
  ApiHeader,
  ApiNotFoundResponse,
  ApiParam,
  ApiQuery,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Public, Scope } from '@food-delivery/auth';
import { ApiError, ErrorResponseDto } from '@food-delivery/http';
import type { FastifyRequest } from 'fastify';
import { ChaosAccessGuard } from './chaos-access.guard';
import { ChaosState, type ChaosActor } from './chaos-state';
import { ChaosChangeDto, ChaosStateDto } from './dto/chaos-responses.dto';
import { INSTANCE_ID_PATTERN } from './faults';
import type { AnyChaosKnob, KnobRequest } from './knob';

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
    // The scope of a remote caller's token (loopback callers and X-Chaos-Key need none).
    ApiExtension('x-required-scope', Scope.ChaosWrite),
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

/** GET/DELETE /chaos; each knob has its own controller (knobController). */
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
      'state is shared with the other replicas through Redis right now; and the catalogue: every knob this ' +
      'service has, with the JSON schema of its body.',
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
  @ApiExtension('x-required-scope', Scope.ChaosWrite)
  @ApiOkResponse({ type: ChaosChangeDto, example: { action: 'reset', cleared: 2, shared: true } })
  @ApiUnauthorizedResponse({
    type: ErrorResponseDto,
    description: 'CHAOS_KEY_REQUIRED / CHAOS_KEY_INVALID / TOKEN_INVALID (non-loopback callers only)',
  })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'INSUFFICIENT_SCOPE: not an operator token' })
  reset(@Req() request: FastifyRequest): Promise<ChaosChangeDto> {
    return this.state.apply({ op: 'reset' }, actorOf(request));
  }

  @Delete(':knob')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Switch one knob off',
    description:
      'Clears the fault of this knob on every replica (with `?instance=`: only the fault aimed at that ' +
      'replica), whatever its body looks like: the same as posting the knob\'s "off" body. Open from loopback; ' +
      'from elsewhere it needs `X-Chaos-Key` or an operator token.',
  })
  @ApiParam({ name: 'knob', example: 'delay', description: 'A knob of `GET /chaos` → `knobs`' })
  @ApiQuery({ name: 'instance', required: false, example: 'user-service-2' })
  @ApiHeader({ name: 'X-Chaos-Key', required: false, description: CHAOS_KEY_HEADER })
  @ApiBearerAuth('bearer')
  @ApiExtension('x-required-scope', Scope.ChaosWrite)
  @ApiOkResponse({ type: ChaosChangeDto, example: cleared(1) })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'VALIDATION_FAILED: a bad instance' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'CHAOS_KNOB_NOT_FOUND: no such knob here' })
  clear(
    @Param('knob') knob: string,
    @Query('instance') instance: string | undefined,
    @Req() request: FastifyRequest,
  ): Promise<ChaosChangeDto> {
    if (!this.state.registry.has(knob)) {
      throw new ApiError(404, 'CHAOS_KNOB_NOT_FOUND', `No chaos knob "${knob.slice(0, 64)}" on this service`);
    }
    if (instance !== undefined && (typeof instance !== 'string' || !INSTANCE_ID_PATTERN.test(instance))) {
      const message = 'instance must be 1-64 chars of [A-Za-z0-9_.:-]';
      throw new ApiError(400, 'VALIDATION_FAILED', message, { details: [message] });
    }
    return this.state.apply({ op: 'clear', type: knob, instance: instance ?? null }, actorOf(request));
  }
}

const pascal = (name: string) =>
  name.replace(/(^|_)([a-z])/g, (_match, _sep, letter: string) => letter.toUpperCase());

/**
 * POST /chaos/<knob> for one knob definition: validation with the knob's DTO (the global ValidationPipe reads
 * the body type from the handler's parameter types, set below), the knob's Swagger body and examples, and the
 * same access rules as every chaos endpoint.
 */
export function knobController(knob: AnyChaosKnob): Type {
  const firstExample = Object.values(knob.examples)[0]?.value ?? {};
  let exampleSettings: object = {};
  try {
    exampleSettings = (knob.settings(firstExample) as object | null) ?? {};
  } catch {
    // an example that is not a full body: show the fault without settings
  }
  @ApiTags('chaos')
  @Public()
  @UseGuards(ChaosAccessGuard)
  @Controller('chaos')
  class KnobController {
    constructor(@Inject(ChaosState) private readonly state: ChaosState) {}

    @ChangesFaults(knob.name, knob.summary, knob.description, {
      set: {
        action: 'set',
        fault: { ...SET_EXAMPLE_META, id: knob.name, type: knob.name, ...exampleSettings },
        cleared: 0,
        shared: true,
      },
      'switched off': cleared(1),
    })
    @ApiBody({ type: knob.body, examples: knob.examples })
    set(@Body() body: KnobRequest, @Req() request: FastifyRequest): Promise<ChaosChangeDto> {
      return this.state.change(knob, body, actorOf(request));
    }
  }
  Reflect.defineMetadata('design:paramtypes', [knob.body, Object], KnobController.prototype, 'set');
  Object.defineProperty(KnobController, 'name', { value: `${pascal(knob.name)}ChaosController` });
  return KnobController;
}

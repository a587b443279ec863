import { Controller, Get, Param, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Public } from '@food-delivery/auth';
import { ErrorResponseDto, ParseIdPipe } from '@food-delivery/http';
import type { FastifyReply } from 'fastify';
import { MenuDto } from './dto/menu.dto';
import { MenusService } from './menus.service';

const X_CACHE = {
  'X-Cache': {
    description: 'HIT when served from Redis, MISS when loaded from Postgres (also while Redis is down)',
    schema: { type: 'string', enum: ['HIT', 'MISS'] },
  },
};

/** The cached JSON as is (no parse/serialize round trip on a hit), with its headers set on the reply. */
export function withCacheHeaders<Body extends string | Buffer>(
  reply: FastifyReply,
  { body, hit }: { body: Body; hit: boolean },
): Body {
  void reply.header('x-cache', hit ? 'HIT' : 'MISS').type('application/json; charset=utf-8');
  return body;
}

@ApiTags('menus')
@Public()
@Controller('menus')
export class MenusController {
  constructor(private readonly menus: MenusService) {}

  @Get()
  @ApiOperation({
    summary: '👉 List all menus (Redis cache 10 s)',
    description:
      'Every dish with its price (KRW won), stock and availability. Cached in Redis for MENUS_CACHE_TTL_MS ' +
      '(10 s); a stock change drops the entry at once. See the `X-Cache` header.',
  })
  @ApiOkResponse({ type: MenuDto, isArray: true, headers: X_CACHE })
  async list(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    return withCacheHeaders(reply, await this.menus.list());
  }

  @Get(':id')
  @ApiOperation({
    summary: '👉 Get one menu (Redis cache 30 s)',
    description: 'Cached in Redis for MENU_CACHE_TTL_MS (30 s); a stock change drops the entry at once.',
  })
  @ApiOkResponse({ type: MenuDto, headers: X_CACHE })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'INVALID_ID: not a positive integer' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'MENU_NOT_FOUND' })
  async findOne(
    @Param('id', ParseIdPipe) id: number,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    return withCacheHeaders(reply, await this.menus.findOne(id));
  }
}

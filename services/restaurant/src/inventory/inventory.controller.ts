import { Body, Controller, Get, Param, Put, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CurrentUser, Public, RequireScope, Scope, type AuthUser } from '@food-delivery/auth';
import { ErrorResponseDto, ParseIdPipe } from '@food-delivery/http';
import type { FastifyReply } from 'fastify';
import { AuditService } from './audit.service';
import { AuditDto } from './dto/audit.dto';
import { QuantityDto, StockChangeDto } from './dto/quantity.dto';
import { serverTiming } from './inventory-transactions.service';
import { InventoryService, type Timed } from './inventory.service';

const SERVER_TIMING = {
  'Server-Timing': {
    description: 'Time queued for an inventory slot, waiting for the row lock, and holding it (ms)',
    schema: { type: 'string', example: 'queue;dur=0.0, lock-wait;dur=0.4, lock-hold;dur=1.2' },
  },
};

function withTimings<T>(reply: FastifyReply, { result, timings }: Timed<T>): T {
  void reply.header('server-timing', serverTiming(timings));
  return result;
}

@ApiTags('inventory')
@Controller('inventory')
export class InventoryController {
  constructor(
    private readonly inventory: InventoryService,
    private readonly audits: AuditService,
  ) {}

  @Public()
  @Get('audit')
  @ApiOperation({
    summary: '👉 Check the stock invariant for every menu',
    description:
      'Read-only. For each menu: `initial_stock = stock + reserved_active + reserved_committed`, where ' +
      '`initial_stock` adds up the seed, admin resets and direct PUT updates. `ok` is false and `violations` ' +
      'lists the menus when it does not hold. Tests and load experiments call this after a run.',
  })
  @ApiOkResponse({ type: AuditDto })
  audit(): Promise<AuditDto> {
    return this.audits.audit();
  }

  @Put(':menuId')
  @RequireScope(Scope.InventoryWrite)
  @ApiOperation({
    summary: '👉 Decrease stock (pessimistic row lock)',
    description:
      'Removes `quantity` units under `SELECT ... FOR UPDATE`. Stock never goes below 0; `is_available` turns ' +
      'false at 0; the answer carries `remaining_inventory`. Chaos `inventory_delay` is applied while the row is locked. A service or operator token ' +
      '(scope `inventory:write`); a user token gets 403.',
  })
  @ApiOkResponse({ type: StockChangeDto, headers: SERVER_TIMING })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'INVALID_ID, VALIDATION_FAILED' })
  @ApiUnauthorizedResponse({
    type: ErrorResponseDto,
    description: 'TOKEN_MISSING, TOKEN_INVALID, TOKEN_EXPIRED',
  })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'MENU_NOT_FOUND' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'INSUFFICIENT_STOCK' })
  @ApiServiceUnavailableResponse({
    type: ErrorResponseDto,
    description: 'INVENTORY_BUSY: lock wait timed out',
  })
  async decrease(
    @Param('menuId', ParseIdPipe) menuId: number,
    @Body() dto: QuantityDto,
    @CurrentUser() user: AuthUser,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<StockChangeDto> {
    return withTimings(reply, await this.inventory.decrease(menuId, dto.quantity, user));
  }

  @Put(':menuId/restore')
  @RequireScope(Scope.InventoryWrite)
  @ApiOperation({
    summary: '👉 Restore stock (pessimistic row lock)',
    description:
      'Adds `quantity` units back. Kept for spec compatibility; orders use reservations. A service or operator ' +
      'token (scope `inventory:write`); a user token gets 403.',
  })
  @ApiOkResponse({ type: StockChangeDto, headers: SERVER_TIMING })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'INVALID_ID, VALIDATION_FAILED' })
  @ApiUnauthorizedResponse({
    type: ErrorResponseDto,
    description: 'TOKEN_MISSING, TOKEN_INVALID, TOKEN_EXPIRED',
  })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'MENU_NOT_FOUND' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'STOCK_LIMIT_EXCEEDED' })
  @ApiServiceUnavailableResponse({
    type: ErrorResponseDto,
    description: 'INVENTORY_BUSY: lock wait timed out',
  })
  async restore(
    @Param('menuId', ParseIdPipe) menuId: number,
    @Body() dto: QuantityDto,
    @CurrentUser() user: AuthUser,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<StockChangeDto> {
    return withTimings(reply, await this.inventory.restore(menuId, dto.quantity, user));
  }
}

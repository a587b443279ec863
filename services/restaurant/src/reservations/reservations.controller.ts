import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { RequireScope, Scope } from '@food-delivery/auth';
import { BodyLimit, ErrorResponseDto } from '@food-delivery/http';
import type { FastifyReply } from 'fastify';
import { serverTiming } from '../inventory/inventory-transactions.service';
import type { Timed } from '../inventory/inventory.service';
import {
  CommitReservationsDto,
  CommitReservationsResultDto,
  CreateReservationDto,
  ListReservationsQueryDto,
  ReservationDto,
  ReservationPageDto,
  ReservationResultDto,
} from './dto/reservation.dto';
import { ParseOrderKeyPipe } from './order-key';
import { ReservationsService } from './reservations.service';

function send(reply: FastifyReply, { result, timings }: Timed<ReservationResultDto>): ReservationResultDto {
  void reply.header('server-timing', serverTiming(timings));
  return result;
}

@ApiTags('reservations')
@ApiUnauthorizedResponse({
  type: ErrorResponseDto,
  description: 'TOKEN_MISSING, TOKEN_INVALID, TOKEN_EXPIRED',
})
// The order service's ledger: writes need its principal (scope reservations:write), reads the order service or an
// operator. A user token gets 403, so no user can hold, release or tombstone another user's stock.
@Controller('inventory/reservations')
export class ReservationsController {
  constructor(private readonly reservations: ReservationsService) {}

  @Post()
  @RequireScope(Scope.ReservationsWrite)
  @ApiOperation({
    summary: '👉 Reserve stock for an order (idempotent by order_id)',
    description:
      'All items in one transaction with the menu rows locked in ascending id order, or none. Prices come ' +
      'from the menus (never from the caller). Sending the same request again (retries, races) returns the ' +
      'stored reservation with `outcome: "replayed"` and status 200, and moves no stock.',
  })
  @ApiCreatedResponse({ type: ReservationResultDto, description: 'Reserved (outcome "reserved")' })
  @ApiOkResponse({ type: ReservationResultDto, description: 'Same request seen before (outcome "replayed")' })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'VALIDATION_FAILED' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'MENU_NOT_FOUND (names the ids)' })
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description:
      'INSUFFICIENT_STOCK (names each short item; nothing reserved) · RESERVATION_MISMATCH (order id ' +
      'already reserved with other items) · RESERVATION_RELEASED (order id already released/cancelled)',
  })
  @ApiServiceUnavailableResponse({ type: ErrorResponseDto, description: 'INVENTORY_BUSY' })
  async reserve(
    @Body() dto: CreateReservationDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ReservationResultDto> {
    const timed = await this.reservations.reserve(dto);
    void reply.status(timed.result.outcome === 'reserved' ? 201 : 200);
    return send(reply, timed);
  }

  @Get()
  @RequireScope(Scope.ReservationsRead)
  @ApiOperation({
    summary: '👉 List reservations (e.g. the active ones, for recovery)',
    description: 'Ordered by order_id; pass `next_after` as `after` for the next page.',
  })
  @ApiOkResponse({ type: ReservationPageDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'VALIDATION_FAILED' })
  list(@Query() query: ListReservationsQueryDto): Promise<ReservationPageDto> {
    return this.reservations.list(query);
  }

  @Get(':orderId')
  @RequireScope(Scope.ReservationsRead)
  @ApiOperation({ summary: '👉 Get the reservation of an order' })
  @ApiOkResponse({ type: ReservationDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'INVALID_ORDER_ID' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'RESERVATION_NOT_FOUND' })
  findOne(@Param('orderId', ParseOrderKeyPipe) orderId: string): Promise<ReservationDto> {
    return this.reservations.findOne(orderId);
  }

  @Delete(':orderId')
  @RequireScope(Scope.ReservationsWrite)
  @ApiOperation({
    summary: '👉 Release a reservation (stock back exactly once)',
    description:
      'active → released, stock restored. Releasing again, or releasing an unknown order id, is a 200 no-op ' +
      '(`already_released` / `not_found`); an unknown id is recorded as released so a late reserve for it is ' +
      'refused. A committed reservation is refused with 409 (use /cancel).',
  })
  @ApiOkResponse({ type: ReservationResultDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'INVALID_ORDER_ID' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'RESERVATION_COMMITTED' })
  @ApiServiceUnavailableResponse({ type: ErrorResponseDto, description: 'INVENTORY_BUSY' })
  async release(
    @Param('orderId', ParseOrderKeyPipe) orderId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ReservationResultDto> {
    return send(reply, await this.reservations.release(orderId));
  }

  @Post('commits')
  @HttpCode(200)
  @RequireScope(Scope.ReservationsWrite)
  // 500 order keys of up to 64 characters, quoted: some 34 KB, beyond the 16 KiB default.
  @BodyLimit(64 * 1024)
  @ApiOperation({
    summary: 'Commit many reservations at once (the order service batches its commits)',
    description:
      'Each order id: active → committed, or a result saying why not. One statement for the whole batch; ' +
      'idempotent like the single commit.',
  })
  @ApiOkResponse({ type: CommitReservationsResultDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'VALIDATION_FAILED' })
  @ApiServiceUnavailableResponse({ type: ErrorResponseDto, description: 'INVENTORY_BUSY' })
  async commitMany(@Body() dto: CommitReservationsDto): Promise<CommitReservationsResultDto> {
    return { results: await this.reservations.commitMany(dto.order_ids) };
  }

  @Post(':orderId/commit')
  @HttpCode(200)
  @RequireScope(Scope.ReservationsWrite)
  @ApiOperation({
    summary: '👉 Commit a reservation (the order was paid)',
    description: 'active → committed; the stock stays consumed and a later release is refused. Idempotent.',
  })
  @ApiOkResponse({ type: ReservationResultDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'INVALID_ORDER_ID' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'RESERVATION_NOT_FOUND' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'RESERVATION_RELEASED' })
  async commit(
    @Param('orderId', ParseOrderKeyPipe) orderId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ReservationResultDto> {
    return send(reply, await this.reservations.commit(orderId));
  }

  @Post(':orderId/cancel')
  @HttpCode(200)
  @RequireScope(Scope.ReservationsWrite)
  @ApiOperation({
    summary: '👉 Cancel a reservation, committed or not (stock back exactly once)',
    description:
      'For cancelling an order: committed → cancelled, active → released, stock restored once. Repeats and ' +
      'unknown order ids are 200 no-ops, like release.',
  })
  @ApiOkResponse({ type: ReservationResultDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'INVALID_ORDER_ID' })
  @ApiServiceUnavailableResponse({ type: ErrorResponseDto, description: 'INVENTORY_BUSY' })
  async cancel(
    @Param('orderId', ParseOrderKeyPipe) orderId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ReservationResultDto> {
    return send(reply, await this.reservations.cancel(orderId));
  }
}

import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBadGatewayResponse,
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiGatewayTimeoutResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { CurrentUser, RequireScope, Scope, type AuthUser } from '@food-delivery/auth';
import { ApiError, ErrorResponseDto, errorBody, ParseIdPipe } from '@food-delivery/http';
import { activeTraceIds } from '@food-delivery/logging';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ActiveAccountGuard } from './active-account.guard';
import { CreateOrderDto } from './dto/create-order.dto';
import {
  CancelledOrderDto,
  ListOrdersQueryDto,
  OrderDto,
  OrderFailureDto,
  OrderPageDto,
} from './dto/order.dto';
import type { PlaceOutcome } from '../saga/order-saga.service';
import { OrdersService } from './orders.service';

/** Printable ASCII without spaces, e.g. a UUID. */
const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,100}$/;

// Orders belong to people: a user's (or operator's) token; a service token has no `orders` scope. The account must
// still exist: placing an order validates it; reads and cancel ask ActiveAccountGuard (an answer ≤ 60 s old).
@ApiTags('orders')
@RequireScope(Scope.Orders)
@ApiUnauthorizedResponse({
  type: ErrorResponseDto,
  description:
    'TOKEN_MISSING, TOKEN_INVALID, TOKEN_EXPIRED: every order endpoint needs the JWT from /login · ' +
    'ACCOUNT_GONE: the account was deleted',
})
@Controller('orders')
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Post()
  @ApiOperation({
    summary: '👉 Place an order (the saga)',
    description:
      'Validates the user with the user service, records the order PENDING, reserves every item with the ' +
      'restaurant service (prices come from there, never from the client), simulates the payment ' +
      '(`POST /chaos/payment_fail` makes it fail) and confirms; any failure after the reservation releases the ' +
      'stock. A recorded order whose payment was declined or whose stock ran out answers 201 like a confirmed ' +
      'one, with status FAILED, `failure_reason` (PAYMENT_FAILED, OUT_OF_STOCK) and `payment_status`, as the ' +
      'original service did. Other failures answer in the common error shape plus `order_id` and `order` ' +
      '(status FAILED with `failure_reason`). Send `Idempotency-Key` to retry safely: the same key from the same ' +
      'user returns the original order (200, `Idempotent-Replayed: true`, or its original failure status), ' +
      'never a second one.',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: '1-100 printable ASCII characters (e.g. a UUID), unique per order of this user',
  })
  @ApiCreatedResponse({
    type: OrderDto,
    description:
      'The recorded order: CONFIRMED (payment_status completed), or FAILED with failure_reason PAYMENT_FAILED ' +
      '(payment_status failed, stock released) or OUT_OF_STOCK (nothing reserved)',
  })
  @ApiOkResponse({ type: OrderDto, description: 'Idempotent replay of an order placed before' })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description:
      'VALIDATION_FAILED (1-50 distinct items, quantity 1-1000, address 1-200 chars, phone like 010-1234-5678, ' +
      'no unknown fields), INVALID_JSON, INVALID_IDEMPOTENCY_KEY',
  })
  @ApiNotFoundResponse({ type: OrderFailureDto, description: 'MENU_NOT_FOUND: order FAILED' })
  @ApiConflictResponse({
    type: OrderFailureDto,
    description: 'ORDER_CANCELLED: the order was cancelled while it was being placed',
  })
  @ApiUnprocessableEntityResponse({
    type: ErrorResponseDto,
    description: 'IDEMPOTENCY_KEY_REUSED: the key was used for a different order',
  })
  @ApiBadGatewayResponse({
    type: OrderFailureDto,
    description: 'DEPENDENCY_ERROR: a dependency kept failing',
  })
  @ApiServiceUnavailableResponse({
    type: OrderFailureDto,
    description:
      'DEPENDENCY_UNAVAILABLE (circuit open or unreachable; Retry-After), DATABASE_UNAVAILABLE. With ' +
      '`order_id` when the order was recorded (then FAILED, stock released).',
  })
  @ApiGatewayTimeoutResponse({
    type: OrderFailureDto,
    description:
      'DEPENDENCY_TIMEOUT naming the dependency. User service: nothing was recorded. Restaurant service: the ' +
      'order is FAILED (RESERVATION_TIMEOUT) and any reserved stock is released in the background.',
  })
  async place(
    @Body() dto: CreateOrderDto,
    @CurrentUser() user: AuthUser,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<OrderDto | OrderFailureDto> {
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY_PATTERN.test(idempotencyKey)) {
      throw new ApiError(
        400,
        'INVALID_IDEMPOTENCY_KEY',
        'Idempotency-Key must be 1-100 printable ASCII characters without spaces',
      );
    }
    const outcome = await this.orders.place(user, dto, {
      requestId: String(request.id),
      idempotencyKey,
    });
    if (!outcome.created) void reply.header('idempotent-replayed', 'true');
    return this.answer(outcome, request, reply);
  }

  @Get()
  @UseGuards(ActiveAccountGuard)
  @ApiOperation({ summary: "👉 List the caller's orders (newest first, paginated)" })
  @ApiOkResponse({ type: OrderPageDto })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'VALIDATION_FAILED: page 1-10000, limit 1-100',
  })
  list(@Query() query: ListOrdersQueryDto, @CurrentUser() user: AuthUser): Promise<OrderPageDto> {
    return this.orders.list(user, query.page ?? 1, query.limit ?? 20);
  }

  @Get(':id')
  @UseGuards(ActiveAccountGuard)
  @ApiOperation({
    summary: '👉 Get an order (Redis-cached, see X-Cache)',
    description:
      'Cached for ORDER_CACHE_TTL_S (spec: 5 minutes) and refreshed on every status change. `X-Cache: HIT` ' +
      'when served from Redis, `MISS` when read from Postgres (also while Redis is down).',
  })
  @ApiOkResponse({
    type: OrderDto,
    headers: { 'X-Cache': { description: 'HIT or MISS', schema: { type: 'string', enum: ['HIT', 'MISS'] } } },
  })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'INVALID_ID' })
  @ApiNotFoundResponse({
    type: ErrorResponseDto,
    description: "ORDER_NOT_FOUND (also for another user's order)",
  })
  async findOne(
    @Param('id', ParseIdPipe) id: number,
    @CurrentUser() user: AuthUser,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<OrderDto> {
    const { order, cached } = await this.orders.findOne(user, id);
    void reply.header('x-cache', cached ? 'HIT' : 'MISS');
    return order;
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @UseGuards(ActiveAccountGuard)
  @ApiOperation({
    summary: '👉 Cancel an order (stock restored exactly once)',
    description:
      'PENDING or CONFIRMED → CANCELLED; the restaurant gives the stock back (right away when it answers, ' +
      "otherwise retried in the background until it does). Needs the JWT (the spec's curl omits it).",
  })
  @ApiOkResponse({
    type: CancelledOrderDto,
    description: "CANCELLED: the order, plus the original service's `message` and `order_id`",
  })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'INVALID_ID' })
  @ApiNotFoundResponse({
    type: ErrorResponseDto,
    description: "ORDER_NOT_FOUND (also for another user's order)",
  })
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description: 'ORDER_NOT_CANCELLABLE: the order is FAILED or already CANCELLED; nothing is restored',
  })
  async cancel(
    @Param('id', ParseIdPipe) id: number,
    @CurrentUser() user: AuthUser,
    @Req() request: FastifyRequest,
  ): Promise<CancelledOrderDto> {
    const order = await this.orders.cancel(user, id, String(request.id));
    return { ...order, message: 'Order cancelled successfully', order_id: order.id };
  }

  /** 201 with the order (see answeredWithTheOrder), or the failure status in the common error shape plus the order. */
  private answer(
    outcome: PlaceOutcome,
    request: FastifyRequest,
    reply: FastifyReply,
  ): OrderDto | OrderFailureDto {
    const { order, failure } = outcome;
    if (!failure) {
      void reply.status(outcome.created ? 201 : 200);
      return order;
    }
    for (const [name, value] of Object.entries(failure.headers ?? {})) void reply.header(name, value);
    void reply.status(failure.status);
    return {
      ...errorBody(
        failure.status,
        failure.code,
        failure.message,
        activeTraceIds().trace_id ?? String(request.id),
        {
          ...(failure.details ? { details: failure.details } : {}),
          ...(failure.dependency ? { dependency: failure.dependency } : {}),
        },
      ),
      order_id: order.id,
      order,
    };
  }
}

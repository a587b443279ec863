import { ErrorResponseDto } from '@food-delivery/http';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { FAILURE_REASONS, ORDER_STATUSES, type FailureReason, type OrderStatus } from '../order.entity';
import { PAYMENT_STATUSES, type PaymentStatus } from '../payment-status';

export class OrderItemDto {
  @ApiProperty({ example: 311, description: 'The item itself (unique across orders)' })
  id!: number;

  @ApiProperty({ example: 1 })
  menu_id!: number;

  @ApiProperty({ example: 'Bibimbap', nullable: true, type: String, description: 'null until reserved' })
  name!: string | null;

  @ApiProperty({ example: 2 })
  quantity!: number;

  @ApiProperty({
    example: 9000,
    nullable: true,
    type: Number,
    description:
      'Unit price in KRW won, from the restaurant service when the stock was reserved; null if it never was',
  })
  price!: number | null;

  @ApiProperty({ example: 18000, nullable: true, type: Number, description: 'quantity × price' })
  line_total!: number | null;
}

export class OrderDto {
  @ApiProperty({ example: 42 })
  id!: number;

  @ApiProperty({ example: 1 })
  user_id!: number;

  @ApiProperty({ enum: ORDER_STATUSES, example: 'CONFIRMED' })
  status!: OrderStatus;

  @ApiProperty({ type: OrderItemDto, isArray: true })
  items!: OrderItemDto[];

  @ApiProperty({
    example: 18000,
    nullable: true,
    type: Number,
    description: 'Sum of the line totals in KRW won; null if never priced',
  })
  total_price!: number | null;

  @ApiProperty({ example: 'KRW', enum: ['KRW'] })
  currency!: 'KRW';

  @ApiProperty({ example: '서울시 강남구 123-45' })
  address!: string;

  @ApiProperty({ example: '010-1234-5678' })
  phone!: string;

  @ApiProperty({
    enum: FAILURE_REASONS,
    example: null,
    nullable: true,
    type: String,
    description: 'Why the order is FAILED; null otherwise',
  })
  failure_reason!: FailureReason | null;

  @ApiProperty({
    enum: PAYMENT_STATUSES,
    example: 'completed',
    description:
      'completed once paid, failed when the payment was declined (status FAILED), pending when it was never ' +
      'attempted',
  })
  payment_status!: PaymentStatus;

  @ApiProperty({ example: '2026-11-22T09:00:00.000Z' })
  created_at!: string;

  @ApiProperty({ example: '2026-11-22T09:00:00.120Z' })
  updated_at!: string;
}

export class OrderPageDto {
  @ApiProperty({ type: OrderDto, isArray: true, description: 'Newest first' })
  orders!: OrderDto[];

  @ApiProperty({ example: 1 })
  page!: number;

  @ApiProperty({ example: 20 })
  limit!: number;

  @ApiProperty({ example: 57, description: "Number of the caller's orders" })
  total!: number;
}

export class ListOrdersQueryDto {
  @ApiPropertyOptional({ example: 1, minimum: 1, maximum: 10_000, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10_000)
  page?: number;

  @ApiPropertyOptional({ example: 20, minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}

/** The answer to a cancel: the order, with the two fields the original service answered (its clients read them). */
export class CancelledOrderDto extends OrderDto {
  @ApiProperty({ example: 'Order cancelled successfully' })
  message!: string;

  @ApiProperty({ example: 42, description: 'The same as `id`' })
  order_id!: number;
}

/** A saga that ended badly: the common error shape, plus the order it left behind. */
export class OrderFailureDto extends ErrorResponseDto {
  @ApiProperty({ example: 42 })
  order_id!: number;

  @ApiProperty({ type: OrderDto })
  order!: OrderDto;
}

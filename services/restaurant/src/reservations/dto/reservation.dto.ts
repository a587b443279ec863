import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import {
  MAX_LINE_QUANTITY,
  RESERVATION_STATUSES,
  type ReservationLine,
  type ReservationStatus,
} from '@food-delivery/contracts';
import { IsOrderKey, ORDER_KEY_PATTERN } from '../order-key';
import { RESERVATION_OUTCOMES, type ReservationOutcome } from '../reservation-rules';

export const MAX_RESERVATION_ITEMS = 50;
const STATUSES = [...RESERVATION_STATUSES];

export class ReservationItemRequestDto implements ReservationLine {
  @ApiProperty({ example: 1, minimum: 1 })
  @IsInt()
  @Min(1)
  @Max(2_147_483_647)
  menu_id!: number;

  @ApiProperty({ example: 2, minimum: 1, maximum: MAX_LINE_QUANTITY })
  @IsInt()
  @Min(1)
  @Max(MAX_LINE_QUANTITY)
  quantity!: number;
}

export class CreateReservationDto {
  @ApiProperty({
    oneOf: [
      { type: 'integer', minimum: 1, example: 42 },
      { type: 'string', pattern: ORDER_KEY_PATTERN.source, example: 'order-42' },
    ],
    example: 42,
    description:
      'Ledger key: the order id. A positive integer or a 1-64 character key; 42 and "42" are the same ' +
      'reservation. Responses always return it as a string.',
  })
  @IsOrderKey()
  order_id!: number | string;

  @ApiPropertyOptional({
    example: 1,
    minimum: 1,
    description:
      'The user the order belongs to (the order service vouches for it); recorded with the reservation',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(2_147_483_647)
  user_id?: number;

  @ApiProperty({
    type: ReservationItemRequestDto,
    isArray: true,
    minItems: 1,
    maxItems: MAX_RESERVATION_ITEMS,
    description: 'Distinct menus; reserved all together or not at all',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_RESERVATION_ITEMS)
  @ArrayUnique((item: ReservationItemRequestDto | undefined) => item?.menu_id, {
    message: 'items must not repeat a menu_id',
  })
  @ValidateNested({ each: true })
  @Type(() => ReservationItemRequestDto)
  items!: ReservationItemRequestDto[];
}

export class ListReservationsQueryDto {
  @ApiPropertyOptional({ enum: STATUSES, example: 'active' })
  @IsOptional()
  @IsIn(STATUSES)
  status?: ReservationStatus;

  @ApiPropertyOptional({ example: '42', description: 'Keyset cursor: the next_after of the previous page' })
  @IsOptional()
  @Matches(ORDER_KEY_PATTERN)
  after?: string;

  @ApiPropertyOptional({ example: 100, minimum: 1, maximum: 500, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

export class ReservationItemDto {
  @ApiProperty({ example: 1 })
  menu_id!: number;

  @ApiProperty({ example: 'Bibimbap' })
  name!: string;

  @ApiProperty({ example: 2 })
  quantity!: number;

  @ApiProperty({ example: 9000, description: 'Menu price when reserved, KRW won; what the order charges' })
  unit_price!: number;

  @ApiProperty({ example: 18000, description: 'quantity × unit_price' })
  line_total!: number;
}

export class ReservationDto {
  @ApiProperty({ example: '42' })
  order_id!: string;

  @ApiProperty({ enum: STATUSES, example: 'active' })
  status!: ReservationStatus;

  @ApiProperty({ type: ReservationItemDto, isArray: true })
  items!: ReservationItemDto[];

  @ApiProperty({ example: 18000, description: 'Sum of line totals, KRW won' })
  total_price!: number;

  @ApiProperty({ example: 'KRW', enum: ['KRW'] })
  currency!: 'KRW';

  @ApiProperty({ example: 1, nullable: true, type: Number, description: 'User of the token that reserved' })
  user_id!: number | null;

  @ApiProperty({ example: '2026-11-22T09:00:00.000Z' })
  created_at!: string;

  @ApiProperty({ example: '2026-11-22T09:00:00.000Z' })
  updated_at!: string;

  @ApiProperty({ example: null, nullable: true, type: String })
  committed_at!: string | null;

  @ApiProperty({ example: null, nullable: true, type: String })
  released_at!: string | null;
}

export class ReservationResultDto extends ReservationDto {
  @ApiProperty({
    enum: RESERVATION_OUTCOMES,
    example: 'reserved',
    description:
      'What this request did. reserved (201) · replayed: same request seen before, nothing moved · ' +
      'committed / already_committed · released / already_released / already_cancelled · cancelled · ' +
      'not_found: no such reservation; recorded as released so a late reserve for this order id is refused',
  })
  outcome!: ReservationOutcome;
}

export class ReservationPageDto {
  @ApiProperty({ type: ReservationDto, isArray: true })
  reservations!: ReservationDto[];

  @ApiProperty({ example: '142', nullable: true, type: String, description: 'Cursor for the next page' })
  next_after!: string | null;
}

export const MAX_BATCH_COMMITS = 500;

export class CommitReservationsDto {
  @ApiProperty({
    type: [String],
    example: ['42', '43'],
    description: `Order ids whose reservations to commit (1-${MAX_BATCH_COMMITS}, no duplicates)`,
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BATCH_COMMITS)
  @ArrayUnique()
  @Matches(ORDER_KEY_PATTERN, { each: true, message: 'each order id must be a 1-64 character order key' })
  order_ids!: string[];
}

export class CommitOutcomeDto {
  @ApiProperty({ example: '42' })
  order_id!: string;

  @ApiProperty({
    enum: [
      'committed',
      'already_committed',
      'RESERVATION_RELEASED',
      'RESERVATION_NOT_FOUND',
      'INVENTORY_BUSY',
    ],
    example: 'committed',
    description:
      'committed / already_committed: done · RESERVATION_RELEASED: released or cancelled, cannot be committed · ' +
      'RESERVATION_NOT_FOUND · INVENTORY_BUSY: changed by another request meanwhile, try again',
  })
  result!:
    'committed' | 'already_committed' | 'RESERVATION_RELEASED' | 'RESERVATION_NOT_FOUND' | 'INVENTORY_BUSY';
}

export class CommitReservationsResultDto {
  @ApiProperty({ type: CommitOutcomeDto, isArray: true })
  results!: CommitOutcomeDto[];
}

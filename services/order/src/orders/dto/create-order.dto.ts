import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsInt,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { MAX_LINE_QUANTITY, type ReservationLine } from '@food-delivery/contracts';

export const MAX_ORDER_ITEMS = 50;
/** Digits with optional single dashes between them and an optional leading +: 7–20 digits. */
export const PHONE_PATTERN = /^\+?[0-9](?:-?[0-9]){6,19}$/;

export class OrderItemRequestDto implements ReservationLine {
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

export class CreateOrderDto {
  @ApiProperty({
    type: OrderItemRequestDto,
    isArray: true,
    minItems: 1,
    maxItems: MAX_ORDER_ITEMS,
    description: 'Distinct menus (a menu_id appears once); prices come from the restaurant service',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_ORDER_ITEMS)
  @ArrayUnique((item: OrderItemRequestDto | undefined) => item?.menu_id, {
    message: 'items must not repeat a menu_id (add up the quantities instead)',
  })
  @ValidateNested({ each: true })
  @Type(() => OrderItemRequestDto)
  items!: OrderItemRequestDto[];

  @ApiProperty({ example: '서울시 강남구 123-45', minLength: 1, maxLength: 200 })
  @IsString()
  @Length(1, 200)
  @Matches(/\S/, { message: 'address must not be blank' })
  address!: string;

  @ApiProperty({ example: '010-1234-5678', pattern: PHONE_PATTERN.source })
  @IsString()
  @Matches(PHONE_PATTERN, {
    message: 'phone must be 7-20 digits, optionally with single dashes and a leading + (e.g. 010-1234-5678)',
  })
  phone!: string;
}

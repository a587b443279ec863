import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';

/** Largest quantity one direct stock update may move. */
export const MAX_UPDATE_QUANTITY = 1_000_000;

export class QuantityDto {
  @ApiProperty({ example: 1, minimum: 1, maximum: MAX_UPDATE_QUANTITY, description: 'Whole units' })
  @IsInt()
  @Min(1)
  @Max(MAX_UPDATE_QUANTITY)
  quantity!: number;
}

export class StockChangeDto {
  @ApiProperty({ example: 1 })
  menu_id!: number;

  @ApiProperty({ example: 'Bibimbap' })
  name!: string;

  @ApiProperty({ example: 1, description: 'Units removed (decrease) or added back (restore)' })
  quantity!: number;

  @ApiProperty({ example: 100, description: 'Units in stock before the change' })
  previous_inventory!: number;

  @ApiProperty({ example: 99, description: "Units in stock after the change (the original service's name)" })
  remaining_inventory!: number;

  @ApiProperty({ example: true, description: 'true exactly when remaining_inventory > 0' })
  is_available!: boolean;
}

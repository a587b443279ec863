import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsInt,
  IsOptional,
  Max,
  Min,
} from 'class-validator';
import { MAX_STOCK } from '../../inventory/stock-errors';

export class ResetStockDto {
  @ApiProperty({ example: 100000, minimum: 0, maximum: MAX_STOCK, description: 'New stock of every menu' })
  @IsInt()
  @Min(0)
  @Max(MAX_STOCK)
  stock!: number;

  @ApiPropertyOptional({ example: [1, 2], type: [Number], description: 'Only these menus (default: all)' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @ArrayUnique()
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(2_147_483_647, { each: true })
  menu_ids?: number[];
}

export class ResetMenuDto {
  @ApiProperty({ example: 1 })
  menu_id!: number;

  @ApiProperty({ example: 'Bibimbap' })
  name!: string;

  @ApiProperty({ example: 9950 })
  previous_stock!: number;

  @ApiProperty({ example: 100000 })
  stock!: number;
}

export class ResetStockResultDto {
  @ApiProperty({ example: 100000 })
  stock!: number;

  @ApiProperty({ type: ResetMenuDto, isArray: true })
  menus!: ResetMenuDto[];
}

import { ApiProperty } from '@nestjs/swagger';

export class AdjustmentTotalsDto {
  @ApiProperty({ example: 10000, description: 'Stock given by the seed' })
  seed!: number;

  @ApiProperty({ example: 90000, description: 'Net change made by admin stock resets' })
  reset!: number;

  @ApiProperty({ example: -3, description: 'Units removed by PUT /inventory/{menuId} (negative)' })
  decrease!: number;

  @ApiProperty({ example: 1, description: 'Units added by PUT /inventory/{menuId}/restore' })
  restore!: number;
}

export class MenuAuditDto {
  @ApiProperty({ example: 1 })
  menu_id!: number;

  @ApiProperty({ example: 'Bibimbap' })
  name!: string;

  @ApiProperty({
    example: 99998,
    description: 'Sum of every non-reservation stock movement (seed + resets + direct updates)',
  })
  initial_stock!: number;

  @ApiProperty({ example: 99990 })
  stock!: number;

  @ApiProperty({ example: 3, description: 'Units held by active reservations' })
  reserved_active!: number;

  @ApiProperty({ example: 5, description: 'Units consumed by committed reservations' })
  reserved_committed!: number;

  @ApiProperty({ example: 0, description: 'initial_stock − (stock + reserved_active + reserved_committed)' })
  drift!: number;

  @ApiProperty({ example: true })
  ok!: boolean;

  @ApiProperty({ type: AdjustmentTotalsDto })
  adjustments!: AdjustmentTotalsDto;
}

export class ReservationCountsDto {
  @ApiProperty({ example: 0 })
  active!: number;

  @ApiProperty({ example: 42 })
  committed!: number;

  @ApiProperty({ example: 7 })
  released!: number;

  @ApiProperty({ example: 1 })
  cancelled!: number;
}

export class AuditDto {
  @ApiProperty({ example: true, description: 'true when the invariant holds for every menu' })
  ok!: boolean;

  @ApiProperty({ example: '2026-11-22T09:00:00.000Z' })
  checked_at!: string;

  @ApiProperty({ type: MenuAuditDto, isArray: true, description: 'Menus where the invariant does not hold' })
  violations!: MenuAuditDto[];

  @ApiProperty({ type: ReservationCountsDto, description: 'Reservations by status' })
  reservations!: ReservationCountsDto;

  @ApiProperty({ type: MenuAuditDto, isArray: true })
  menus!: MenuAuditDto[];
}

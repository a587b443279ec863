import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class MenuStockAuditDto {
  @ApiProperty({ example: 1 })
  menu_id!: number;

  @ApiProperty({ example: 'Bibimbap' })
  name!: string;

  @ApiProperty({
    example: 100,
    description: "The restaurant's initial stock (seed + resets + direct updates)",
  })
  initial_stock!: number;

  @ApiProperty({ example: 58 })
  stock!: number;

  @ApiProperty({ example: 42, description: 'Sum of the quantities of CONFIRMED orders for this menu' })
  confirmed_quantity!: number;

  @ApiProperty({ example: 0, description: 'initial_stock − (stock + confirmed_quantity)' })
  drift!: number;

  @ApiProperty({ example: true })
  ok!: boolean;
}

export class AuditViolationDto {
  @ApiProperty({
    example: 'stock_mismatch',
    enum: [
      'stock_mismatch',
      'restaurant_invariant',
      'reservation_of_inactive_order',
      'orphan_reservation',
      'dead_saga_task',
    ],
  })
  type!: string;

  @ApiProperty({ example: 'menu 1: initial 100 ≠ stock 57 + confirmed 42 (drift 1)' })
  message!: string;

  @ApiPropertyOptional({ example: 1 })
  menu_id?: number;

  @ApiPropertyOptional({ example: '42' })
  order_id?: string;
}

export class OrderAuditDto {
  @ApiProperty({ example: true, description: 'No violation found' })
  ok!: boolean;

  @ApiProperty({
    example: true,
    description:
      'No order is PENDING and no saga task is waiting: the check is meaningful (run it after traffic stopped)',
  })
  settled!: boolean;

  @ApiProperty({ example: '2026-11-22T09:00:00.000Z' })
  checked_at!: string;

  @ApiProperty({ example: { PENDING: 0, CONFIRMED: 42, FAILED: 7, CANCELLED: 3 } })
  orders!: Record<string, number>;

  @ApiProperty({
    example: { pending: 0, dead: 0 },
    description: 'Outbox tasks waiting, and refused for good',
  })
  saga_tasks!: { pending: number; dead: number };

  @ApiProperty({ example: { active: 0, committed: 42, released: 10, cancelled: 3 } })
  reservations!: Record<string, number>;

  @ApiProperty({ example: 0 })
  violation_count!: number;

  @ApiProperty({ type: AuditViolationDto, isArray: true, description: 'At most 200 listed' })
  violations!: AuditViolationDto[];

  @ApiProperty({ type: MenuStockAuditDto, isArray: true })
  menus!: MenuStockAuditDto[];

  @ApiProperty({
    example: false,
    description: 'More reservations than AUDIT_MAX_RESERVATIONS: not all checked',
  })
  truncated!: boolean;
}

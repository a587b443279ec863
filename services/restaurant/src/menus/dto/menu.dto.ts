import { ApiProperty } from '@nestjs/swagger';
import type { Menu } from '../menu.entity';

export class MenuDto {
  @ApiProperty({ example: 1 })
  id!: number;

  @ApiProperty({ example: 1 })
  restaurant_id!: number;

  @ApiProperty({ example: 'Seoul Kitchen' })
  restaurant_name!: string;

  @ApiProperty({ example: 'Bibimbap' })
  name!: string;

  @ApiProperty({ example: 'Rice with seasoned vegetables, beef, fried egg and gochujang' })
  description!: string;

  @ApiProperty({ example: 9000, description: 'Unit price in whole KRW won (integer)' })
  price!: number;

  @ApiProperty({ example: 'KRW', enum: ['KRW'] })
  currency!: 'KRW';

  @ApiProperty({
    example: 'https://example.com/bibimbap.jpg',
    nullable: true,
    type: String,
    description: 'Picture of the dish; null when there is none',
  })
  image_url!: string | null;

  @ApiProperty({ example: 10000, minimum: 0, description: 'Units in stock' })
  inventory!: number;

  @ApiProperty({ example: true, description: 'true exactly when inventory > 0' })
  is_available!: boolean;

  @ApiProperty({ example: '2026-11-01T09:00:00.000Z', description: 'When the menu was added' })
  created_at!: string;

  @ApiProperty({ example: '2026-11-22T09:00:00.000Z' })
  updated_at!: string;

  static from(menu: Menu & { restaurant?: { name: string } }): MenuDto {
    return {
      id: menu.id,
      restaurant_id: menu.restaurantId,
      restaurant_name: menu.restaurant?.name ?? '',
      name: menu.name,
      description: menu.description,
      price: menu.price,
      currency: 'KRW',
      image_url: menu.imageUrl,
      inventory: menu.stock,
      is_available: menu.available,
      created_at: menu.createdAt.toISOString(),
      updated_at: menu.updatedAt.toISOString(),
    };
  }
}

import { ApiProperty } from '@nestjs/swagger';
import { MenuDto } from '../../menus/dto/menu.dto';
import type { Restaurant } from '../restaurant.entity';

export class RestaurantDto {
  @ApiProperty({ example: 1 })
  id!: number;

  @ApiProperty({ example: 'Seoul Kitchen' })
  name!: string;

  @ApiProperty({ example: 'korean' })
  cuisine!: string;

  @ApiProperty({ example: '서울시 강남구 테헤란로 123' })
  address!: string;

  @ApiProperty({ example: '02-555-0101', nullable: true, type: String })
  phone!: string | null;

  static from(restaurant: Restaurant): RestaurantDto {
    return {
      id: restaurant.id,
      name: restaurant.name,
      cuisine: restaurant.cuisine,
      address: restaurant.address,
      phone: restaurant.phone,
    };
  }
}

export class RestaurantWithMenusDto extends RestaurantDto {
  @ApiProperty({ type: MenuDto, isArray: true })
  menus!: MenuDto[];

  static withMenus(restaurant: Restaurant): RestaurantWithMenusDto {
    return {
      ...RestaurantDto.from(restaurant),
      menus: (restaurant.menus ?? [])
        .sort((a, b) => a.id - b.id)
        .map((menu) => MenuDto.from({ ...menu, restaurant })),
    };
  }
}

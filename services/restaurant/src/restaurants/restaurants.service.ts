import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { ApiError } from '@food-delivery/http';
import type { Repository } from 'typeorm';
import { RestaurantDto, RestaurantWithMenusDto } from './dto/restaurant.dto';
import { Restaurant } from './restaurant.entity';

/** Restaurants change rarely and are not on a hot path: read straight from Postgres, no cache. */
@Injectable()
export class RestaurantsService {
  constructor(@InjectRepository(Restaurant) private readonly restaurants: Repository<Restaurant>) {}

  async list(): Promise<RestaurantDto[]> {
    const all = await this.restaurants.find({ order: { id: 'ASC' } });
    return all.map((restaurant) => RestaurantDto.from(restaurant));
  }

  /** One restaurant with its menus, in one query. */
  async findOne(id: number): Promise<RestaurantWithMenusDto> {
    const restaurant = await this.restaurants
      .createQueryBuilder('restaurant')
      .leftJoinAndSelect('restaurant.menus', 'menu')
      .where('restaurant.id = :id', { id })
      .orderBy('menu.id')
      .getOne();
    if (!restaurant) throw new ApiError(404, 'RESTAURANT_NOT_FOUND', `Restaurant ${id} does not exist`);
    return RestaurantWithMenusDto.withMenus(restaurant);
  }
}

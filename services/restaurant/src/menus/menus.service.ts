import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { ApiError } from '@food-delivery/http';
import { setSpanAttributes } from '@food-delivery/observability';
import type { Repository } from 'typeorm';
import { RestaurantEnv } from '../restaurant.env';
import { MenuDto } from './dto/menu.dto';
import { MENU_LIST_KEY, MenuCache, menuKey, type CachedBody } from './menu-cache.service';
import { Menu } from './menu.entity';

export const menuNotFound = (id: number): ApiError =>
  new ApiError(404, 'MENU_NOT_FOUND', `Menu ${id} does not exist`);

@Injectable()
export class MenusService {
  constructor(
    @InjectRepository(Menu) private readonly menus: Repository<Menu>,
    private readonly cache: MenuCache,
    private readonly env: RestaurantEnv,
  ) {}

  /** Every menu, ordered by id (cached MENUS_CACHE_TTL_MS). */
  list(): Promise<CachedBody> {
    return this.cache.get(MENU_LIST_KEY, this.env.MENUS_CACHE_TTL_MS, async () => {
      const menus = await this.query().orderBy('menu.id').getMany();
      return menus.map((menu) => MenuDto.from(menu));
    });
  }

  /** One menu (cached MENU_CACHE_TTL_MS); 404 MENU_NOT_FOUND is not cached. */
  findOne(id: number): Promise<CachedBody> {
    setSpanAttributes({ 'menu.id': id });
    return this.cache.get(menuKey(id), this.env.MENU_CACHE_TTL_MS, async () => {
      const menu = await this.query().where('menu.id = :id', { id }).getOne();
      if (!menu) throw menuNotFound(id);
      return MenuDto.from(menu);
    });
  }

  private query() {
    return this.menus.createQueryBuilder('menu').innerJoinAndSelect('menu.restaurant', 'restaurant');
  }
}

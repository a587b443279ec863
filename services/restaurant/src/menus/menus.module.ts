import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MenuCacheHitsHook } from './menu-cache-hits.hook';
import { MenuCache } from './menu-cache.service';
import { Menu } from './menu.entity';
import { MenusController } from './menus.controller';
import { MenusService } from './menus.service';

@Module({
  imports: [TypeOrmModule.forFeature([Menu])],
  controllers: [MenusController],
  providers: [MenusService, MenuCache, MenuCacheHitsHook],
  exports: [MenuCache],
})
export class MenusModule {}

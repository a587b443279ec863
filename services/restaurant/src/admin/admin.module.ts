import { Module } from '@nestjs/common';
import { InventoryModule } from '../inventory/inventory.module';
import { AdminKeyGuard } from './admin-key.guard';
import { AdminController } from './admin.controller';
import { StockAdminService } from './stock-admin.service';

@Module({
  imports: [InventoryModule],
  controllers: [AdminController],
  providers: [StockAdminService, AdminKeyGuard],
  exports: [StockAdminService],
})
export class AdminModule {}

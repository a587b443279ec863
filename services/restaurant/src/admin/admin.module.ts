import { Module } from '@nestjs/common';
import { InventoryModule } from '../inventory/inventory.module';
import { AdminAccessGuard } from './admin-access.guard';
import { AdminController } from './admin.controller';
import { StockAdminService } from './stock-admin.service';

@Module({
  imports: [InventoryModule],
  controllers: [AdminController],
  providers: [StockAdminService, AdminAccessGuard],
  exports: [StockAdminService],
})
export class AdminModule {}

import { Module } from '@nestjs/common';
import { MenusModule } from '../menus/menus.module';
import { AuditService } from './audit.service';
import { InventoryController } from './inventory.controller';
import { InventoryTransactions } from './inventory-transactions.service';
import { InventoryService } from './inventory.service';
import { StockMetrics } from './stock-metrics';

@Module({
  imports: [MenusModule],
  controllers: [InventoryController],
  providers: [InventoryService, AuditService, InventoryTransactions, StockMetrics],
  exports: [InventoryTransactions, MenusModule],
})
export class InventoryModule {}

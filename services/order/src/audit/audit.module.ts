import { Module } from '@nestjs/common';
import { DownstreamModule } from '../downstream/downstream.module';
import { OrdersModule } from '../orders/orders.module';
import { OrderAuditController } from './order-audit.controller';
import { OrderAuditService } from './order-audit.service';

@Module({
  imports: [DownstreamModule, OrdersModule],
  controllers: [OrderAuditController],
  providers: [OrderAuditService],
})
export class AuditModule {}

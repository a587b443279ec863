import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DownstreamModule } from '../downstream/downstream.module';
import { PaymentService } from '../payments/payment.service';
import { OrderSaga } from '../saga/order-saga.service';
import { RecoveryService } from '../saga/recovery.service';
import { SagaTasks } from '../saga/saga-tasks.service';
import { SagaWorker } from '../saga/saga-worker.service';
import { AccountStatus } from './account-status.service';
import { ActiveAccountGuard } from './active-account.guard';
import { OrderCache } from './order-cache.service';
import { OrderItem } from './order-item.entity';
import { Order } from './order.entity';
import { OrderStore } from './order-store.service';
import { OrdersController } from './orders.controller';
import { OrdersService } from './orders.service';

/** Orders, the saga that places them, its outbox worker and the recovery loop (one unit: they share the store). */
@Module({
  imports: [TypeOrmModule.forFeature([Order, OrderItem]), DownstreamModule],
  controllers: [OrdersController],
  providers: [
    OrdersService,
    AccountStatus,
    ActiveAccountGuard,
    OrderStore,
    OrderCache,
    PaymentService,
    SagaTasks,
    OrderSaga,
    SagaWorker,
    RecoveryService,
  ],
  exports: [OrderStore, SagaTasks, SagaWorker, RecoveryService],
})
export class OrdersModule {}

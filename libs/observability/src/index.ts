export { DefaultMetrics, MetricsController, MetricsModule } from './metrics.module';

import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DatabaseProbe } from './database-probe';
import { HealthController } from './health.controller';

/** /health/live and /health/ready. Needs the RedisModule in the app; Postgres is probed on its own connection. */
@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'json', logger: false })],
  controllers: [HealthController],
  providers: [DatabaseProbe],
})
export class HealthModule {}

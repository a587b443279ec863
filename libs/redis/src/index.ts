export { RedisModule } from './redis.module';
export { READ_BACKOFF_MS, RedisService, redisOptions } from './redis.service';

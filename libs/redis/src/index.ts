export { RedisModule } from './redis.module';
export { RedisService, redisOptions } from './redis.service';

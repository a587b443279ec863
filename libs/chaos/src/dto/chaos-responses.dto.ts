import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** One active fault as `GET /chaos` shows it. Knob settings appear only for the knobs that have them. */
export class ChaosFaultDto {
  @ApiProperty({
    example: 'delay',
    description: '`type`, or `type@instance` for a fault aimed at one replica',
  })
  id!: string;

  @ApiProperty({ example: 'delay', description: 'The knob (see `knobs`)' })
  type!: string;

  @ApiProperty({
    example: null,
    nullable: true,
    type: String,
    description: 'The replica it is limited to; null: every replica',
  })
  instance!: string | null;

  @ApiProperty({ example: true, description: 'Whether the fault applies to the replica that answered' })
  applies_here!: boolean;

  @ApiProperty({
    example: true,
    description: 'Stored in Redis, so every replica has it (false: set while Redis was unreachable)',
  })
  shared!: boolean;

  @ApiProperty({ example: '2026-11-22T09:00:00.000Z' })
  set_at!: string;

  @ApiProperty({
    example: 'user-service-1',
    description: 'INSTANCE_ID of the replica that accepted the change',
  })
  set_by!: string;

  @ApiProperty({ example: '2026-11-22T09:05:00.000Z', nullable: true, type: String })
  expires_at!: string | null;

  @ApiProperty({
    example: 300,
    nullable: true,
    type: Number,
    description: 'Seconds left (rounded up); null: no expiry',
  })
  ttl_remaining_s!: number | null;

  @ApiPropertyOptional({ example: 1500 })
  delay_ms?: number;

  @ApiPropertyOptional({ example: 0 })
  jitter_ms?: number;

  @ApiPropertyOptional({ example: 100 })
  percent?: number;

  @ApiPropertyOptional({ example: 500 })
  status?: number;

  @ApiPropertyOptional({ example: null, nullable: true, type: [String] })
  routes?: string[] | null;

  @ApiPropertyOptional({ example: 30 })
  fail_percent?: number;
}

export class ChaosKnobInfoDto {
  @ApiProperty({ example: 'delay' })
  name!: string;

  @ApiProperty({ example: 'POST /chaos/delay' })
  endpoint!: string;

  @ApiProperty({ example: '👉 Add latency to API calls' })
  summary!: string;

  @ApiProperty({
    example: null,
    nullable: true,
    type: Number,
    description: 'TTL (s) applied when the body gives none (destructive knobs); null: none',
  })
  default_ttl_s!: number | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: { type: 'object', properties: { delay_ms: { type: 'number', minimum: 0, maximum: 60000 } } },
    description: 'JSON schema of the body',
  })
  schema!: Record<string, unknown>;
}

export class ChaosStateDto {
  @ApiProperty({ example: 'user-service' })
  service!: string;

  @ApiProperty({ example: 'user-service-1', description: 'INSTANCE_ID of the replica that answered' })
  instance!: string;

  @ApiProperty({
    example: true,
    description:
      'Whether fault state is shared with the other replicas right now (Redis reachable, pub/sub live, ' +
      'nothing waiting to be written). false: changes apply to this replica only until Redis is back.',
  })
  shared!: boolean;

  @ApiProperty({ enum: ['connected', 'unavailable', 'off'], example: 'connected' })
  redis!: 'connected' | 'unavailable' | 'off';

  @ApiProperty({ example: ['delay', 'error'], type: [String], description: 'Knobs this service offers' })
  knobs!: string[];

  @ApiProperty({
    type: () => [ChaosKnobInfoDto],
    description: 'Every knob with its endpoint and the JSON schema of its body',
  })
  catalogue!: ChaosKnobInfoDto[];

  @ApiProperty({ type: [ChaosFaultDto] })
  faults!: ChaosFaultDto[];
}

export class ChaosChangeDto {
  @ApiProperty({ enum: ['set', 'cleared', 'reset'], example: 'set' })
  action!: 'set' | 'cleared' | 'reset';

  @ApiPropertyOptional({ type: ChaosFaultDto, description: 'The fault now in force (action "set")' })
  fault?: ChaosFaultDto;

  @ApiProperty({ example: 0, description: 'Faults removed by this call' })
  cleared!: number;

  @ApiProperty({
    example: true,
    description: 'false: Redis is unreachable, the change applies to this replica only for now',
  })
  shared!: boolean;
}

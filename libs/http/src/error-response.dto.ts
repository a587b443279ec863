import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The shape of every error response, for Swagger. */
export class ErrorResponseDto {
  @ApiProperty({ example: 400 })
  statusCode!: number;

  @ApiProperty({ example: 'VALIDATION_FAILED', description: 'Stable machine-readable error code' })
  code!: string;

  @ApiProperty({ example: 'username must be longer than or equal to 3 characters' })
  message!: string;

  @ApiProperty({
    example: 'username must be longer than or equal to 3 characters',
    description: "The same text as `message`, under FastAPI's name (the original service's clients read it)",
  })
  detail!: string;

  @ApiProperty({
    example: '4bf92f3577b34da6a3ce929d0e0e4736',
    description: 'Trace id (or request id) to find the logs',
  })
  traceId!: string;

  @ApiPropertyOptional({ type: [String], example: ['username must be longer than or equal to 3 characters'] })
  details?: string[];

  @ApiPropertyOptional({ example: 'user-service', description: 'The dependency that failed' })
  dependency?: string;
}

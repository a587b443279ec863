import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';

/** OAuth2 client-credentials grant (RFC 6749 §4.4), JSON or form-encoded: how services get their own token. */
export class ClientCredentialsDto {
  @ApiProperty({ example: 'client_credentials', enum: ['client_credentials'] })
  @IsIn(['client_credentials'])
  grant_type!: 'client_credentials';

  @ApiProperty({ example: 'order-service' })
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9-]{0,63}$/, { message: 'client_id must be 1-64 chars of [a-z0-9-]' })
  client_id!: string;

  @ApiProperty({ description: 'The secret configured for this client in SERVICE_CLIENTS', writeOnly: true })
  @IsString()
  @Length(1, 256)
  client_secret!: string;

  @ApiPropertyOptional({
    description: 'Space-separated subset of the scopes the client is granted (default: all of them)',
    example: 'users:validate',
  })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  scope?: string;
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, MaxLength } from 'class-validator';

/**
 * JSON or application/x-www-form-urlencoded (OAuth2 password form: k6 and JMeter send it this way).
 * The optional OAuth2 form fields are accepted and ignored.
 */
export class LoginDto {
  @ApiProperty({ example: 'user' })
  @IsString()
  @Length(1, 32)
  username!: string;

  @ApiProperty({ example: 'pass', writeOnly: true })
  @IsString()
  @Length(1, 128)
  password!: string;

  @ApiPropertyOptional({ example: 'password', description: 'OAuth2 form field; only "password" is accepted' })
  @IsOptional()
  @IsIn(['password'])
  grant_type?: string;

  @ApiPropertyOptional({ description: 'OAuth2 form field, ignored' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  scope?: string;

  @ApiPropertyOptional({ description: 'OAuth2 form field, ignored' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  client_id?: string;

  @ApiPropertyOptional({ description: 'OAuth2 form field, ignored' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  client_secret?: string;
}

export class TokenResponseDto {
  @ApiProperty({ example: 'eyJhbGciOiJSUzI1NiIsImtpZCI6Ij…' })
  access_token!: string;

  @ApiProperty({ example: 'bearer' })
  token_type!: 'bearer';

  @ApiProperty({ example: 3600, description: 'Seconds until the token expires' })
  expires_in!: number;

  @ApiProperty({ example: 'orders users:read', description: 'The scopes the token grants (space-separated)' })
  scope!: string;
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';

export const USERNAME_PATTERN = /^[a-zA-Z0-9_.-]+$/;

export class SignupDto {
  @ApiProperty({ example: 'alice', minLength: 3, maxLength: 32, pattern: '^[a-zA-Z0-9_.-]+$' })
  @IsString()
  @Length(3, 32)
  @Matches(USERNAME_PATTERN, { message: 'username may contain only letters, digits, "_", "." and "-"' })
  username!: string;

  @ApiProperty({ example: 's3cret-pass', minLength: 4, maxLength: 128, writeOnly: true })
  @IsString()
  @Length(4, 128)
  password!: string;

  @ApiPropertyOptional({ example: 'Alice Kim', maxLength: 100 })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  name?: string;

  @ApiPropertyOptional({ example: 'alice@example.com', maxLength: 254 })
  @IsOptional()
  @IsEmail()
  @MaxLength(254)
  email?: string;
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min, ValidateIf } from 'class-validator';

export class ValidateUserDto {
  @ApiPropertyOptional({
    example: 1,
    minimum: 1,
    description: "The user to confirm (services, operators); omit it to confirm the caller's own account",
  })
  // Absent is the caller form; an explicit null is not a user id.
  @ValidateIf((dto: ValidateUserDto) => dto.user_id !== undefined)
  @IsInt()
  @Min(1)
  @Max(2_147_483_647)
  user_id?: number;
}

export class ValidateQueryDto {
  @ApiPropertyOptional({
    example: 2000,
    minimum: 0,
    maximum: 10000,
    description: 'Chaos: delay this response by N milliseconds (0–10000)',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(10000)
  delay?: number;
}

export class ValidateResponseDto {
  @ApiProperty({ example: true })
  valid!: true;

  @ApiProperty({ example: 1 })
  user_id!: number;

  @ApiProperty({ example: 'user' })
  username!: string;
}

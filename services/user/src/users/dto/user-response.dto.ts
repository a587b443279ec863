import { ApiProperty } from '@nestjs/swagger';
import type { User } from '../user.entity';

/** A user as others may see it: never the password hash. */
export class UserResponseDto {
  @ApiProperty({ example: 1 })
  id!: number;

  @ApiProperty({ example: 'alice' })
  username!: string;

  @ApiProperty({ example: 'Alice Kim', nullable: true, type: String })
  name!: string | null;

  @ApiProperty({ example: 'alice@example.com', nullable: true, type: String })
  email!: string | null;

  @ApiProperty({ example: '2026-11-22T09:00:00.000Z' })
  created_at!: string;

  static from(user: User): UserResponseDto {
    return {
      id: user.id,
      username: user.username,
      name: user.name,
      email: user.email,
      created_at: user.createdAt.toISOString(),
    };
  }
}

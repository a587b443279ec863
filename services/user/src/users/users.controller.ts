import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Public, RequireScope, Scope } from '@food-delivery/auth';
import { ErrorResponseDto, ParseIdPipe } from '@food-delivery/http';
import { setTimeout as sleep } from 'node:timers/promises';
import { SignupDto } from './dto/signup.dto';
import { UserResponseDto } from './dto/user-response.dto';
import { ValidateQueryDto, ValidateResponseDto, ValidateUserDto } from './dto/validate.dto';
import { UsersService } from './users.service';

@Controller()
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Public()
  @Post('signup')
  @ApiTags('users')
  @ApiOperation({
    summary: '👉 Sign up',
    description: 'Creates an account. The password is stored as an argon2id hash.',
  })
  @ApiCreatedResponse({ type: UserResponseDto })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'Invalid body (VALIDATION_FAILED, INVALID_JSON)',
  })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'USERNAME_TAKEN' })
  async signup(@Body() dto: SignupDto): Promise<UserResponseDto> {
    return UserResponseDto.from(await this.users.signup(dto));
  }

  @Get('users/:id')
  @RequireScope(Scope.UsersRead)
  @ApiTags('users')
  @ApiOperation({
    summary: '👉 Get a user profile',
    description: 'Public profile of any user; needs a valid token.',
  })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'INVALID_ID: the id is not a positive integer',
  })
  @ApiUnauthorizedResponse({
    type: ErrorResponseDto,
    description: 'TOKEN_MISSING, TOKEN_INVALID, TOKEN_EXPIRED',
  })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'USER_NOT_FOUND' })
  async findOne(@Param('id', ParseIdPipe) id: number): Promise<UserResponseDto> {
    return UserResponseDto.from(await this.users.findById(id));
  }

  @Post('validate')
  @HttpCode(200)
  @RequireScope(Scope.UsersValidate)
  @ApiTags('users')
  @ApiOperation({
    summary: '👉 Validate a user before an order (used by the order service)',
    description:
      'Confirms the user exists. Service or operator token only (a user token gets 403). Chaos: ' +
      '`?delay=2000` delays only this response by that many ms (0–10000), to exercise the order service ' +
      'timeouts.',
  })
  @ApiUnauthorizedResponse({
    type: ErrorResponseDto,
    description: 'TOKEN_MISSING, TOKEN_INVALID, TOKEN_EXPIRED',
  })
  @ApiOkResponse({ type: ValidateResponseDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'VALIDATION_FAILED: bad user_id or delay' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'USER_NOT_FOUND' })
  async validate(
    @Body() dto: ValidateUserDto,
    @Query() query: ValidateQueryDto,
  ): Promise<ValidateResponseDto> {
    if (query.delay) await sleep(query.delay);
    const user = await this.users.findIdentity(dto.user_id);
    return { valid: true, user_id: user.id, username: user.username };
  }
}

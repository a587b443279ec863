import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiExtension,
  ApiForbiddenResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CurrentUser, Public, RequireScope, Scope, type AuthUser } from '@food-delivery/auth';
import { ErrorResponseDto, ParseIdPipe } from '@food-delivery/http';
import { setTimeout as sleep } from 'node:timers/promises';
import { SignupDto } from './dto/signup.dto';
import { validateTarget } from './validate-target';
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
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'USERNAME_TAKEN, EMAIL_TAKEN' })
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
  @ApiTags('users')
  @ApiBearerAuth('bearer')
  @ApiOperation({
    summary: '👉 Validate a user before an order (used by the order service)',
    description:
      'Two forms. **Service form** `{"user_id": 1}`: confirms that user exists; a service or operator token ' +
      '(scope `users:validate`), a user token gets 403. **Caller form** (no body, as the original frontend sends ' +
      "it): confirms the caller's own account with the caller's own user token, and never tells about anyone " +
      'else. Chaos: `?delay=2000` delays only this response by that many ms (0–10000), to exercise the order ' +
      'service timeouts.',
  })
  @ApiBody({ type: ValidateUserDto, required: false })
  // The service form's scope; the caller form needs only a valid user token.
  @ApiExtension('x-required-scope', Scope.UsersValidate)
  @ApiUnauthorizedResponse({
    type: ErrorResponseDto,
    description: 'TOKEN_MISSING, TOKEN_INVALID, TOKEN_EXPIRED',
  })
  @ApiForbiddenResponse({
    type: ErrorResponseDto,
    description: 'INSUFFICIENT_SCOPE: `user_id` with a user token (needs `users:validate`)',
  })
  @ApiOkResponse({ type: ValidateResponseDto })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'VALIDATION_FAILED: bad user_id or delay; a service token without user_id',
  })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'USER_NOT_FOUND' })
  async validate(
    @Body() dto: ValidateUserDto,
    @Query() query: ValidateQueryDto,
    @CurrentUser() caller: AuthUser,
  ): Promise<ValidateResponseDto> {
    const userId = validateTarget(caller, dto.user_id);
    if (query.delay) await sleep(query.delay);
    const user = await this.users.findIdentity(userId);
    return { valid: true, user_id: user.id, username: user.username };
  }
}

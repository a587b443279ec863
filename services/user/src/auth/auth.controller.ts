import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Public } from '@food-delivery/auth';
import { ErrorResponseDto } from '@food-delivery/http';
import { AuthService } from './auth.service';
import { ClientCredentialsDto } from './dto/client-credentials.dto';
import { LoginDto, TokenResponseDto } from './dto/login.dto';

@ApiTags('auth')
@Controller()
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Post('login')
  @HttpCode(200)
  @ApiOperation({
    summary: '👉 Log in and get a JWT',
    description:
      'Accepts JSON or an OAuth2 password form (`application/x-www-form-urlencoded`, or `multipart/form-data` as ' +
      'browsers send FormData). Returns an RS256 access ' +
      'token to send as `Authorization: Bearer <token>`, with the scopes of the account (users: `orders ' +
      'users:read`; operators also `chaos:write admin inventory:write reservations:read users:validate`). ' +
      'Demo account: user / pass.',
  })
  @ApiConsumes('application/json', 'application/x-www-form-urlencoded', 'multipart/form-data')
  @ApiBody({ type: LoginDto, examples: { demo: { value: { username: 'user', password: 'pass' } } } })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'VALIDATION_FAILED' })
  @ApiUnauthorizedResponse({
    type: ErrorResponseDto,
    description: 'INVALID_CREDENTIALS (same for unknown user and wrong password)',
  })
  @ApiServiceUnavailableResponse({
    type: ErrorResponseDto,
    description: 'OVERLOADED: too many logins in flight',
  })
  login(@Body() dto: LoginDto): Promise<TokenResponseDto> {
    return this.auth.login(dto.username, dto.password);
  }

  @Public()
  @Post('token')
  @HttpCode(200)
  @ApiOperation({
    summary: '👉 Service token (OAuth2 client credentials)',
    description:
      'For services acting on their own behalf (the order service reserving stock, validating users, settling ' +
      'its saga). Clients and secrets come from SERVICE_CLIENTS (`npm start` generates them; never a constant). ' +
      'The token has `sub: "service:<client_id>"` and the scopes the client is granted.',
  })
  @ApiConsumes('application/json', 'application/x-www-form-urlencoded', 'multipart/form-data')
  @ApiBody({ type: ClientCredentialsDto })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'VALIDATION_FAILED' })
  @ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'INVALID_CLIENT' })
  token(@Body() dto: ClientCredentialsDto): Promise<TokenResponseDto> {
    return this.auth.serviceToken(dto.client_id, dto.client_secret, dto.scope);
  }
}

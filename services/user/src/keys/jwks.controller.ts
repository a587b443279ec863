import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '@food-delivery/auth';
import { SigningKeysService, type PublicJwk } from './signing-keys.service';

@ApiTags('auth')
@Public()
@Controller('.well-known')
export class JwksController {
  constructor(private readonly keys: SigningKeysService) {}

  @Get('jwks.json')
  @Header('cache-control', 'public, max-age=300')
  @ApiOperation({
    summary: '👉 Public keys that verify access tokens (JWKS)',
    description: 'Other services fetch this to verify RS256 access tokens without sharing a secret.',
  })
  @ApiOkResponse({
    schema: {
      example: {
        keys: [{ kty: 'RSA', kid: 'Xq4m…', use: 'sig', alg: 'RS256', n: '0vx7agoebGcQSuu…', e: 'AQAB' }],
      },
    },
  })
  jwks(): { keys: PublicJwk[] } {
    return this.keys.jwks();
  }
}

import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiExtension,
  ApiForbiddenResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Public, Scope } from '@food-delivery/auth';
import { ErrorResponseDto } from '@food-delivery/http';
import { AdminAccessGuard } from './admin-access.guard';
import { ResetStockDto, ResetStockResultDto } from './dto/reset-stock.dto';
import { StockAdminService } from './stock-admin.service';

@ApiTags('admin')
@ApiHeader({
  name: 'X-Admin-Key',
  required: false,
  description: 'ADMIN_API_KEY; needed (or an operator token) unless the call comes from loopback',
})
@ApiBearerAuth('bearer')
// The scope of a remote caller's token (loopback callers and X-Admin-Key need none).
@ApiExtension('x-required-scope', Scope.Admin)
// Not the global token guard: local operators need no token, remote ones a key or an operator token.
@Public()
@UseGuards(AdminAccessGuard)
@Controller('admin')
export class AdminController {
  constructor(private readonly admin: StockAdminService) {}

  @Post('stock/reset')
  @HttpCode(200)
  @ApiOperation({
    summary: '👉 Reset stock for a load test',
    description:
      'Sets the stock of every menu (or of `menu_ids`) and records the change as a reset adjustment, so ' +
      '`GET /inventory/audit` stays ok. Operator only: open from loopback; from elsewhere it needs ' +
      '`X-Admin-Key` or an operator token (scope `admin`). Never routed by the gateway.',
  })
  @ApiOkResponse({ type: ResetStockResultDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'VALIDATION_FAILED' })
  @ApiUnauthorizedResponse({
    type: ErrorResponseDto,
    description: 'ADMIN_KEY_REQUIRED, ADMIN_KEY_INVALID, TOKEN_INVALID (remote callers only)',
  })
  @ApiForbiddenResponse({
    type: ErrorResponseDto,
    description: 'INSUFFICIENT_SCOPE (not an operator token) · ADMIN_DISABLED (ADMIN_ENABLED=false)',
  })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'MENU_NOT_FOUND' })
  reset(@Body() dto: ResetStockDto): Promise<ResetStockResultDto> {
    return this.admin.resetStock(dto.stock, dto.menu_ids);
  }
}

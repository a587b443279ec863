import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiForbiddenResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Public } from '@food-delivery/auth';
import { ErrorResponseDto } from '@food-delivery/http';
import { AdminKeyGuard } from './admin-key.guard';
import { ResetStockDto, ResetStockResultDto } from './dto/reset-stock.dto';
import { StockAdminService } from './stock-admin.service';

@ApiTags('admin')
@ApiHeader({ name: 'X-Admin-Key', required: true, description: 'The configured ADMIN_API_KEY' })
// Operators hold an admin key, not a user token.
@Public()
@UseGuards(AdminKeyGuard)
@Controller('admin')
export class AdminController {
  constructor(private readonly admin: StockAdminService) {}

  @Post('stock/reset')
  @HttpCode(200)
  @ApiOperation({
    summary: '👉 Reset stock for a load test',
    description:
      'Sets the stock of every menu (or of `menu_ids`) and records the change as a reset adjustment, so ' +
      '`GET /inventory/audit` stays ok. Needs `X-Admin-Key`; off unless ADMIN_API_KEY is set.',
  })
  @ApiOkResponse({ type: ResetStockResultDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'VALIDATION_FAILED' })
  @ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'ADMIN_KEY_INVALID' })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'ADMIN_DISABLED: ADMIN_API_KEY is not set' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'MENU_NOT_FOUND' })
  reset(@Body() dto: ResetStockDto): Promise<ResetStockResultDto> {
    return this.admin.resetStock(dto.stock, dto.menu_ids);
  }
}

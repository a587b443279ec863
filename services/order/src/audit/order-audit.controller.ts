import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '@food-delivery/auth';
import { ErrorResponseDto } from '@food-delivery/http';
import { OrderAuditDto } from './dto/order-audit.dto';
import { OrderAuditService } from './order-audit.service';

@ApiTags('audit')
@Public()
@Controller('orders')
export class OrderAuditController {
  constructor(private readonly audits: OrderAuditService) {}

  @Get('audit')
  @ApiOperation({
    summary: '👉 Check the order/stock invariant across services (read-only)',
    description:
      "Joins the restaurant's `/inventory/audit` and reservation ledger with this service's orders: for every " +
      'menu `initial_stock = stock + Σ quantities of CONFIRMED orders`, and no active or committed reservation ' +
      'belongs to a FAILED or CANCELLED order. Meaningful once traffic has stopped and the saga worker and ' +
      'the recovery loop have settled every order (`settled: true`); during traffic, in-flight orders show up ' +
      'as transient violations. Load experiments call it after a run.',
  })
  @ApiOkResponse({ type: OrderAuditDto })
  @ApiServiceUnavailableResponse({
    type: ErrorResponseDto,
    description: 'DEPENDENCY_UNAVAILABLE / SERVICE_AUTH_UNAVAILABLE: the restaurant or user service is down',
  })
  audit(): Promise<OrderAuditDto> {
    return this.audits.audit();
  }
}

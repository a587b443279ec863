import { Controller, Get, Param } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Public } from '@food-delivery/auth';
import { ErrorResponseDto, ParseIdPipe } from '@food-delivery/http';
import { RestaurantDto, RestaurantWithMenusDto } from './dto/restaurant.dto';
import { RestaurantsService } from './restaurants.service';

@ApiTags('restaurants')
@Public()
@Controller('restaurants')
export class RestaurantsController {
  constructor(private readonly restaurants: RestaurantsService) {}

  @Get()
  @ApiOperation({ summary: '👉 List restaurants' })
  @ApiOkResponse({ type: RestaurantDto, isArray: true })
  list(): Promise<RestaurantDto[]> {
    return this.restaurants.list();
  }

  @Get(':id')
  @ApiOperation({ summary: '👉 Get a restaurant with its menus (not cached)' })
  @ApiOkResponse({ type: RestaurantWithMenusDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'INVALID_ID: not a positive integer' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'RESTAURANT_NOT_FOUND' })
  findOne(@Param('id', ParseIdPipe) id: number): Promise<RestaurantWithMenusDto> {
    return this.restaurants.findOne(id);
  }
}

import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { HardDeleteQueryDto } from '../common/hard-delete-query.dto';
import { PageResponseDto, type Page } from '../common/pagination';
import { UuidParam } from '../common/request-params';
import { CreateUserDto } from './dto/create-user.dto';
import { ListUsersQueryDto } from './dto/list-users-query.dto';
import { UpdateUserDto } from './dto/update-user.dto';
import { UserResponseDto } from './dto/user-response.dto';
import { UsersService } from './users.service';
import { RequireRole } from '../auth/roles';
import { ApiBodyExamples } from '../common/api-examples';
import { RateLimitClass } from '../auth/rate-limit';

@ApiTags('users')
@RequireRole('admin')
@RateLimitClass('admin')
@Controller('v1/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @ApiOperation({ summary: 'Create a user (409 DUPLICATE when the email exists, in any case)' })
  @ApiBodyExamples(CreateUserDto, {
    reader: {
      summary: 'A reader with a profile and preferences',
      value: {
        email: 'reader@example.com',
        profile_metadata: { display_name: 'Ada', locale: 'en-GB' },
        preferences: { answer_length: 'short', show_citations: true },
      },
    },
  })
  @ApiCreatedResponse({ type: UserResponseDto })
  create(@Body() dto: CreateUserDto): Promise<UserResponseDto> {
    return this.users.create(dto);
  }

  @Get()
  @ApiOperation({ summary: 'List users, oldest first, filtered by is_active and email prefix' })
  @ApiOkResponse({ type: PageResponseDto(UserResponseDto) })
  list(@Query() query: ListUsersQueryDto): Promise<Page<UserResponseDto>> {
    return this.users.list(query);
  }

  @Get(':user_id')
  @ApiOperation({ summary: 'One user' })
  @ApiOkResponse({ type: UserResponseDto })
  get(@UuidParam('user_id') userId: string): Promise<UserResponseDto> {
    return this.users.get(userId);
  }

  @Patch(':user_id')
  @ApiOperation({ summary: 'Change email, profile_metadata, preferences or is_active' })
  @ApiBodyExamples(UpdateUserDto, {
    preferences: {
      summary: 'New preferences (the fields sent replace the stored ones)',
      value: { preferences: { answer_length: 'long', show_citations: true } },
    },
  })
  @ApiOkResponse({ type: UserResponseDto })
  update(@UuidParam('user_id') userId: string, @Body() dto: UpdateUserDto): Promise<UserResponseDto> {
    return this.users.update(userId, dto);
  }

  @Post(':user_id/login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Record a login: stamps last_login (409 when the user is deactivated)' })
  @ApiOkResponse({ type: UserResponseDto })
  login(@UuidParam('user_id') userId: string): Promise<UserResponseDto> {
    return this.users.login(userId);
  }

  @Delete(':user_id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Deactivate a user; with ?hard=true erase the user and their chat history (audit rows stay)',
  })
  @ApiNoContentResponse()
  remove(@UuidParam('user_id') userId: string, @Query() query: HardDeleteQueryDto): Promise<void> {
    return this.users.remove(userId, query.hard);
  }
}

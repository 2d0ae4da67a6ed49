import { Body, Controller, Delete, Get, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PageQueryDto, PageResponseDto, type Page } from '../common/pagination';
import { UuidParam } from '../common/request-params';
import { ApiKeysService } from './api-keys.service';
import { ApiKeyResponseDto, CreatedApiKeyDto } from './dto/api-key-response.dto';
import { CreateApiKeyDto } from './dto/create-api-key.dto';
import { ApiBodyExamples } from '../common/api-examples';
import { RequireRole } from './roles';
import { RateLimitClass } from './rate-limit';

@ApiTags('admin')
@RequireRole('admin')
@RateLimitClass('admin')
@Controller('v1/admin/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @ApiOperation({ summary: 'Create an API key; the key is shown in this response only' })
  @ApiBodyExamples(CreateApiKeyDto, {
    reader: {
      summary: 'A reader key for the chat frontend',
      value: { name: 'chat-frontend', role: 'reader' },
    },
  })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  create(@Body() body: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    return this.keys.create(body.name, body.role, body.user_id ?? null);
  }

  @Get()
  @ApiOperation({ summary: 'List API keys (never the keys themselves)' })
  @ApiOkResponse({ type: PageResponseDto(ApiKeyResponseDto) })
  list(@Query() query: PageQueryDto): Promise<Page<ApiKeyResponseDto>> {
    return this.keys.list(query);
  }

  @Delete(':key_id')
  @ApiOperation({ summary: 'Revoke an API key' })
  @ApiOkResponse({ type: ApiKeyResponseDto })
  revoke(@UuidParam('key_id') keyId: string): Promise<ApiKeyResponseDto> {
    return this.keys.revoke(keyId);
  }
}

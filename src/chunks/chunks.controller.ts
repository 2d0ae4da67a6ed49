import { Body, Controller, Delete, Get, HttpCode, Patch, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HardDeleteQueryDto } from '../common/hard-delete-query.dto';
import { PageResponseDto, type Page } from '../common/pagination';
import { UuidParam } from '../common/request-params';
import { ChunksService } from './chunks.service';
import { IncludeDeletedQueryDto, ListChunksQueryDto } from './dto/chunk-query.dto';
import { ChunkResponseDto } from './dto/chunk-response.dto';
import { UpdateChunkDto } from './dto/update-chunk.dto';
import { RequireRole } from '../auth/roles';
import { ApiBodyExamples } from '../common/api-examples';

@ApiTags('chunks')
@RequireRole('writer', { hardDelete: 'admin' })
@Controller('v1/chunks')
export class ChunksController {
  constructor(private readonly chunks: ChunksService) {}

  @Get()
  @ApiOperation({ summary: 'The chunks of one document, in chunk_index order' })
  @ApiOkResponse({ type: PageResponseDto(ChunkResponseDto) })
  list(@Query() query: ListChunksQueryDto): Promise<Page<ChunkResponseDto>> {
    return this.chunks.listByDocument(query);
  }

  @Get(':chunk_id')
  @ApiOperation({ summary: 'One chunk (404 once soft-deleted, unless include_deleted=true)' })
  @ApiOkResponse({ type: ChunkResponseDto })
  get(
    @UuidParam('chunk_id') chunkId: string,
    @Query() query: IncludeDeletedQueryDto,
  ): Promise<ChunkResponseDto> {
    return this.chunks.get(chunkId, query.include_deleted);
  }

  @Patch(':chunk_id')
  @ApiOperation({ summary: 'Correct section_title, page_reference or metadata; the vector payload re-syncs' })
  @ApiBodyExamples(UpdateChunkDto, {
    correction: {
      summary: 'Correct the section and page',
      value: { section_title: 'Chapter 3 — Sensors', page_reference: 43, metadata: { figure: 'Fig. 3.3' } },
    },
  })
  @ApiOkResponse({ type: ChunkResponseDto })
  update(@UuidParam('chunk_id') chunkId: string, @Body() dto: UpdateChunkDto): Promise<ChunkResponseDto> {
    return this.chunks.update(chunkId, dto);
  }

  @Delete(':chunk_id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Soft-delete a chunk; with ?hard=true remove the row. The vector is removed either way',
  })
  @ApiNoContentResponse()
  remove(@UuidParam('chunk_id') chunkId: string, @Query() query: HardDeleteQueryDto): Promise<void> {
    return this.chunks.remove(chunkId, query.hard);
  }
}

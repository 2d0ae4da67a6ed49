import { Body, Controller, Delete, Get, HttpStatus, Param, Put, Query, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { DocumentSyncService } from './document-sync.service';
import { IngestResponseDto } from './dto/ingest-response.dto';
import { PutDocumentDto } from './dto/put-document.dto';
import { DocumentsService, type DocumentDeletion } from './documents.service';
import { DeleteDocumentQueryDto } from './dto/delete-document-query.dto';
import { RequireRole } from '../auth/roles';
import { ApiBodyExamples } from '../common/api-examples';
import { ErrorResponseDto } from '../common/api-error-responses';
import { RateLimitClass } from '../auth/rate-limit';
import { PageQueryDto, PageResponseDto, type Page } from '../common/pagination';
import { DocumentSummaryDto } from './dto/document-summary.dto';

@ApiTags('ingestion')
@RequireRole('writer', { hardDelete: 'admin' })
@Controller('v1/documents')
export class DocumentsController {
  constructor(
    private readonly documents: DocumentsService,
    private readonly sync: DocumentSyncService,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'List ingested documents',
    description:
      'Every document with live chunks, by reference, with its chunk counts by vector sync state ' +
      '(synced, pending, failed), its characters and when it last changed. Keyset-paginated.',
  })
  @ApiOkResponse({ type: PageResponseDto(DocumentSummaryDto) })
  list(@Query() query: PageQueryDto): Promise<Page<DocumentSummaryDto>> {
    return this.documents.list(query);
  }

  @Put(':document_reference')
  @RateLimitClass('ingest')
  @ApiOperation({
    summary: 'Load or re-sync a whole document',
    description:
      'Parses the content (Markdown, MDX, HTML, text), chunks it by structure and tokens, embeds what changed ' +
      'and ingests with full cleanup: the document ends with exactly the new chunks. Unchanged chunks keep ' +
      'their ids and are not re-embedded.',
  })
  @ApiParam({ name: 'document_reference', description: 'URL-encoded, e.g. chapters%2F03.md' })
  @ApiBodyExamples(PutDocumentDto, {
    markdown: {
      summary: 'A Markdown chapter',
      value: {
        format: 'markdown',
        content:
          '# Chapter 3\n\n## Sensors\n\nA strain gauge changes its electrical resistance when it is stretched.\n\n' +
          '<!-- page: 43 -->\n\nA load cell combines four strain gauges.',
        metadata: { edition: 2 },
        processing_version: 'v1',
      },
    },
  })
  @ApiCreatedResponse({ type: IngestResponseDto, description: 'Every chunk is searchable' })
  @ApiAcceptedResponse({
    type: IngestResponseDto,
    description: 'Stored; some vectors are still being synced',
  })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'Unknown format, empty, binary, unparsable or oversized content',
  })
  async put(
    @Param('document_reference') documentReference: string,
    @Body() body: PutDocumentDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<IngestResponseDto> {
    const { response, synced } = await this.sync.put(documentReference, body);
    void reply.status(synced ? HttpStatus.CREATED : HttpStatus.ACCEPTED);
    return response;
  }

  @Delete('chunks')
  @ApiOperation({
    summary: 'Delete every chunk of a document',
    description:
      'Soft delete (default): chunks disappear from retrieval at once and their points are removed. ' +
      '`hard=true` also removes the rows.',
  })
  @ApiOkResponse({ description: '{document_reference, hard, deleted, synced}' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'The document has no chunks to delete' })
  delete(@Query() query: DeleteDocumentQueryDto): Promise<DocumentDeletion> {
    return this.documents.deleteDocument(
      query.document_reference,
      query.hard ?? false,
      query.wait_ms ?? 5_000,
    );
  }
}

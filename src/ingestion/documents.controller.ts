import { Controller, Delete, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DocumentsService, type DocumentDeletion } from './documents.service';
import { DeleteDocumentQueryDto } from './dto/delete-document-query.dto';
import { RequireRole } from '../auth/roles';

@ApiTags('ingestion')
@RequireRole('writer', { hardDelete: 'admin' })
@Controller('v1/documents')
export class DocumentsController {
  constructor(private readonly documents: DocumentsService) {}

  @Delete('chunks')
  @ApiOperation({
    summary: 'Delete every chunk of a document',
    description:
      'Soft delete (default): chunks disappear from retrieval at once and their points are removed. ' +
      '`hard=true` also removes the rows.',
  })
  @ApiOkResponse({ description: '{document_reference, hard, deleted, synced}' })
  @ApiNotFoundResponse({ description: 'The document has no chunks to delete' })
  delete(@Query() query: DeleteDocumentQueryDto): Promise<DocumentDeletion> {
    return this.documents.deleteDocument(
      query.document_reference,
      query.hard ?? false,
      query.wait_ms ?? 5_000,
    );
  }
}

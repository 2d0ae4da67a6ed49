import { Controller, HttpStatus, Post, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { IngestRequestDto } from './dto/ingest-request.dto';
import { IngestResponseDto } from './dto/ingest-response.dto';
import { IngestBody, IngestRequestPipe } from './ingest-request.pipe';
import { IngestService } from './ingest.service';
import { RequireRole } from '../auth/roles';
import { RateLimitClass } from '../auth/rate-limit';

@ApiTags('ingestion')
@RequireRole('writer')
@RateLimitClass('ingest')
@Controller('v1/ingest')
export class IngestController {
  constructor(private readonly ingest: IngestService) {}

  @Post()
  @ApiOperation({
    summary: 'Ingest a batch of chunks with their embeddings',
    description:
      'Validates the whole batch, writes chunks, outbox and audit rows in one transaction, then waits up to ' +
      'wait_ms for the vectors to become searchable.',
  })
  @ApiBody({ type: IngestRequestDto })
  @ApiCreatedResponse({ type: IngestResponseDto, description: 'Every new vector is searchable' })
  @ApiAcceptedResponse({
    type: IngestResponseDto,
    description: 'Stored; some vectors are still being synced',
  })
  @ApiBadRequestResponse({
    description: 'The batch is invalid; details list every bad item; nothing was written',
  })
  @ApiConflictResponse({ description: 'Duplicates with on_duplicate "error", or another embedding model' })
  async create(
    @IngestBody(IngestRequestPipe) body: IngestRequestDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<IngestResponseDto> {
    const { response, synced } = await this.ingest.ingestBatch(body);
    void reply.status(synced ? HttpStatus.CREATED : HttpStatus.ACCEPTED);
    return response;
  }
}

import { Controller, HttpCode, HttpStatus, Post, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RateLimitClass } from '../auth/rate-limit';
import { OwnedBy, RequireRole } from '../auth/roles';
import { ApiBodyExamples, EXAMPLE_VECTOR } from '../common/api-examples';
import { ErrorResponseDto } from '../common/api-error-responses';
import { RetrieveRequestDto } from './dto/retrieve-request.dto';
import { RetrieveResponseDto } from './dto/retrieve-response.dto';
import { RetrievalService } from './retrieval.service';
import { RetrieveBody, RetrieveRequestPipe } from './retrieve-request.pipe';
import { serverTimingHeader } from './stage-timer';

@ApiTags('retrieval')
@RequireRole('reader')
@RateLimitClass('retrieve')
@Controller('v1/retrieve')
export class RetrievalController {
  constructor(private readonly retrieval: RetrievalService) {}

  @Post()
  @OwnedBy({ body: 'user_id', optional: true })
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Retrieve the chunks that answer a question',
    description:
      'vector: nearest chunks to the query embedding; hybrid: vector and full-text rankings fused (RRF); ' +
      'selected_text: only chunks overlapping the selected passage. Every hit is confirmed by PostgreSQL. ' +
      'Stage timings are also in the Server-Timing header.',
  })
  @ApiBodyExamples(RetrieveRequestDto, {
    question: {
      summary: 'A question, embedded by the service',
      value: {
        query: 'How does a strain gauge measure force?',
        top_k: 5,
        mode: 'vector',
        session_id: 'session-42',
      },
    },
    hybrid: {
      summary: 'Hybrid: vector and full-text rankings fused, within some pages of one document',
      value: {
        query: 'strain gauge resistance',
        mode: 'hybrid',
        top_k: 5,
        filter: { document_reference: 'robotics-handbook.pdf', page_from: 40, page_to: 45 },
      },
    },
    selected_text: {
      summary: 'A question about a passage the reader selected',
      value: {
        query: 'What does this mean?',
        mode: 'selected_text',
        selected_text: 'A strain gauge changes its electrical resistance when it is stretched.',
        top_k: 3,
      },
    },
    query_vector: {
      summary: 'Your own query embedding',
      description: 'query_vector has VECTOR_SIZE numbers (this example shows three: put your own).',
      value: { query_vector: EXAMPLE_VECTOR, top_k: 5, mode: 'vector' },
    },
  })
  @ApiOkResponse({ type: RetrieveResponseDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Invalid request; details name each field' })
  @ApiServiceUnavailableResponse({
    type: ErrorResponseDto,
    description: 'PostgreSQL, the vector store or the embedding provider is down',
  })
  async retrieve(
    @RetrieveBody(RetrieveRequestPipe) body: RetrieveRequestDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RetrieveResponseDto> {
    const response = await this.retrieval.retrieve(body, String(request.id));
    void reply.header('server-timing', serverTimingHeader(response.timings_ms));
    return response;
  }
}

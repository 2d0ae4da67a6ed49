import { Controller, HttpCode, HttpStatus, Post, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RateLimitClass } from '../auth/rate-limit';
import { OwnedBy, RequireRole } from '../auth/roles';
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
  @ApiBody({ type: RetrieveRequestDto })
  @ApiOkResponse({ type: RetrieveResponseDto })
  @ApiBadRequestResponse({ description: 'Invalid request; details name each field' })
  @ApiServiceUnavailableResponse({
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

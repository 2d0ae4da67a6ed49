import { Inject, Injectable, type PipeTransform } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { retrievalConfig, vectorsConfig } from '../../config';
import { validationFailed } from '../common/validation';
import type { RetrieveRequestDto } from './dto/retrieve-request.dto';
import { crossFieldViolations } from './retrieve-request.rules';

/** Runs after the global ValidationPipe: the rules between fields, against the collection size. */
@Injectable()
export class RetrieveRequestPipe implements PipeTransform<RetrieveRequestDto, RetrieveRequestDto> {
  constructor(
    @Inject(vectorsConfig.KEY) private readonly vectors: ConfigType<typeof vectorsConfig>,
    @Inject(retrievalConfig.KEY) private readonly retrieval: ConfigType<typeof retrievalConfig>,
  ) {}

  transform(request: RetrieveRequestDto): RetrieveRequestDto {
    const violations = crossFieldViolations(request, this.vectors.vectorSize, this.retrieval.maxQueryTerms);
    if (violations.length > 0) throw validationFailed(violations);
    return request;
  }
}

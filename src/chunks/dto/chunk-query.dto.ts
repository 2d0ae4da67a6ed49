import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { IsBoolean, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../common/pagination';
import { QueryBoolean } from '../../common/request-params';

export class IncludeDeletedQueryDto {
  @ApiPropertyOptional({ description: 'Also show soft-deleted chunks', default: false })
  @IsOptional()
  @QueryBoolean()
  @IsBoolean()
  include_deleted: boolean = false;
}

export class ListChunksQueryDto extends IntersectionType(PageQueryDto, IncludeDeletedQueryDto) {
  @ApiProperty({
    description: 'The document whose chunks to list, in chunk_index order (its document_reference)',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(1000)
  document_reference!: string;
}

import { type Type } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type as TransformType } from 'class-transformer';
import { IsISO8601, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 200;

/** `?cursor=&limit=` on every list. */
export class PageQueryDto {
  @ApiPropertyOptional({
    description: 'Opaque cursor from the previous page’s `next_cursor`; leave empty for the first page',
  })
  @IsOptional()
  @IsString()
  // Room for the longest key a list is ordered by (a 500-character document reference, encoded).
  @MaxLength(4096)
  cursor?: string;

  @ApiPropertyOptional({
    description: `Items per page (1–${MAX_PAGE_LIMIT})`,
    default: DEFAULT_PAGE_LIMIT,
  })
  @IsOptional()
  @TransformType(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_LIMIT)
  limit: number = DEFAULT_PAGE_LIMIT;
}

/** A page plus an optional time window, for the lists ordered by time. */
export class TimeRangePageQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    description: 'Only rows at or after this instant, ISO 8601 (e.g. 2026-01-31T00:00:00Z)',
    format: 'date-time',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({
    description: 'Only rows before this instant, ISO 8601 (e.g. 2026-02-01T00:00:00Z)',
    format: 'date-time',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
}

export interface PageRequest {
  cursor?: string;
  limit: number;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export function mapPage<T, R>(page: Page<T>, map: (item: T) => R): Page<R> {
  return { items: page.items.map(map), next_cursor: page.next_cursor };
}

/** Swagger schema for `{items, next_cursor}` of one item type. */
export function PageResponseDto<T>(item: Type<T>): Type<Page<T>> {
  class PageDto implements Page<T> {
    @ApiProperty({ type: [item], description: 'This page, in list order' })
    items!: T[];

    @ApiProperty({
      type: String,
      nullable: true,
      description: 'Pass as `cursor` to get the next page; null on the last page',
      example: null,
    })
    next_cursor!: string | null;
  }
  Object.defineProperty(PageDto, 'name', { value: `${item.name.replace(/Dto$/, '')}PageDto` });
  return PageDto;
}

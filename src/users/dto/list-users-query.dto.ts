import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../common/pagination';
import { QueryBoolean } from '../../common/request-params';

export class ListUsersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Only active (true) or deactivated (false) users' })
  @IsOptional()
  @QueryBoolean()
  @IsBoolean()
  is_active?: boolean;

  @ApiPropertyOptional({ description: 'Only emails starting with this (case-insensitive), e.g. ada@' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.trim().toLowerCase() : value,
  )
  @IsString()
  @MaxLength(254)
  email_prefix?: string;
}

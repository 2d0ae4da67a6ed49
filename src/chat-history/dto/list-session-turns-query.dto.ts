import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../common/pagination';

export class ListSessionTurnsQueryDto extends PageQueryDto {
  @ApiProperty({ description: 'The anonymous conversation whose turns to list', maxLength: 128 })
  @IsString()
  @MaxLength(128)
  @Matches(/^[\x21-\x7e]+$/, { message: 'session_id must be printable ASCII without spaces' })
  session_id!: string;
}

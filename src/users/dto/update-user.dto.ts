import { ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { IsBoolean } from 'class-validator';
import { IsOmittable } from '../../common/request-params';
import { CreateUserDto } from './create-user.dto';

export class UpdateUserDto extends PartialType(CreateUserDto) {
  @ApiPropertyOptional({ description: 'Reactivate (true) or deactivate (false) the user', example: true })
  @IsOmittable()
  @IsBoolean()
  is_active?: boolean;
}

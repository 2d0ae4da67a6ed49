import { randomBytes } from 'node:crypto';
import type { CreateUserDto } from '../../src/users/dto/create-user.dto';

/** A valid POST /v1/users body with a unique email. */
export function buildUser(overrides: Partial<CreateUserDto> = {}): CreateUserDto {
  return {
    email: `reader-${randomBytes(6).toString('hex')}@example.com`,
    profile_metadata: { display_name: 'Ada' },
    preferences: { answer_length: 'short' },
    ...overrides,
  };
}

import { constraintViolations } from './constraint-violations';

describe('constraintViolations', () => {
  const message = 'refused';

  it.each([
    [
      'a unique key, from the detail (never its values)',
      {
        code: '23505',
        constraint: 'users_email_key',
        detail: 'Key (email)=(ada@example.com) already exists.',
      },
      [{ field: 'email', rules: ['unique'], messages: [message] }],
    ],
    [
      'a composite foreign key',
      { code: '23503', constraint: 'x_fkey', detail: 'Key (a, b)=(1, 2) is not present in table "y".' },
      [
        { field: 'a', rules: ['foreignKey'], messages: [message] },
        { field: 'b', rules: ['foreignKey'], messages: [message] },
      ],
    ],
    [
      'a NOT NULL column',
      { code: '23502', column: 'query' },
      [{ field: 'query', rules: ['notNull'], messages: [message] }],
    ],
    [
      'a CHECK constraint named <table>_<column>_check',
      { code: '23514', constraint: 'logs_retrieval_mode_check', table: 'logs' },
      [{ field: 'retrieval_mode', rules: ['check'], messages: [message] }],
    ],
    [
      'a CHECK constraint named otherwise: no field, and no name',
      { code: '23514', constraint: 'odd', table: 'logs' },
      [],
    ],
    ['another SQLSTATE', { code: '22P02' }, []],
  ])('%s', (_name, failure, expected) => {
    const violations = constraintViolations(failure, message);
    expect(violations).toEqual(expected);
    expect(JSON.stringify(violations)).not.toMatch(/_key|_fkey|_check|ada@/);
  });
});

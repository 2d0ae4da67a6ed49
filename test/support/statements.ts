import type { DataSource } from 'typeorm';
import { loadDatabaseConfig } from '../../config';
import { PreparedStatements } from '../../src/database/prepared-statements';

/** A statement as sent: its text and parameters. */
export interface SentStatement {
  sql: string;
  params: unknown[];
}

/** The service's PreparedStatements, each statement also recorded in `sent` (for EXPLAINing it). */
export class RecordingStatements extends PreparedStatements {
  constructor(
    dataSource: DataSource,
    private readonly sent: SentStatement[] = [],
    preparedStatements = loadDatabaseConfig().preparedStatements,
  ) {
    super(dataSource, { preparedStatements });
  }

  override query<T>(text: string, values: unknown[]): Promise<T[]> {
    this.sent.push({ sql: text, params: values });
    return super.query<T>(text, values);
  }
}

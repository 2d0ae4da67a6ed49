import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { DataSource, QueryFailedError } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { databaseConfig, type DatabaseConfig } from '../../config';

/**
 * Distinct statement texts that get a name; past it, new texts run unnamed. Each connection keeps
 * a named statement and its plan until it closes, so this bounds what a connection holds however
 * many filter shapes requests bring.
 */
export const MAX_NAMED_STATEMENTS = 100;

/**
 * What a transaction-mode pooler that does not keep prepared statements (PgBouncer before 1.21,
 * or without max_prepared_statements) makes of them: the next use lands on a server connection
 * that never parsed the name (26000 invalid_sql_statement_name), or a parse on one where another
 * client parsed it (42P05 duplicate_prepared_statement). Either fails before anything runs.
 */
const POOLER_LOST_STATEMENT = new Set(['26000', '42P05']);

/**
 * Hot-path reads as protocol-level named prepared statements: PostgreSQL parses and plans a
 * statement once per connection instead of on every call (for hybrid retrieval's statement,
 * ≈ 0.5 ms of planning and parsing out of ≈ 2.7 ms of server time on the bench corpus), and after
 * five calls may keep a generic plan (re-planned whenever ANALYZE changes the table's statistics).
 * A statement's name is a hash of its text, so two texts never share a name on any server
 * connection a pooler hands out.
 *
 * DB_PREPARED_STATEMENTS=false runs every statement unnamed. Behind a pooler that loses named
 * statements, the first refusal turns them off for this process (one warning) and the statement is
 * run again unnamed: nothing had run, and these are reads.
 *
 * Errors come wrapped as TypeORM's QueryFailedError, as from `DataSource.query`.
 */
@Injectable()
export class PreparedStatements {
  private readonly logger = new Logger(PreparedStatements.name);
  private readonly names = new Map<string, string>();
  private enabled: boolean;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(databaseConfig.KEY) config: Pick<DatabaseConfig, 'preparedStatements'>,
  ) {
    this.enabled = config.preparedStatements;
  }

  async query<T>(text: string, values: unknown[]): Promise<T[]> {
    const name = this.enabled ? this.nameOf(text) : undefined;
    try {
      return (await this.pool().query({ name, text, values })).rows as T[];
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (name !== undefined && typeof code === 'string' && POOLER_LOST_STATEMENT.has(code)) {
        this.turnOff(code);
        return this.query(text, values);
      }
      throw new QueryFailedError(text, values, error as Error);
    }
  }

  private nameOf(text: string): string | undefined {
    let name = this.names.get(text);
    if (name === undefined && this.names.size < MAX_NAMED_STATEMENTS) {
      name = `ragstore_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
      this.names.set(text, name);
    }
    return name;
  }

  private turnOff(code: string): void {
    if (!this.enabled) return;
    this.enabled = false;
    this.logger.warn(
      `PostgreSQL answered ${code} to a named prepared statement: the connection pooler does not keep them ` +
        '(PgBouncer before 1.21, or max_prepared_statements = 0). Statements run unnamed from now on; ' +
        'set DB_PREPARED_STATEMENTS=false to skip this, or max_prepared_statements on the pooler to keep them',
    );
  }

  private pool(): Pool {
    return (this.dataSource.driver as PostgresDriver).master as Pool;
  }
}

import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * At most one `vectors:rebuild` per collection name at a time: the running one holds this row
 * and renews `expires_at` while it works. A lease row rather than a session advisory lock, so it
 * holds through a transaction-mode connection pooler (PgBouncer) and outlives no crashed process
 * for longer than its expiry.
 */
@Entity({ name: 'vector_rebuild_leases' })
export class RebuildLeaseEntity {
  /** The collection name (alias) being rebuilt. */
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'vector_rebuild_leases_pkey' })
  alias!: string;

  /** The running rebuild's own id; only it renews or releases the lease. */
  @Column({ type: 'uuid' })
  holder!: string;

  /** The physical collection that rebuild is building. */
  @Column({ type: 'text' })
  collection!: string;

  @Column({ type: 'timestamptz' })
  acquired_at!: Date;

  @Column({ type: 'timestamptz' })
  expires_at!: Date;
}

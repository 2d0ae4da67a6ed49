import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * Binds a vector collection to the one embedding model and size written into it: vectors from
 * two models are not comparable, so a batch for another model is refused until a rebuild.
 */
@Entity({ name: 'vector_collections' })
export class VectorCollectionEntity {
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'vector_collections_pkey' })
  name!: string;

  @Column({ type: 'text' })
  embedding_model!: string;

  @Column({ type: 'integer' })
  vector_size!: number;

  @CreateDateColumn({ type: 'timestamptz' })
  created_at!: Date;
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';

/** The embedding model and vector size a collection holds. */
export interface CollectionBinding {
  embedding_model: string;
  vector_size: number;
}

/**
 * `vector_collections`: which model and size each collection (alias) is bound to. The first
 * ingest binds it; `vectors:rebuild` rebinds it to what it copied.
 */
@Injectable()
export class CollectionBindingRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Binds the collection to a model and size the first time it is used; returns the binding
   * in force (which may differ from the arguments: the caller compares).
   */
  async bindIfUnbound(
    manager: EntityManager,
    name: string,
    binding: CollectionBinding,
  ): Promise<CollectionBinding> {
    await manager.query(
      `INSERT INTO vector_collections (name, embedding_model, vector_size) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO NOTHING`,
      [name, binding.embedding_model, binding.vector_size],
    );
    const [row] = await manager.query<CollectionBinding[]>(
      `SELECT embedding_model, vector_size FROM vector_collections WHERE name = $1`,
      [name],
    );
    return row;
  }

  async find(name: string): Promise<CollectionBinding | null> {
    const [row] = await this.dataSource.query<CollectionBinding[]>(
      `SELECT embedding_model, vector_size FROM vector_collections WHERE name = $1`,
      [name],
    );
    return row ?? null;
  }

  /** Binds the collection name to the model and size the rebuilt collection holds. */
  async rebind(name: string, binding: CollectionBinding): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO vector_collections (name, embedding_model, vector_size) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET embedding_model = EXCLUDED.embedding_model,
                                        vector_size = EXCLUDED.vector_size`,
      [name, binding.embedding_model, binding.vector_size],
    );
  }
}

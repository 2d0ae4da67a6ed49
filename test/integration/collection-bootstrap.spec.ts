import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { loadQdrantConfig } from '../../config';
import { CollectionBootstrap } from '../../src/vectors/collection-bootstrap';
import { QdrantVectorStore } from '../../src/vectors/qdrant/qdrant-vector-store';
import { signJwt } from '../qdrant-double/auth';
import { startQdrantDouble, type QdrantDouble } from '../qdrant-double/qdrant-double';

Logger.overrideLogger(false);

describe('CollectionBootstrap on Qdrant', () => {
  let double: QdrantDouble;
  beforeAll(async () => {
    double = await startQdrantDouble({ apiKey: 'secret-key' });
  });
  afterAll(() => double.close());

  const bootstrapWith = (apiKey: string, collection: string) => {
    const config = loadQdrantConfig({});
    const store = new QdrantVectorStore({ ...config, url: double.url, apiKey, collection, vectorSize: 4 });
    return new CollectionBootstrap(store, config);
  };

  it('stops the boot with the missing permission named when a collection-scoped key cannot create the collection, instead of retrying forever', async () => {
    const collection = `c_${randomUUID().slice(0, 8)}`;
    const jwt = signJwt({ access: [{ collection, access: 'rw' }] }, 'secret-key');
    const bootstrap = bootstrapWith(jwt, collection);
    await expect(bootstrap.onModuleInit()).rejects.toMatchObject({
      code: 'VECTOR_STORE_FORBIDDEN',
      message: expect.stringContaining('needs a key with global manage access'),
    });
    await bootstrap.onApplicationShutdown();
    expect(
      double.requests.filter((r) => r.operationId === 'create_collection' && r.path.endsWith(collection)),
    ).toHaveLength(1);
  });

  it('keeps retrying in the background when Qdrant is only unavailable', async () => {
    const collection = `c_${randomUUID().slice(0, 8)}`;
    double.inject('get_collection', { status: 503, message: 'Service Unavailable', times: 1 });
    const bootstrap = bootstrapWith('secret-key', collection);
    await expect(bootstrap.onModuleInit()).resolves.toBeUndefined();
    await bootstrap.onApplicationShutdown();
  });
});

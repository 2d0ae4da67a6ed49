import { ApiProperty } from '@nestjs/swagger';

/** One ingested document in `GET /v1/documents`: what its live chunks say about it. */
export class DocumentSummaryDto {
  @ApiProperty({
    description: 'The document reference chunks were ingested under',
    example: 'chapters/03-the-lens.md',
  })
  document_reference!: string;

  @ApiProperty({
    description: 'Title from the document (front matter or `title` at PUT), when it has one',
    example: 'The Lens',
    nullable: true,
    type: String,
  })
  title!: string | null;

  @ApiProperty({ description: 'Live (not deleted) chunks', example: 3 })
  chunks!: number;

  @ApiProperty({ description: 'Live chunks searchable in the vector store', example: 2 })
  synced_chunks!: number;

  @ApiProperty({ description: 'Live chunks waiting for the outbox relay to write their vectors', example: 1 })
  pending_chunks!: number;

  @ApiProperty({
    description: 'Live chunks the relay gave up on (see the consistency report; repair retries them)',
    example: 0,
  })
  failed_chunks!: number;

  @ApiProperty({ description: 'Characters of text over the live chunks', example: 4512 })
  characters!: number;

  @ApiProperty({
    description: 'When a live chunk of the document last changed',
    example: '2025-11-24T10:00:00.000Z',
  })
  last_updated_at!: Date;
}

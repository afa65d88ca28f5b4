import { Body, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { z } from 'zod';
import { problemFieldsOf } from '@order-saga/contracts';
import {
  DeadLetterDesk,
  type DeadLetter,
  type DeadLetterListing,
  type DeadLetterSelection,
  type Outcome,
  type PurgeReport,
  type RedriveReport,
} from '@order-saga/messaging';
import { ProblemError } from '../problem';
import { AdminController } from './admin-controller';

const Text = (max: number) => z.string().trim().min(1).max(max);

const ListQuery = z.strictObject({
  code: Text(100).optional(),
  type: Text(200).optional(),
  status: z.enum(['parked', 'redriven', 'purged']).optional(),
});

const ActionBody = z
  .strictObject({
    ids: z.array(Text(300)).min(1).max(1_000).optional(),
    code: Text(100).optional(),
    type: Text(200).optional(),
    all: z.literal(true).optional(),
    /** Anything but `true` is a dry run. */
    apply: z.boolean().default(false),
    by: Text(100).optional(),
    reason: Text(500).optional(),
  })
  .refine(
    (b) =>
      [b.ids !== undefined, b.code !== undefined || b.type !== undefined, b.all === true].filter(
        Boolean,
      ).length === 1,
    { message: 'select by ids, or by code and/or type, or with all: true (exactly one of them)' },
  );

/**
 * A consuming service's dead letters, on its admin port only (`npm run dlt` is the CLI beside
 * it). Every bootSagaParticipant service with a consumer gets this controller; the rules live in
 * DeadLetterDesk (@order-saga/messaging). Redrive and purge are dry runs unless `apply: true`.
 */
@AdminController('dead-letters')
export class DeadLettersAdminController {
  constructor(@Inject(DeadLetterDesk) private readonly desk: DeadLetterDesk) {}

  @Get()
  async list(@Query() query: unknown): Promise<DeadLetterListing> {
    const parsed = ListQuery.safeParse(query);
    if (!parsed.success)
      throw new ProblemError(400, 'DEAD_LETTER.QUERY_INVALID', 'The list query is invalid', {
        errors: problemFieldsOf(parsed.error),
      });
    return this.desk.list(parsed.data);
  }

  @Get(':id')
  async show(@Param('id') id: string): Promise<DeadLetter> {
    this.checkIds([id]);
    const letter = await this.desk.show(id);
    if (letter === undefined) throw notFound([id]);
    return letter;
  }

  @Post('redrive')
  @HttpCode(200)
  async redrive(@Body() body: unknown): Promise<RedriveReport> {
    const request = this.actionRequest(body);
    const report = found(await this.desk.redrive(request));
    const refused = report.results.filter((r) => r.outcome === 'refused');
    if (request.apply && refused.length > 0 && refused.length === report.results.length)
      throw new ProblemError(
        409,
        'DEAD_LETTER.REDRIVE_CAP_REACHED',
        'Nothing was re-driven: every selected message reached the redrive cap',
        { detail: refused.map((r) => `${r.id}: ${r.reason ?? 'refused'}`).join('; ') },
      );
    return report;
  }

  @Post('purge')
  @HttpCode(200)
  async purge(@Body() body: unknown): Promise<PurgeReport> {
    return found(await this.desk.purge(this.actionRequest(body)));
  }

  private actionRequest(body: unknown) {
    const parsed = ActionBody.safeParse(body ?? {});
    if (!parsed.success)
      throw new ProblemError(400, 'DEAD_LETTER.SELECTION_INVALID', 'The selection is invalid', {
        errors: problemFieldsOf(parsed.error),
      });
    const { ids, code, type, all, apply, by, reason } = parsed.data;
    if (ids !== undefined) this.checkIds(ids);
    const selection: DeadLetterSelection =
      ids !== undefined
        ? { ids }
        : {
            ...(code === undefined ? {} : { code }),
            ...(type === undefined ? {} : { type }),
            ...(all === undefined ? {} : { all }),
          };
    return {
      selection,
      apply,
      ...(by === undefined ? {} : { by }),
      ...(reason === undefined ? {} : { reason }),
    };
  }

  private checkIds(ids: readonly string[]): void {
    const bad = ids.filter((id) => !this.desk.acceptsId(id));
    if (bad.length > 0)
      throw new ProblemError(
        400,
        'DEAD_LETTER.ID_MALFORMED',
        'Not a dead-letter id of this service',
        {
          detail: `${bad.map((id) => `"${id.slice(0, 120)}"`).join(', ')}: expected <topic>.dlt:<partition>:<offset> on ${this.desk.topics.join(', ')}`,
        },
      );
  }
}

function notFound(ids: readonly string[]): ProblemError {
  return new ProblemError(404, 'DEAD_LETTER.NOT_FOUND', 'No such dead letter', {
    detail: `${ids.join(', ')}: not a dead letter of this service, or already purged`,
  });
}

function found<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) throw notFound(outcome.missing);
  return outcome.value;
}

/** Channel the writer notifies in the same transaction; delivered only when it commits. */
export const OUTBOX_CHANNEL = 'outbox_committed';

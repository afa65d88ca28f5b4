// The answers of the dead-letter admin API (DeadLetterDesk in @order-saga/messaging) that
// `npm run dlt` prints. Scripts do not import the package, which needs a build, so the shapes are
// restated here.
export interface Group {
  readonly code: string;
  readonly type: string | null;
  readonly count: number;
  readonly parked: number;
  readonly redriven: number;
  readonly originalTopics: string[];
  readonly firstSeen: string;
  readonly lastSeen: string;
}

export interface Summary {
  readonly id: string;
  readonly key: string;
  readonly status: string;
  readonly error: { readonly code: string; readonly message: string };
  readonly messageType: string | null;
  readonly failedAt: string;
  readonly redriveCount: number;
  readonly original: {
    readonly topic: string | null;
    readonly partition: number | null;
    readonly offset: string | null;
  };
}

export interface Listing {
  readonly consumerGroup: string;
  readonly topics: string[];
  readonly redriveCap: number;
  readonly total: number;
  readonly groups: Group[];
  readonly items: Summary[];
}

export interface Detail extends Summary {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly consumerGroup: string | null;
  readonly messageId: string | null;
  readonly correlationId: string | null;
  readonly seen: { readonly first: string; readonly last: string; readonly times: number };
  readonly actions: ReadonlyArray<{
    action: string;
    at: string;
    by: string | null;
    reason: string | null;
  }>;
  readonly headers: Record<string, string>;
  readonly payload: string;
  readonly payloadEncoding: string;
}

export interface RedriveReport {
  readonly dryRun: boolean;
  readonly redriveCap: number;
  readonly results: ReadonlyArray<{
    id: string;
    outcome: 'would-redrive' | 'redriven' | 'refused';
    originalTopic: string;
    key: string;
    messageType: string | null;
    code: string;
    redriveCount: number;
    reason?: string;
  }>;
}

export interface PurgeReport {
  readonly dryRun: boolean;
  readonly purged: ReadonlyArray<{
    id: string;
    status: string;
    key: string;
    messageType: string | null;
    code: string;
  }>;
  readonly deleted: ReadonlyArray<{ topic: string; partition: number; before: string }>;
}

export * from './causation';
export * from './consumer-lag';
export * from './dead-letters/dead-letter-publisher';
export * from './errors';
export * from './consumer/event-consumer';
export * from './kafka';
export * from './publisher';
export * from './readiness';

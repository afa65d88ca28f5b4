export * from './active-trace';
export * from './flush';
export * from './http-route';
export * from './messaging-spans';

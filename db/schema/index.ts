export * from './organisations';
export * from './administrators';
export * from './audit';
export * from './outbox';
export * from './policies';
export * from './billing';
export * from './delivery';
export * from './messaging';

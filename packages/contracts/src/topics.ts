// Topics of the platform; events are keyed by aggregate id so each aggregate's events stay in order.
export const Topics = {
  users: 'users',
  orders: 'orders',
} as const;

export type Topic = (typeof Topics)[keyof typeof Topics];

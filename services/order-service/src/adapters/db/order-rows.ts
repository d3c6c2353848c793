// Mapping between order rows and the domain's Order.
import type { Order, OrderItem, OrderStatus } from '../../domain/index.ts';

export interface OrderRow {
  id: string;
  user_id: string;
  items: OrderItem[] | string;
  total_cents: string | number;
  status: OrderStatus;
  created_at: Date | string;
  updated_at: Date | string;
}

const iso = (v: Date | string) => (v instanceof Date ? v.toISOString() : new Date(v).toISOString());

export function toOrder(row: OrderRow): Order {
  return {
    id: row.id,
    userId: row.user_id,
    items: typeof row.items === 'string' ? (JSON.parse(row.items) as OrderItem[]) : row.items,
    totalCents: Number(row.total_cents),
    status: row.status,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export const ORDER_COLUMNS = 'id, user_id, items, total_cents, status, created_at, updated_at';

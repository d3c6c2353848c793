// The event the messaging benches publish and consume (about 300 bytes of JSON).
import { createEventRegistry, defineEvent } from '@tributary/messaging';
import { Type } from 'typebox';

export const BenchEvent = defineEvent({
  type: 'bench.happened',
  version: 1,
  topic: 'bench-lib',
  key: 'id',
  schema: Type.Object({ id: Type.String(), n: Type.Integer(), note: Type.String() }),
});
export const benchRegistry = createEventRegistry([BenchEvent]);
export const benchPayload = (n: number) => ({ id: `agg-${n % 97}`, n, note: 'x'.repeat(240) });

// The Kafka error codes carried by a rejected @platformatic/kafka admin call (a MultipleErrors tree whose
// leaves are protocol errors with an `apiCode`).
export function kafkaErrorCodes(err: unknown): number[] {
  const codes: number[] = [];
  const visit = (e: unknown) => {
    if (!e || typeof e !== 'object') return;
    const o = e as { errors?: unknown[]; apiCode?: number };
    if (typeof o.apiCode === 'number') codes.push(o.apiCode);
    for (const inner of o.errors ?? []) visit(inner);
  };
  visit(err);
  return codes;
}

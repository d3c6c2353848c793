// What the relay needs from a transport: publish one message and resolve once the broker has it.

export interface OutboxRawMessage {
  topic: string;
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

export interface OutboxPublisher {
  /** Resolves once the message is durably on the broker; rejects otherwise (the relay retries later). */
  publishRaw(message: OutboxRawMessage): Promise<void>;
}

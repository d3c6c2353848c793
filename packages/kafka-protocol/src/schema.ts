// The project's compact description of a Kafka API: the fields of its request and response, with the
// versions each field exists in. The codec compiles these into encoders and decoders per version.

export type FieldType =
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint16'
  | 'uint32'
  | 'float64'
  | 'bool'
  | 'string'
  | 'bytes'
  | 'records'
  | 'uuid'
  | 'struct';

export interface FieldSchema {
  /** Property name: the Kafka field name with a lower-case first letter. */
  name: string;
  type: FieldType | string;
  array: boolean;
  /** Inclusive version range in which the field exists. */
  versions: [number, number];
  nullable?: [number, number];
  /** Tagged-field number, in the `tagged` versions (flexible versions only). */
  tag?: number;
  tagged?: [number, number];
  /** Kafka's default, as written in the definition ("-1", "null", "true", "0x7fffffff"...). */
  default?: string;
  fields?: FieldSchema[];
}

export interface ApiSchema {
  apiKey: number;
  name: string;
  minVersion: number;
  maxVersion: number;
  /** First flexible version (compact encodings and tagged fields), or null. */
  flexibleFrom: number | null;
  request: FieldSchema[];
  response: FieldSchema[];
}

export function inRange(range: [number, number] | undefined, version: number): boolean {
  return range !== undefined && version >= range[0] && version <= range[1];
}

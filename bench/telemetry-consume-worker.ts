// For bench:messaging: one ConsumerRunner, in a process of its own, reads `count` events of the bench topic
// from the start in a new group, with telemetry as a service runs it (`on`: the OpenTelemetry SDK, spans
// made and metrics recorded, nothing exported) or with OTEL_SDK_DISABLED (`off`). Prints the seconds from
// the first event handled to the last (joining the group is not what telemetry changes) and the process's CPU
// time over the same span, as JSON.
// Usage: node bench/telemetry-consume-worker.ts <broker> <group> <count> on|off
import { ConsumerRunner, createKafkaTransport } from '@tributary/messaging';
import { startTelemetry } from '@tributary/service-kit';
import { pino } from 'pino';
import { BenchEvent, benchRegistry } from './bench-event.ts';

const [broker, group, countText, mode] = process.argv.slice(2);
const count = Number(countText);
if (broker === undefined || group === undefined || !(count > 0) || (mode !== 'on' && mode !== 'off')) {
  process.stderr.write('usage: telemetry-consume-worker.ts <broker> <group> <count> on|off\n');
  process.exit(2);
}
const telemetry = await startTelemetry({ serviceName: 'bench-consumer', disabled: mode === 'off' });
const logger = pino({ level: 'warn' });
const transport = createKafkaTransport({ brokers: [broker], clientId: `bench-${mode}`, logger });
const runner = new ConsumerRunner({ transport, group, registry: benchRegistry, logger });
let handled = 0;
let first = 0;
let done: () => void = () => {};
const all = new Promise<void>((resolve) => {
  done = resolve;
});
let cpu0 = process.cpuUsage();
runner.subscribe(BenchEvent, () => {
  if (handled++ === 0) {
    first = performance.now();
    cpu0 = process.cpuUsage();
  }
  if (handled >= count) done();
});
await runner.start();
await all;
const seconds = (performance.now() - first) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuMs = (cpu.user + cpu.system) / 1000;
await runner.stop();
await transport.close();
await telemetry.shutdown();
process.stdout.write(`${JSON.stringify({ seconds, cpuMs, handled })}\n`);

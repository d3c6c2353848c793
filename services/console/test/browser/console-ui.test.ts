// The console in a real browser (Debian's Chromium through playwright-core) over our broker: a poison event
// lands in the dead letters with its error, and once the handler is fixed a redrive of its failure group
// empties it with the effect happening once; lag rises while a consumer is paused and falls to 0 when it
// resumes; topics and partitions show their size; a large redrive runs as a job with its progress shown; a
// trace is found by its correlation id and shows both services. Screenshots: .artifacts/console.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Consumer, type Message } from '@platformatic/kafka';
import { contracts, UserRegisteredV1 } from '@tributary/contracts';
import {
  ConsumerRunner,
  createEvent,
  createKafkaTransport,
  EventPublisher,
  type KafkaTransport,
  RetryHeaders,
} from '@tributary/messaging';
import { pino } from 'pino';
import { type BrowserSession, openBrowser } from '../support/browser.ts';
import { eventually, useConsole } from '../support/console-fixture.ts';
import { otlp } from '../support/otlp-fixture.ts';

const fx = useConsole({ lagSampleIntervalMs: 250 });
const silent = pino({ level: 'silent' });

describe('the console in a browser', { timeout: 300_000 }, () => {
  let browser: BrowserSession;
  let base: string;
  let transport: KafkaTransport;
  let runner: ConsumerRunner;
  let publisher: EventPublisher;
  const effects = new Map<string, number>();
  let broken = true;

  before(async () => {
    await fx.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(fx.app.server.address() as { port: number }).port}`;
    transport = createKafkaTransport({
      brokers: [fx.broker.address],
      clientId: 'browser-test',
      sessionTimeoutMs: 3_000,
      heartbeatIntervalMs: 300,
      rebalanceTimeoutMs: 3_000,
      maxWaitTimeMs: 100,
    });
    runner = new ConsumerRunner({
      transport,
      group: 'order-service',
      registry: contracts,
      logger: silent,
      retry: { inPlace: { attempts: 1 }, delaysMs: [100] },
    });
    runner.subscribe(UserRegisteredV1, (event) => {
      if (broken && event.data.name === 'Poison') {
        throw Object.assign(new Error('billing account missing for Poison'), {
          code: 'BILLING_ACCOUNT_MISSING',
        });
      }
      effects.set(event.id, (effects.get(event.id) ?? 0) + 1);
    });
    await runner.start();
    publisher = new EventPublisher({
      transport,
      source: '/browser-test',
      registry: contracts,
      logger: silent,
    });
    browser = await openBrowser();
  });

  after(async () => {
    await browser?.close();
    await runner?.stop();
    await publisher?.close();
    await transport?.close();
  });

  it('shows a poison event in the dead letters, and a redrive after the fix applies it once', async () => {
    const poison = createEvent(UserRegisteredV1, {
      userId: 'user-poison',
      email: 'poison@example.com',
      name: 'Poison',
      registeredAt: new Date().toISOString(),
    });
    await publisher.publish(poison);
    const { page } = browser;
    await page.goto(`${base}/dead-letters`);
    const row = page.locator('table.failure-groups tbody tr', { hasText: 'BILLING_ACCOUNT_MISSING' });
    await row.waitFor({ timeout: 60_000 });
    assert.match((await row.textContent()) ?? '', /billing account missing for Poison/);
    assert.match((await row.textContent()) ?? '', /tributary\.user\.registered\.v1/);
    assert.equal(((await row.locator('td.count').textContent()) ?? '').trim(), '1');
    await row.locator('a').click();
    await page.locator(`.dead-letter[data-event-id="${poison.id}"]`).waitFor();
    await browser.screenshot('dead-letters');
    assert.equal(effects.get(poison.id), undefined, 'the handler never succeeded');

    broken = false;
    await row.getByRole('button', { name: 'Redrive group' }).click();
    const dialog = page.getByRole('dialog', { name: 'Redrive' });
    await dialog.waitFor();
    assert.match(
      (await dialog.locator('.preview').textContent()) ?? '',
      /1 dead letter\(s\) will be sent back/,
    );
    await browser.screenshot('redrive-preview');
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await page.getByText('redriven: 1').waitFor();
    await page.getByText('No dead letters.').waitFor();
    await eventually(
      'the redriven event to be handled',
      async () => (effects.get(poison.id) ? true : undefined),
      60_000,
    );
    // Once handled and committed, nothing brings it back: the effect stays at one.
    await eventually('the group to catch up', async () => {
      const g = (await fx.app.inject('/api/groups/order-service')).json();
      return g.lag === 0 ? true : undefined;
    });
    assert.equal(effects.get(poison.id), 1);
    await page.goto(`${base}/audit`);
    await page.locator('table.audit tbody tr', { hasText: 'redrive' }).first().waitFor();
    await browser.screenshot('audit');
  });

  it('shows lag rising while a consumer is paused and falling to 0 when it resumes', async (t) => {
    await fx.context.cluster.createTopic('shipments', 1);
    const consumer = new Consumer<Buffer, Buffer, Buffer, Buffer>({
      clientId: 'shipping',
      groupId: 'shipping',
      bootstrapBrokers: [fx.broker.address],
      sessionTimeout: 6000,
      heartbeatInterval: 500,
      autocommit: false,
      maxWaitTime: 100,
    });
    t.after(() => consumer.close(true));
    const stream = await consumer.consume({ topics: ['shipments'], mode: 'earliest' });
    t.after(() => stream.close());
    let paused = false;
    const held: Message<Buffer, Buffer, Buffer, Buffer>[] = [];
    stream.on('data', (message: Message<Buffer, Buffer, Buffer, Buffer>) => {
      if (paused) held.push(message);
      else void message.commit();
    });
    const send = (n: number) =>
      fx.context.cluster.produce(
        Array.from({ length: n }, (_, i) => ({
          topic: 'shipments',
          key: `s${i}`,
          value: Buffer.from('{}'),
          headers: {},
        })),
      );
    await send(1);
    await eventually('the group to commit', async () => {
      const g = (await fx.app.inject('/api/groups/shipping')).json();
      return g.partitions?.[0]?.committed === '1' ? true : undefined;
    });
    const { page } = browser;
    await page.goto(`${base}/groups/shipping`);
    await page.locator('.total-lag', { hasText: /^0$/ }).waitFor();

    paused = true;
    await send(25);
    await page.locator('.total-lag', { hasText: /^25$/ }).waitFor({ timeout: 60_000 });
    await browser.screenshot('lag-paused');

    paused = false;
    const last = held.at(-1);
    assert.ok(last, 'the paused consumer received the records');
    await last.commit();
    await page.locator('.total-lag', { hasText: /^0$/ }).waitFor({ timeout: 60_000 });
    await page.locator('figure.chart figcaption', { hasText: /peak 25, now 0/ }).waitFor({ timeout: 60_000 });
    await browser.screenshot('lag-resumed');
  });

  it('shows the size of each topic and of each of its partitions', async () => {
    await fx.context.cluster.createTopic('archive', 2);
    await fx.context.cluster.produce(
      Array.from({ length: 8 }, (_, i) => ({
        topic: 'archive',
        partition: 0,
        key: `a${i}`,
        value: Buffer.alloc(1024, 'a'),
        headers: {},
      })),
    );
    const { page } = browser;
    await page.goto(base);
    const size = page.locator('table.topics tr[data-topic="archive"] .size');
    await size.filter({ hasText: /^\d+(\.\d)? KiB$/ }).waitFor();
    const bytes = Number((await size.getAttribute('title'))?.split(' ')[0]);
    assert.ok(bytes > 8 * 1024, `8 records of 1 KiB: ${bytes} bytes`);
    await page.locator('table.topics a', { hasText: 'archive' }).click();
    const cells = page.locator('table.partitions tbody tr .size');
    await cells.first().waitFor();
    assert.deepEqual(await cells.evaluateAll((els) => els.map((e) => e.getAttribute('title'))), [
      `${bytes} bytes`,
      '0 bytes',
    ]);
    assert.equal(await page.locator('.topic-size .size').getAttribute('title'), `${bytes} bytes`);
    await browser.screenshot('topic-sizes');
  });

  it('runs a redrive of a large failure group as a job and shows its progress to the end', async () => {
    const dlq = 'payments.ledger.dlq';
    await fx.context.cluster.createTopic('payments', 1);
    await fx.context.cluster.createTopic(dlq, 1);
    await fx.context.cluster.produce(
      Array.from({ length: 30 }, (_, i) => ({
        topic: dlq,
        key: `p${i}`,
        value: Buffer.from('{}'),
        headers: {
          ce_id: `payment-${i}`,
          ce_type: 'tributary.payment.captured.v1',
          [RetryHeaders.originalTopic]: 'payments',
          [RetryHeaders.group]: 'ledger',
          [RetryHeaders.errorCode]: 'LEDGER_LOCKED',
          [RetryHeaders.errorMessage]: 'ledger locked',
        },
      })),
    );
    const { page } = browser;
    await page.goto(`${base}/dead-letters`);
    const row = page.locator('table.failure-groups tbody tr', { hasText: 'LEDGER_LOCKED' });
    await row.getByRole('button', { name: 'Redrive group' }).click();
    const dialog = page.getByRole('dialog', { name: 'Redrive' });
    await dialog.locator('.preview', { hasText: /30 dead letter\(s\) will be sent back/ }).waitFor();
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    const job = page.locator('.redrive-job[data-state="done"]');
    await job.waitFor({ timeout: 60_000 });
    assert.match((await job.locator('.job-progress').textContent()) ?? '', /done · sent: 30 of 30/);
    await browser.screenshot('redrive-job');
    await row.waitFor({ state: 'detached', timeout: 30_000 });
  });

  it('finds a trace by correlation id and shows both services in its waterfall', async () => {
    const traceId = 'aaaabbbbccccddddeeeeffff00001111';
    const posted = await fetch(`${base}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(otlp(traceId, 'corr-browser', 'event-browser')),
    });
    assert.equal(posted.status, 200);
    const { page } = browser;
    await page.goto(`${base}/traces`);
    await page.locator('input[name="value"]').fill('corr-browser');
    await page.getByRole('button', { name: 'Find' }).click();
    await page.waitForURL(/correlationId=corr-browser/);
    await page.locator(`a[href="/traces/${traceId}"]`).click();
    await page.waitForURL(new RegExp(`/traces/${traceId}$`));
    assert.equal(
      ((await page.locator('.services').textContent()) ?? '').trim(),
      'order-service, user-service',
    );
    assert.equal(await page.locator('.waterfall .span-row').count(), 3);
    await browser.screenshot('trace');
  });
});

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { Kafka, logLevel } from 'kafkajs';

import { probeDocker } from './docker';
import { createRunDir, ManagedProcess, removeRunDir } from './managed-process';
import { ensureMavenLibs } from './maven-libs';
import { freePort, harnessPaths, type HarnessOptions, requireTool, runCommand, sleep, tailFile } from './process-util';
import { type KafkaServer, once } from './server-handle';

/** Keep in step with scripts/servers/kafka/pom.xml. 3.9.x: kafkajs 2.2.4 does not speak Kafka 4. */
export const KAFKA_VERSION = '3.9.1';
const KAFKA_IMAGE = `apache/kafka:${KAFKA_VERSION}`;

/**
 * A Kafka broker: KAFKA_BROKERS when set, else apache/kafka in Docker when an engine answers,
 * else the broker's jars from Maven Central run by the local `java` as a single KRaft node.
 */
export async function startKafka(options: HarnessOptions = {}): Promise<KafkaServer> {
  const env = options.env ?? process.env;
  if (env.KAFKA_BROKERS) {
    const brokers = env.KAFKA_BROKERS.split(',').map((b) => b.trim()).filter(Boolean);
    return { brokers, description: `configured by KAFKA_BROKERS (${brokers.join(',')})`, stop: async () => {} };
  }
  const docker = await probeDocker(env);
  if (docker.available) return startKafkaInDocker();
  return startLocalKafka(options);
}

async function startKafkaInDocker(): Promise<KafkaServer> {
  const { GenericContainer } = await import('testcontainers');
  // The broker advertises the address clients must use, which must be known before it starts:
  // pick the host port first and listen on that same port inside the container.
  const port = await freePort();
  const container = await new GenericContainer(KAFKA_IMAGE)
    .withExposedPorts({ container: port, host: port })
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: `PLAINTEXT://0.0.0.0:${port},CONTROLLER://0.0.0.0:9093`,
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${port}`,
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
    })
    .start();
  const stop = once(async () => {
    await container.stop();
  });
  const brokers = [`127.0.0.1:${port}`];
  try {
    await waitForKafka(brokers, undefined, 120_000);
  } catch (err) {
    await stop();
    throw new Error(`test harness: Kafka in Docker did not answer on 127.0.0.1:${port}: ${(err as Error).message}`);
  }
  return { brokers, description: `${KAFKA_IMAGE} in Docker (testcontainers) on 127.0.0.1:${port}`, stop };
}

/** Directory of the broker's jars, fetching them with Maven into .cache when absent. */
export function ensureKafkaLibs(options: HarnessOptions = {}): Promise<{ libsDir: string; fetched: boolean }> {
  return ensureMavenLibs(
    { what: `Kafka ${KAFKA_VERSION}`, home: `kafka-${KAFKA_VERSION}`, pom: 'kafka/pom.xml', expectedJar: (name) => name.startsWith(`kafka_2.13-${KAFKA_VERSION}`) },
    options,
  );
}

/** A Kafka cluster id: 16 random bytes, base64url without padding (what StorageTool random-uuid prints). */
function clusterId(): string {
  // One in 64 ids starts with '-', which StorageTool's argument parser takes for an option.
  for (;;) {
    const id = crypto.randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

async function startLocalKafka(options: HarnessOptions): Promise<KafkaServer> {
  const { cacheDir } = harnessPaths(options);
  const java = requireTool('java', `run the Kafka ${KAFKA_VERSION} broker`);
  const { libsDir, fetched } = await ensureKafkaLibs(options);
  const runDir = createRunDir(cacheDir, 'kafka');
  const [port, controllerPort] = await distinctFreePorts(2);
  const logDir = path.join(runDir, 'data');
  const log4jFile = path.join(runDir, 'log4j.properties');
  const serverLog = path.join(runDir, 'kafka.log');
  const stdoutLog = path.join(runDir, 'kafka.stdout.log');
  const propsFile = path.join(runDir, 'server.properties');
  fs.writeFileSync(
    propsFile,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      'controller.listener.names=CONTROLLER',
      'inter.broker.listener.name=PLAINTEXT',
      `log.dirs=${logDir}`,
      'num.partitions=1',
      'num.network.threads=2',
      'num.io.threads=2',
      // One node: every internal topic has one replica; few partitions keep first group joins fast.
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.num.partitions=1',
      'transaction.state.log.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      'auto.create.topics.enable=true',
      '',
    ].join('\n'),
  );
  fs.writeFileSync(
    log4jFile,
    [
      'log4j.rootLogger=INFO, file',
      'log4j.appender.file=org.apache.log4j.FileAppender',
      `log4j.appender.file.File=${serverLog}`,
      'log4j.appender.file.layout=org.apache.log4j.PatternLayout',
      'log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n',
      'log4j.logger.org.apache.kafka.clients=WARN',
      'log4j.logger.kafka.request.logger=WARN',
      'log4j.logger.state.change.logger=WARN',
      '',
    ].join('\n'),
  );
  const classPath = `${libsDir}${path.sep}*`;
  const jvmCommon = [`-Dlog4j.configuration=file:${log4jFile}`, `-Dkafka.logs.dir=${runDir}`, '-Djava.awt.headless=true'];

  try {
    await runCommand(java, [...jvmCommon, '-cp', classPath, 'kafka.tools.StorageTool', 'format', '-t', clusterId(), '-c', propsFile], {
      cwd: runDir,
      what: 'formatting the Kafka log directory',
    });
  } catch (err) {
    removeRunDir(runDir);
    throw err;
  }

  const spawnBroker = (): ManagedProcess =>
    ManagedProcess.spawn(java, ['-Xms256m', '-Xmx768m', '-XX:+UseG1GC', ...jvmCommon, '-cp', classPath, 'kafka.Kafka', propsFile], {
      cwd: runDir,
      logFile: stdoutLog,
      runDir,
      marker: 'kafka.Kafka',
    });
  let proc = spawnBroker();
  const stop = once(async () => {
    // Throwaway data: a short grace, then SIGKILL, rather than waiting out a controlled shutdown.
    await proc.stop(5_000);
    removeRunDir(runDir);
  });
  const brokers = [`127.0.0.1:${port}`];
  try {
    await waitForKafka(brokers, proc, 120_000);
  } catch (err) {
    const logs = `--- kafka.log (tail) ---\n${tailFile(serverLog, 30)}\n--- kafka.stdout.log (tail) ---\n${tailFile(stdoutLog, 15)}`;
    await stop();
    throw new Error(`test harness: Kafka did not start on 127.0.0.1:${port}: ${(err as Error).message}\n${logs}`);
  }
  return {
    brokers,
    description: `Kafka ${KAFKA_VERSION} (KRaft, ${fetched ? 'jars fetched now' : 'cached jars'} from Maven Central, local java) on 127.0.0.1:${port}`,
    stop,
    // Same port, same log directory: what clients see when a broker goes down and comes back.
    restart: async (whileDown) => {
      await proc.stop(15_000);
      await whileDown?.();
      proc = spawnBroker();
      await waitForKafka(brokers, proc, 120_000);
    },
  };
}

async function distinctFreePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

async function waitForKafka(brokers: string[], proc: ManagedProcess | undefined, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (proc?.hasExited) throw new Error(`the process ${proc.exitDescription}`);
    const admin = new Kafka({
      clientId: 'roster-test-harness',
      brokers,
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1_000,
      retry: { retries: 0 },
    }).admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length > 0 && cluster.controller !== null && cluster.controller >= 0) return;
      last = 'no controller yet';
    } catch (err) {
      last = (err as Error).message;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    await sleep(500);
  }
  throw new Error(`no describeCluster answer within ${timeoutMs} ms (${last})`);
}

# kafka-python (the Debian package python3-kafka) against the broker given as argv[1]: its KafkaAdminClient
# (create topics, describe configs, create partitions, delete topics) and a produce/consume round trip.
# Prints what came back as one JSON object for kafka-python-admin.test.ts to check.
import json
import sys

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, NewPartitions, NewTopic
from kafka.errors import KafkaError

BOOTSTRAP = sys.argv[1]
TOPIC = "kp-admin"
TIMEOUT_MS = 30_000
out = {}

admin = KafkaAdminClient(bootstrap_servers=BOOTSTRAP, client_id="kp-admin", request_timeout_ms=TIMEOUT_MS)
# The Kafka version the client inferred from ApiVersions (it picks request versions by it).
out["api_version"] = list(admin.config["api_version"])


def errors_of(response, field):
    return [entry[1] for entry in getattr(response, field)]


def error_name(call):
    try:
        call()
        return None
    except KafkaError as e:
        return type(e).__name__


def configs_of(response):
    (resource,) = response.resources
    _error_code, _error_message, _type, _name, entries = resource[:5]
    return {entry[0]: {"value": entry[1], "read_only": entry[2]} for entry in entries}


created = admin.create_topics([NewTopic(TOPIC, num_partitions=1, replication_factor=1)])
out["create_errors"] = errors_of(created, "topic_errors")
out["create_again"] = error_name(
    lambda: admin.create_topics([NewTopic(TOPIC, num_partitions=1, replication_factor=1)])
)

(described,) = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, TOPIC)])
topic_configs = configs_of(described)
out["retention_ms"] = topic_configs["retention.ms"]
out["compression_read_only"] = topic_configs["compression.type"]["read_only"]
altered = admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, TOPIC, configs={"retention.ms": "120000"})])
out["alter_errors"] = [resource[0] for resource in altered.resources]
(described,) = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, TOPIC)])
out["retention_ms_after"] = configs_of(described)["retention.ms"]
(broker,) = admin.describe_configs([ConfigResource(ConfigResourceType.BROKER, "1")])
out["broker_retention_ms"] = configs_of(broker)["log.retention.ms"]["value"]

grown = admin.create_partitions({TOPIC: NewPartitions(total_count=3)})
out["create_partitions_errors"] = errors_of(grown, "topic_errors")
out["fewer_partitions"] = error_name(lambda: admin.create_partitions({TOPIC: NewPartitions(total_count=2)}))

producer = KafkaProducer(bootstrap_servers=BOOTSTRAP, acks="all", request_timeout_ms=TIMEOUT_MS)
sent = [
    producer.send(TOPIC, key=f"k{i}".encode(), value=f"value {i}".encode(), partition=i % 3).get(timeout=30)
    for i in range(30)
]
producer.flush()
producer.close()
out["sent_offsets"] = sorted({(m.partition, m.offset) for m in sent})

consumer = KafkaConsumer(
    bootstrap_servers=BOOTSTRAP,
    group_id="kp-group",
    auto_offset_reset="earliest",
    enable_auto_commit=False,
    consumer_timeout_ms=20_000,
)
consumer.subscribe([TOPIC])
received = []
for message in consumer:
    received.append([message.partition, message.offset, message.key.decode(), message.value.decode()])
    if len(received) == 30:
        break
consumer.commit()
out["received"] = sorted(received)
out["committed"] = consumer.committed(TopicPartition(TOPIC, 0))
consumer.close()

deleted = admin.delete_topics([TOPIC])
out["delete_errors"] = errors_of(deleted, "topic_error_codes")
out["topics_after_delete"] = sorted(t for t in admin.list_topics() if t == TOPIC)
admin.close()
print(json.dumps(out))

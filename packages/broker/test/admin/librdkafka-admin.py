# The admin calls of librdkafka (through confluent-kafka-python's AdminClient) against the broker given as
# argv[1]; prints what came back as one JSON object for librdkafka-admin.test.ts to check.
import json
import sys

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic

admin = AdminClient({"bootstrap.servers": sys.argv[1]})
TIMEOUT = 30
out = {}


def settle(futures):
    return {key: future.result(TIMEOUT) for key, future in futures.items()}


def error_name(call):
    try:
        call()
        return None
    except KafkaException as e:
        return e.args[0].name()


def describe(resource):
    (entries,) = settle(admin.describe_configs([resource])).values()
    return {
        name: {"value": e.value, "source": e.source, "read_only": e.is_read_only}
        for name, e in entries.items()
    }


settle(admin.create_topics([NewTopic("rk-admin", num_partitions=1, replication_factor=1)]))
topic = ConfigResource(ConfigResource.Type.TOPIC, "rk-admin")
before = describe(topic)
out["retention_ms_before"] = before["retention.ms"]
out["compression_read_only"] = before["compression.type"]["read_only"]

settle(admin.alter_configs([ConfigResource(ConfigResource.Type.TOPIC, "rk-admin", set_config={"retention.ms": "120000"})]))
out["retention_ms_after"] = describe(topic)["retention.ms"]
out["invalid_alter"] = error_name(
    lambda: settle(
        admin.alter_configs([ConfigResource(ConfigResource.Type.TOPIC, "rk-admin", set_config={"retention.ms": "x"})])
    )
)

settle(admin.create_partitions([NewPartitions("rk-admin", 3)]))
out["partitions"] = len(admin.list_topics("rk-admin", timeout=TIMEOUT).topics["rk-admin"].partitions)
out["fewer_partitions"] = error_name(lambda: settle(admin.create_partitions([NewPartitions("rk-admin", 2)])))

broker = describe(ConfigResource(ConfigResource.Type.BROKER, "1"))
out["broker_retention_ms"] = broker["log.retention.ms"]
out["broker_node_id_read_only"] = broker["node.id"]["read_only"]
print(json.dumps(out))

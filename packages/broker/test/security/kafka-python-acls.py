# kafka-python's KafkaAdminClient (the Debian package python3-kafka) managing ACLs: argv: bootstrap, the user
# the ACLs are for. (kafka-python 2.0.2 speaks SASL only as SaslHandshake v0 + raw bytes, which the broker
# does not, so it connects on a plaintext listener as User:ANONYMOUS.) Prints one JSON object for
# kafka-python-acls.test.ts to check.
import json
import sys

from kafka import KafkaAdminClient
from kafka.admin import (
    ACL,
    ACLFilter,
    ACLOperation,
    ACLPermissionType,
    ACLResourcePatternType,
    ResourcePattern,
    ResourcePatternFilter,
    ResourceType,
)

BOOTSTRAP, USER = sys.argv[1:3]
out = {}


def describe(admin, pattern_type=ACLResourcePatternType.ANY, name=None):
    acls, error = admin.describe_acls(
        ACLFilter(
            principal=None,
            host=None,
            operation=ACLOperation.ANY,
            permission_type=ACLPermissionType.ANY,
            resource_pattern=ResourcePatternFilter(ResourceType.TOPIC, name, pattern_type),
        )
    )
    return sorted(
        f"{a.principal} {a.permission_type.name} {a.operation.name} "
        f"{a.resource_pattern.pattern_type.name}:{a.resource_pattern.resource_name}"
        for a in acls
    ), error.__name__


admin = KafkaAdminClient(bootstrap_servers=BOOTSTRAP, client_id="kp-acls", request_timeout_ms=30_000)
created = admin.create_acls(
    [
        ACL(
            principal=f"User:{USER}",
            host="*",
            operation=ACLOperation.READ,
            permission_type=ACLPermissionType.ALLOW,
            resource_pattern=ResourcePattern(ResourceType.TOPIC, "py-", ACLResourcePatternType.PREFIXED),
        ),
        ACL(
            principal=f"User:{USER}",
            host="*",
            operation=ACLOperation.WRITE,
            permission_type=ACLPermissionType.DENY,
            resource_pattern=ResourcePattern(ResourceType.TOPIC, "py-orders", ACLResourcePatternType.LITERAL),
        ),
    ]
)
out["created"] = len(created["succeeded"])
out["create_failed"] = [type(error).__name__ for _, error in created["failed"]]
out["all"], out["describe_error"] = describe(admin)
out["match_py_orders"], _ = describe(admin, ACLResourcePatternType.MATCH, "py-orders")
out["match_other"], _ = describe(admin, ACLResourcePatternType.MATCH, "other")

deleted = admin.delete_acls(
    [
        ACLFilter(
            principal=f"User:{USER}",
            host=None,
            operation=ACLOperation.ANY,
            permission_type=ACLPermissionType.DENY,
            resource_pattern=ResourcePatternFilter(ResourceType.TOPIC, None, ACLResourcePatternType.ANY),
        )
    ]
)
out["deleted"] = [len(matches) for _, matches, _ in deleted]
out["after_delete"], _ = describe(admin)
admin.close()
print(json.dumps(out))

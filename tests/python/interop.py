#!/usr/bin/python3
"""Interop check of Perms' gRPC API with Debian's python3-grpcio (1.51) and python3-protobuf.

Run with /usr/bin/python3 (Debian's interpreter, where python3-grpcio lives), by
tests/IntegrationTests/Api/InteropTests.cs against a real silo process. Makes the same calls as tests/js/interop.mjs
and prints the same document.

    /usr/bin/python3 tests/python/interop.py --address 127.0.0.1:PORT --token TOKEN --ids IDS_JSON
    /usr/bin/python3 tests/python/interop.py ... --only check --user bob --org globex --deadline-ms 300

--address, --token and --ids fall back to PERMS_ADDRESS, PERMS_TOKEN and PERMS_IDS. The message classes are generated
at run time from the repository's .proto files with Debian's protoc (protobuf-compiler) into a temporary directory;
google/protobuf/timestamp.proto is handed to protoc as a descriptor set taken from the protobuf runtime itself, so
neither libprotobuf-dev's /usr/include nor grpc_tools is needed. Calls go through channel.unary_unary with the
generated classes' serializers.

stdout carries ONE JSON document: {"client", "results": {<call>: outcome}} where an outcome is
{"ok": true, "response": ...} or {"ok": false, "code": "<status code name>", "message": ...}. Exit code 0 whatever
the calls answered, 2 for bad usage, 1 when the script itself fails.
"""

import argparse
import importlib.util
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time

import grpc
from google.protobuf import descriptor_pb2, json_format, timestamp_pb2

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROTOS = os.path.join(ROOT, "src", "Grains.Interfaces", "Protos")
SERVICE = "/perms.v1.PermissionService/"
HEALTH = "/grpc.health.v1.Health/"
# Debian's protoc, matching Debian's protobuf runtime (a newer protoc on PATH may emit code this runtime refuses).
PROTOC = "/usr/bin/protoc"


def generate(directory):
    """protoc --python_out for both protos; returns (permission_service_pb2, health_pb2)."""
    well_known = descriptor_pb2.FileDescriptorSet()
    timestamp_pb2.DESCRIPTOR.CopyToProto(well_known.file.add())
    descriptor_set = os.path.join(directory, "well-known.pb")
    with open(descriptor_set, "wb") as f:
        f.write(well_known.SerializeToString())
    sources = ["perms/v1/permission_service.proto", "grpc/health/v1/health.proto"]
    command = [PROTOC, f"--descriptor_set_in={descriptor_set}", f"--python_out={directory}", f"-I{PROTOS}", *sources]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")

    def load(name, relative):
        # Loaded by path: a "grpc" package directory on sys.path would clash with the grpc library.
        spec = importlib.util.spec_from_file_location(name, os.path.join(directory, relative))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return (
        load("perms_interop_permission_service_pb2", "perms/v1/permission_service_pb2.py"),
        load("perms_interop_health_pb2", "grpc/health/v1/health_pb2.py"),
    )


def to_dict(message):
    try:
        return json_format.MessageToDict(message, preserving_proto_field_name=True, including_default_value_fields=True)
    except TypeError:  # protobuf >= 5.26 renamed the option
        return json_format.MessageToDict(message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", default=os.environ.get("PERMS_ADDRESS"))
    parser.add_argument("--token", default=os.environ.get("PERMS_TOKEN"))
    parser.add_argument("--ids", default=os.environ.get("PERMS_IDS"))
    parser.add_argument("--only", choices=["check"])
    parser.add_argument("--user")
    parser.add_argument("--org")
    parser.add_argument("--permission", default="project:read")
    parser.add_argument("--deadline-ms", type=int, default=5000)
    args = parser.parse_args()
    if not args.address or not args.token or not args.ids or (args.only == "check" and (not args.user or not args.org)):
        parser.print_usage(sys.stderr)
        return 2

    ids = json.loads(args.ids)

    def user(name):
        return ids["users"].get(name, name)

    def org(name):
        return ids["organizations"].get(name, name)

    with tempfile.TemporaryDirectory(prefix="perms-interop-") as directory:
        pb, health_pb = generate(directory)
        # Never through an HTTP proxy from the environment: the server is on loopback.
        channel = grpc.insecure_channel(args.address, options=[("grpc.enable_http_proxy", 0)])
        try:
            methods = {
                name: channel.unary_unary(SERVICE + name, request_serializer=request.SerializeToString, response_deserializer=response.FromString)
                for name, request, response in [
                    ("CheckPermission", pb.CheckPermissionRequest, pb.CheckPermissionResponse),
                    ("CheckPermissions", pb.CheckPermissionsRequest, pb.CheckPermissionsResponse),
                    ("CheckPlatformPermission", pb.CheckPlatformPermissionRequest, pb.CheckPermissionResponse),
                    ("GetMemberships", pb.GetMembershipsRequest, pb.GetMembershipsResponse),
                    ("GetEffectivePermissions", pb.GetEffectivePermissionsRequest, pb.GetEffectivePermissionsResponse),
                ]
            }
            health_check = channel.unary_unary(
                HEALTH + "Check",
                request_serializer=health_pb.HealthCheckRequest.SerializeToString,
                response_deserializer=health_pb.HealthCheckResponse.FromString,
            )
            unknown_method = channel.unary_unary(SERVICE + "NoSuchMethod", request_serializer=lambda b: b, response_deserializer=lambda b: b)
            authorized = (("authorization", f"Bearer {args.token}"),)

            def call(method, request, metadata=authorized, deadline_ms=5000, convert=to_dict):
                try:
                    return {"ok": True, "response": convert(method(request, metadata=metadata, timeout=deadline_ms / 1000))}
                except grpc.RpcError as error:
                    return {"ok": False, "code": error.code().name, "message": error.details()}

            def permissions(text, target):
                for item in text.split(" "):
                    resource, _, actions = item.partition(":")
                    target[resource].actions.extend(actions.split(",") if actions else [])

            def check(user_name, org_name, permission, explain=True):
                request = pb.CheckPermissionRequest(user_id=user(user_name), organization_id=org(org_name), explain=explain)
                permissions(permission, request.permissions)
                return request

            if args.only == "check":
                started = time.monotonic()
                outcome = call(methods["CheckPermission"], check(args.user, args.org, args.permission), deadline_ms=args.deadline_ms)
                outcome["elapsed_ms"] = round((time.monotonic() - started) * 1000)
                results = {"check": outcome}
            else:
                results = {}
                results["health"] = call(health_check, health_pb.HealthCheckRequest(service=""), metadata=())
                results["health_permission_service"] = call(health_check, health_pb.HealthCheckRequest(service="perms.v1.PermissionService"), metadata=())
                results["health_unknown_service"] = call(health_check, health_pb.HealthCheckRequest(service="no.such.Service"), metadata=())

                check_permission = methods["CheckPermission"]
                results["check_allowed"] = call(check_permission, check("carol", "acme", "project:read"))
                results["check_denied"] = call(check_permission, check("carol", "acme", "project:delete"))
                results["check_banned"] = call(check_permission, check("erin", "acme", "member:create"))
                results["check_not_a_member"] = call(check_permission, check("alice", "globex", "project:read"))
                results["check_dynamic_role"] = call(check_permission, check("dave", "acme", "member:create"))
                results["check_owner_no_explain"] = call(check_permission, check("alice", "acme", "project:delete organization:delete", explain=False))
                results["check_unknown_user"] = call(check_permission, check("no-such-user-interop", "acme", "project:read"))
                results["check_unknown_permission"] = call(check_permission, check("carol", "acme", "spaceship:launch"))

                bad = check("carol", "acme", "project:read")
                bad.user_id = ""
                batch = pb.CheckPermissionsRequest(checks=[check("carol", "acme", "project:read"), bad, check("bob", "acme", "project:update")])
                results["check_batch"] = call(methods["CheckPermissions"], batch)

                platform = pb.CheckPlatformPermissionRequest(user_id=user("dave"), explain=True)
                permissions("user:ban", platform.permissions)
                results["check_platform"] = call(methods["CheckPlatformPermission"], platform)
                platform_denied = pb.CheckPlatformPermissionRequest(user_id=user("carol"), explain=True)
                permissions("user:ban", platform_denied.permissions)
                results["check_platform_denied"] = call(methods["CheckPlatformPermission"], platform_denied)

                results["memberships"] = call(methods["GetMemberships"], pb.GetMembershipsRequest(user_id=user("carol")))
                results["memberships_banned"] = call(methods["GetMemberships"], pb.GetMembershipsRequest(user_id=user("erin")))
                results["effective"] = call(methods["GetEffectivePermissions"], pb.GetEffectivePermissionsRequest(user_id=user("bob"), organization_id=org("acme")))

                results["no_token"] = call(check_permission, check("carol", "acme", "project:read"), metadata=())
                wrong = (("authorization", f"Bearer {secrets.token_urlsafe(32)}"),)
                results["wrong_token"] = call(check_permission, check("carol", "acme", "project:read"), metadata=wrong)
                empty = check("carol", "acme", "project:read")
                empty.user_id = ""
                results["empty_user_id"] = call(check_permission, empty)
                consistent = check("carol", "acme", "project:read")
                consistent.consistency.fully_consistent = True
                results["fully_consistent"] = call(check_permission, consistent)
                fresh = check("carol", "acme", "project:read")
                fresh.consistency.at_least_as_fresh.GetCurrentTime()
                results["at_least_as_fresh"] = call(check_permission, fresh)
                too_late = check("carol", "acme", "project:read")
                too_late.consistency.at_least_as_fresh.seconds = 253402300800
                results["at_least_as_fresh_invalid"] = call(check_permission, too_late)
                results["unknown_method"] = call(unknown_method, b"", convert=lambda _: {})
        finally:
            channel.close()

    print(json.dumps({"client": f"grpcio {grpc.__version__} (python {sys.version.split()[0]})", "results": results}))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception:  # noqa: BLE001 - any failure of the script itself: exit 1 with the traceback on stderr
        import traceback

        traceback.print_exc()
        sys.exit(1)

#!/usr/bin/env python3
"""Follow Rondom's events as a partner, by default a jeugdzorg partner.

Opens `rondom.v1.SubscriptionService/Subscribe` and prints one JSON line per delivery on
stdout. Errors go to stderr as `error: <CODE>: <details>`, and a gRPC error exits with status 2.
The stubs come from `make python-client`, which writes them to clients/python/generated.
"""

import argparse
import json
import os
import queue
import sys
import threading
from pathlib import Path

HERE = Path(__file__).resolve().parent
GENERATED = HERE / "generated"
# Where `make tools` / `make python-client` install grpcio and protobuf, pinned.
TOOLS_PACKAGES = HERE.parent.parent / ".tools" / "py" / "grpc"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--addr", default="127.0.0.1:50051", help="hub address (default %(default)s)")
    add("--token", default=os.environ.get("RONDOM_TOKEN"), help="bearer token ($RONDOM_TOKEN)")
    add("--ca", metavar="PEM", help="TLS: the CA certificate that signed the hub's certificate "
        "(without it the connection is plaintext, for a hub on loopback)")
    add("--authority", metavar="NAME",
        help="TLS: the name in the hub's certificate, when --addr is an IP address")
    add("--purpose", default="uitvoering_jeugdwet",
        help="why you read: a Purpose in lowercase, without PURPOSE_ (default %(default)s)")
    add("--on-behalf-of", default="", help="the person or process reading, for the audit log")
    start = parser.add_mutually_exclusive_group()
    start.add_argument("--after", type=int, metavar="POSITION",
                       help="start after this stream position (default: the beginning)")
    start.add_argument("--live", action="store_true", help="only events recorded from now on")
    add("--durable", metavar="NAME", default="",
        help="durable subscription: reconnect with the same name to continue where you left")
    add("--pillar", action="append", default=[], help="only this pillar, e.g. jeugd (repeatable)")
    add("--kind", action="append", default=[],
        help="only this event kind, e.g. jeugdhulp_gestart (repeatable)")
    add("--max", type=int, metavar="N", help="stop after N deliveries")
    add("--idle-timeout", type=float, metavar="SECONDS", help="stop when nothing arrives this long")
    add("--ack", action="store_true", help="acknowledge each delivery (needs --durable)")
    args = parser.parse_args()
    if not args.token:
        parser.error("no token: pass --token or set RONDOM_TOKEN")
    if args.ack and not args.durable:
        parser.error("--ack needs --durable: only a durable subscription keeps acknowledgements")
    if args.after is not None and args.after < 0:
        parser.error("--after must be 0 or more")
    if args.max is not None and args.max < 1:
        parser.error("--max must be 1 or more")
    if args.idle_timeout is not None and args.idle_timeout <= 0:
        parser.error("--idle-timeout must be more than 0")
    return parser, args


def import_stubs():
    """Makes the generated stubs (and the pinned grpcio, if installed) importable."""
    if not (GENERATED / "rondom" / "v1" / "subscription_pb2_grpc.py").is_file():
        sys.exit(f"error: no gRPC stubs in {GENERATED}; "
                 "run `make python-client` in the repository root")
    if TOOLS_PACKAGES.is_dir():
        sys.path.insert(0, str(TOOLS_PACKAGES))
    sys.path.insert(0, str(GENERATED))
    try:
        import grpc
        from rondom.v1 import common_pb2, subscription_pb2, subscription_pb2_grpc
    except ImportError as err:
        sys.exit(f"error: cannot import the gRPC stubs ({err}); run `make python-client`")
    return grpc, common_pb2, subscription_pb2, subscription_pb2_grpc


def enum_values(parser, enum, prefix, names):
    """Maps lowercase names ("jeugd") to the values of `enum` ("PILLAR_JEUGD")."""
    known = [key.removeprefix(prefix).lower() for key in enum.keys()
             if not key.endswith("_UNSPECIFIED")]
    for name in names:
        if name.lower() not in known:
            what = prefix.rstrip("_").lower()
            parser.error(f"unknown {what} {name!r}; one of: {', '.join(known)}")
    return [enum.Value(prefix + name.upper()) for name in names]


class Requests:
    """The request stream: the open request, then acknowledgements. It stays open until
    close(), because a half-closed stream could carry no more acknowledgements."""

    _CLOSE = object()

    def __init__(self, first):
        self._queue = queue.Queue()
        self._queue.put(first)
        self.drained = threading.Event()

    def send(self, request):
        self._queue.put(request)

    def close(self):
        self._queue.put(self._CLOSE)

    def __iter__(self):
        while (request := self._queue.get()) is not self._CLOSE:
            yield request
        # gRPC takes the next request only once the previous one is sent.
        self.drained.set()


_END = object()


def pump(call, inbox):
    """Moves deliveries from the call to `inbox`, then _END or the exception that ended it.
    `inbox` holds one delivery, so HTTP/2 flow control still holds back a hub that is faster
    than this reader."""
    try:
        for delivery in call:
            inbox.put(delivery)
        inbox.put(_END)
    except Exception as err:  # usually grpc.RpcError; passed on so main never waits for nothing
        inbox.put(err)


def to_json(delivery, common_pb2):
    line = {
        "position": delivery.position,
        "household_id": delivery.household_id,
        "pillar": common_pb2.Pillar.Name(delivery.pillar),
        "kind": delivery.kind,
        "sight": common_pb2.Sight.Name(delivery.sight),
        "title": delivery.title,
    }
    if delivery.sight == common_pb2.SIGHT_FULL:
        line["persons"] = [
            {"pseudonym": person.pseudonym, "display_name": person.display_name, "bsn": person.bsn}
            for person in delivery.persons
        ]
        line["summary"] = delivery.summary
    return json.dumps(line, ensure_ascii=False)


def main():
    parser, args = parse_args()
    grpc, common_pb2, subscription_pb2, subscription_pb2_grpc = import_stubs()
    [purpose] = enum_values(parser, common_pb2.Purpose, "PURPOSE_", [args.purpose])
    open_request = subscription_pb2.OpenSubscription(
        purpose=purpose,
        on_behalf_of=args.on_behalf_of,
        durable_name=args.durable,
        pillars=enum_values(parser, common_pb2.Pillar, "PILLAR_", args.pillar),
        kinds=args.kind,
    )
    if args.live:
        open_request.live_only = True
    elif args.after is not None:
        open_request.after_position = args.after

    requests = Requests(subscription_pb2.SubscribeRequest(open=open_request))
    inbox = queue.Queue(maxsize=1)
    if args.ca:
        with open(args.ca, "rb") as ca:
            credentials = grpc.ssl_channel_credentials(root_certificates=ca.read())
        options = [("grpc.ssl_target_name_override", args.authority)] if args.authority else []
        channel = grpc.secure_channel(args.addr, credentials, options=options)
    else:
        channel = grpc.insecure_channel(args.addr)
    with channel:
        stub = subscription_pb2_grpc.SubscriptionServiceStub(channel)
        call = stub.Subscribe(iter(requests), metadata=[("authorization", f"Bearer {args.token}")])
        threading.Thread(target=pump, args=(call, inbox), daemon=True).start()
        received = 0
        try:
            while args.max is None or received < args.max:
                try:
                    item = inbox.get(timeout=args.idle_timeout)
                except queue.Empty:
                    break  # idle for --idle-timeout
                if item is _END:
                    break
                if isinstance(item, grpc.RpcError):
                    print(f"error: {item.code().name}: {item.details()}", file=sys.stderr)
                    return 2
                if isinstance(item, Exception):
                    raise item
                received += 1
                print(to_json(item, common_pb2), flush=True)
                if args.ack:
                    requests.send(subscription_pb2.SubscribeRequest(
                        ack=subscription_pb2.Acknowledge(position=item.position)))
        except KeyboardInterrupt:
            return 130
        except BrokenPipeError:  # e.g. `| head`: the reader has all it wants
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
        finally:
            # Let the last acknowledgement go out before leaving; whatever the hub holds
            # unacknowledged it offers again on the next connection.
            requests.close()
            if args.ack and call.is_active():
                requests.drained.wait(timeout=2)
            call.cancel()
    return 0


if __name__ == "__main__":
    sys.exit(main())

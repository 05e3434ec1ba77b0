#!/usr/bin/python3
"""A stand-in target for the runner's tests: speaks the probe protocol
(docs/probe-protocol.md) without doing anything real.

Every socket call succeeds; getsockopt answers 4 bytes of --value (hex).
  --features a,b   the features `hello` reports (default: none)
  --exit-on OP     exit, without answering, on the first request for OP
  --value HEX      what getsockopt returns (default 40000000: 64)
In TAP mode it finds the TAP and the facts either in ipconform-stackd's
arguments (--tap tap0 --ifname dut0 ...) or in IPCONFORM_* variables, and
attaches to the TAP before answering hello, as a stack must. `hello`'s
`implementation` then reports what it was told.
"""
import fcntl
import json
import os
import struct
import sys

TUNSETIFF = 0x400454CA
IFF_TAP, IFF_NO_PI = 0x0002, 0x1000


def parse(argv):
    opts = {"features": [], "exit_on": None, "value": "40000000", "facts": {}}
    i = 0
    while i < len(argv):
        name = argv[i]
        arg = argv[i + 1] if i + 1 < len(argv) else ""
        if name == "--features":
            opts["features"] = [f for f in arg.split(",") if f]
        elif name == "--exit-on":
            opts["exit_on"] = arg
        elif name == "--value":
            opts["value"] = arg
        elif name.startswith("--"):  # an ipconform-stackd fact; --route and --neighbour repeat
            opts["facts"].setdefault(name[2:], []).append(arg)
        else:
            sys.exit("fake_target: unexpected argument " + name)
        i += 2
    for key, value in os.environ.items():
        if key.startswith("IPCONFORM_") and key != "IPCONFORM_STACKD":
            opts["facts"]["env:" + key[len("IPCONFORM_"):].lower()] = [value]
    return opts


def attach(tap):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH22x", tap.encode(), IFF_TAP | IFF_NO_PI))
    return fd  # kept open for the process's life


def main():
    opts = parse(sys.argv[1:])
    facts = opts["facts"]
    tap = (facts.get("tap") or facts.get("env:tap") or [None])[0]
    tap_fd = attach(tap) if tap else None
    described = "; ".join(f"{k}={','.join(v)}" for k, v in sorted(facts.items()))
    for line in sys.stdin:
        req = json.loads(line)
        op = req.get("op")
        if op == opts["exit_on"]:
            sys.exit(3)
        resp = {"id": req["id"], "ret": 0, "errno": None}
        if op == "hello":
            resp.update(protocol=1, target="fake", release="0", features=opts["features"],
                        implementation=f"fake pid={os.getpid()} attached={tap_fd is not None}; {described}")
        elif op == "getsockopt":
            resp.update(optlen=len(opts["value"]) // 2, value=opts["value"])
        elif op in ("getsockname", "getpeername", "accept", "recvfrom"):
            resp.update(addr=None, addrlen=req.get("addrlen", 16))
            if op == "recvfrom":
                resp.update(data="")
        print(json.dumps(resp), flush=True)
        if op == "bye":
            break


main()

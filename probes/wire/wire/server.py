"""Request loop: one JSON object per line in, one per line out."""

import errno
import os
import json
import sys
import time
import traceback

from . import dissect as dis
from . import spec as sp
from .capture import BARRIER_PREFIX, Capture
from .errors import OpFailed, ProtocolError
from .scapy_env import ICMP, IP, VERSION, Ether, Raw

PROTOCOL_VERSION = 1


def _int_arg(req, name, default=None, lo=0):
    v = req.get(name, default)
    if v is None or isinstance(v, bool) or not isinstance(v, int) or v < lo:
        raise ProtocolError(f"{req.get('op')}: '{name}' must be an integer >= {lo}")
    return v


def in_initial_netns():
    """Whether this process shares the host's network namespace.

    The host's is the one kernel threads live in (kthreadd is PID 2); since
    Linux 6.18 it also has a fixed inode number. Unknown counts as the host's.
    """
    INIT_NET_INODE = 0xEFFFFFF9
    try:
        mine = os.stat("/proc/self/ns/net").st_ino
    except OSError:
        return True
    if mine == INIT_NET_INODE:
        return True
    try:
        with open("/proc/2/comm") as f:
            if f.read().strip() == "kthreadd":
                return os.stat("/proc/2/ns/net").st_ino == mine
    except OSError:
        pass
    return False


class Agent:
    def __init__(self, capture_factory=Capture):
        self.capture_factory = capture_factory
        # Only a real capture can touch an interface, so only it is refused
        # in the host's namespace; tests with a fake capture run anywhere.
        self.host_check = in_initial_netns if capture_factory is Capture else (lambda: False)
        self.cfg = sp.Config()
        self.cap = None
        self.case = None
        self.barrier_count = 0
        self.done = False
        self.ops = {
            "hello": self.op_hello,
            "begin": self.op_begin,
            "inject": self.op_inject,
            "frames": self.op_frames,
            "barrier": self.op_barrier,
            "end": self.op_end,
            "bye": self.op_bye,
        }

    # -- framing -------------------------------------------------------------
    def handle_line(self, line):
        """One request line -> one response object (never raises)."""
        rid = None
        try:
            try:
                req = json.loads(line)
            except (ValueError, UnicodeDecodeError) as e:
                raise ProtocolError(f"bad JSON: {e}") from None
            if not isinstance(req, dict):
                raise ProtocolError("a request is a JSON object")
            rid = req.get("id")
            op = req.get("op")
            handler = self.ops.get(op) if isinstance(op, str) else None
            if handler is None:
                raise ProtocolError(f"unknown op {op!r} (known: {sorted(self.ops)})")
            if op not in ("hello", "bye") and self.cap is None:
                raise ProtocolError(f"{op}: no 'hello' yet")
            resp = {"id": rid, "ret": 0, "errno": None}
            resp.update(handler(req) or {})
            return resp
        except ProtocolError as e:
            return {"id": rid, "ret": -1, "errno": None, "error": str(e)}
        except OpFailed as e:
            return {"id": rid, "ret": -1, "errno": e.errno_name, "message": str(e)}
        except Exception as e:  # survive anything
            traceback.print_exc(file=sys.stderr)
            return {"id": rid, "ret": -1, "errno": None,
                    "error": f"internal: {type(e).__name__}: {e}"}

    def serve(self, inp, out):
        for line in inp:
            if not line.strip():
                continue
            resp = self.handle_line(line)
            out.write(json.dumps(resp, separators=(",", ":")) + "\n")
            out.flush()
            if self.done:
                break
        if self.cap is not None:
            self.cap.close()

    # -- ops -----------------------------------------------------------------
    def op_hello(self, req):
        """Opens the capture on the tester interface."""
        version = req.get("version", PROTOCOL_VERSION)
        if version != PROTOCOL_VERSION:
            raise ProtocolError(f"hello: version {version!r} not supported "
                                f"(this agent speaks {PROTOCOL_VERSION})")
        iface = req.get("iface")
        if not isinstance(iface, str) or not iface:
            raise ProtocolError("hello: 'iface' must be an interface name")
        d = sp.Config()
        cfg = sp.Config(*(req.get(k, getattr(d, k)) for k in
                          ("tester_mac", "dut_mac", "tester_addr", "dut_addr")))
        for k in ("tester_mac", "dut_mac", "tester_addr", "dut_addr"):
            if not isinstance(getattr(cfg, k), str):
                raise ProtocolError(f"hello: '{k}' must be a string")
        if self.host_check():
            raise OpFailed("EPERM", "hello: refusing to open an interface in the host's "
                                    "network namespace; run the agent in a namespace of its own")
        if self.cap is None or self.cap.iface != iface:
            if self.cap is not None:
                self.cap.close()
                self.cap = None
            try:
                self.cap = self.capture_factory(iface)
            except OSError as e:
                raise OpFailed(errno.errorcode.get(e.errno, "EIO"),
                               f"hello: cannot open {iface!r}: {e}") from None
        self.cfg = cfg
        return {"agent": "scapy", "scapy": VERSION}

    def op_begin(self, req):
        self.case = req.get("case")
        self.cap.reset()
        return {}

    def _send(self, frames):
        for f in frames:
            try:
                self.cap.send(f)
            except OSError as e:
                raise OpFailed(errno.errorcode.get(e.errno, "EIO"), str(e)) from None

    def op_inject(self, req):
        if "frame" not in req:
            raise ProtocolError("inject: no 'frame'")
        frames, summaries = sp.build(req["frame"], self.cfg)
        self._send(frames)
        return {"frames": [{"hex": f.hex(), "summary": s}
                           for f, s in zip(frames, summaries)]}

    @staticmethod
    def _wire_bytes(fr):
        return dis.finish_partial_checksum(fr.data) if fr.partial else fr.data

    def op_frames(self, req):
        since = _int_arg(req, "since", 0)
        wait_ms = _int_arg(req, "wait_ms", 0)
        if wait_ms:
            self.cap.wait_in(since, wait_ms / 1000.0)
        frames, count, t0 = self.cap.snapshot(since)
        out = []
        for i, fr in enumerate(frames, start=since):
            if fr.dissected is None:
                data = self._wire_bytes(fr)
                d = {"hex": data.hex()}
                try:
                    d.update(dis.dissect(data))
                except Exception as e:
                    d["dissect_error"] = f"{type(e).__name__}: {e}"
                if fr.partial:
                    d["csum_partial"] = True
                fr.dissected = d
            d = {"index": i, "time": round(fr.time - t0, 6), "dir": fr.dir,
                 "barrier": fr.barrier}
            d.update(fr.dissected)
            out.append(d)
        return {"frames": out, "next": max(count, since)}

    def op_barrier(self, req):
        wait_ms = _int_arg(req, "wait_ms", 1000)
        self.barrier_count += 1
        n = self.barrier_count
        tag = b"%08d" % (n % 100000000)
        pkt = (Ether(src=self.cfg.tester_mac, dst=self.cfg.dut_mac)
               / IP(src=self.cfg.tester_addr, dst=self.cfg.dut_addr)
               / ICMP(type=8, id=0xB000 + (n & 0x0FFF), seq=n & 0xFFFF)
               / Raw(load=BARRIER_PREFIX + tag))
        self._send([bytes(pkt)])
        if not self.cap.wait_barrier(tag, wait_ms / 1000.0):
            raise OpFailed("ETIMEDOUT")
        return {}

    def op_end(self, req):
        t0 = self.cap.t0
        frames = self.cap.reset()
        return {"frames": [{"time": round(fr.time - t0, 6), "dir": fr.dir,
                            "hex": self._wire_bytes(fr).hex(),
                            "barrier": fr.barrier} for fr in frames]}

    def op_bye(self, req):
        self.done = True
        return {}

"""End to end on a veth pair, in a network namespace of the test's own.

A forked child unshares a fresh network namespace (so nothing here touches
the host's), makes dut0 (192.0.2.1/24, 02:00:00:00:01:01) and tst0
(02:00:00:00:02:02, no address), runs the agent on tst0 and hands the
responses back to the parent, which checks them. Needs root; skipped
otherwise. IPCONFORM_WIRE_BENCH=N sets the number of timed round trips
(default 200); medians go to stderr.
"""

import ctypes
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import traceback
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
AGENT = os.path.join(os.path.dirname(HERE), "agent.py")
CLONE_NEWNET = 0x40000000


def _unshare_net():
    if hasattr(os, "unshare"):
        os.unshare(CLONE_NEWNET)
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def _ip(*args):
    subprocess.run(["ip", *args], check=True)


def _setup():
    for path in ("/proc/sys/net/ipv6/conf/default/disable_ipv6",
                 "/proc/sys/net/ipv6/conf/all/disable_ipv6"):
        try:
            with open(path, "w") as f:
                f.write("1")
        except OSError:
            pass
    _ip("link", "add", "dut0", "type", "veth", "peer", "name", "tst0")
    _ip("link", "set", "dut0", "address", "02:00:00:00:01:01")
    _ip("link", "set", "tst0", "address", "02:00:00:00:02:02")
    _ip("addr", "add", "192.0.2.1/24", "dev", "dut0")
    _ip("link", "set", "lo", "up")
    _ip("link", "set", "dut0", "up")
    _ip("link", "set", "tst0", "up")
    _ip("neigh", "replace", "192.0.2.2", "lladdr", "02:00:00:00:02:02",
        "dev", "dut0", "nud", "permanent")


class _Agent:
    def __init__(self):
        self.p = subprocess.Popen(["/usr/bin/python3", AGENT], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE)
        self.n = 0

    def __call__(self, op, **kw):
        self.n += 1
        kw.update(id=self.n, op=op)
        self.p.stdin.write((json.dumps(kw) + "\n").encode())
        self.p.stdin.flush()
        line = self.p.stdout.readline()
        if not line:
            raise RuntimeError("agent died")
        r = json.loads(line)
        assert r["id"] == self.n, r
        return r

    def close(self):
        try:
            self("bye")
        finally:
            self.p.stdin.close()
            self.p.stdout.close()
            self.p.wait(10)


def _is_echo_reply(f, ident):
    return f["dir"] == "in" and "ICMP" in f and f["ICMP"]["type"] == 0 \
        and f["ICMP"].get("id") == ident


def _scenario():
    """Runs in the child, inside the new namespace. Returns a JSON-able dict."""
    _setup()
    res = {}
    a = _Agent()
    try:
        res["hello"] = a("hello", version=1, iface="tst0", tester_mac="02:00:00:00:02:02",
                         dut_mac="02:00:00:00:01:01", tester_addr="192.0.2.2",
                         dut_addr="192.0.2.1")
        res["begin"] = a("begin", case="integration")
        res["inject"] = a("inject", frame=[
            {"layer": "Ether"}, {"layer": "IP", "dst": "192.0.2.1"},
            {"layer": "ICMP", "type": 8, "id": 0x1234, "seq": 1},
            {"layer": "Raw", "load": "70696e67"}])
        frames = []
        nxt = 0
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and not any(
                _is_echo_reply(f, 0x1234) for f in frames):
            r = a("frames", since=nxt, wait_ms=1000)
            frames += r["frames"]
            nxt = r["next"]
        res["echo_frames"] = frames
        res["barrier"] = a("barrier", wait_ms=2000)
        r = a("frames", since=nxt, wait_ms=0)
        res["barrier_frames"] = r["frames"]
        nxt = r["next"]

        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("192.0.2.1", 40000))
        s.sendto(b"hello", ("192.0.2.2", 9))
        s.close()
        frames = []
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and not any("UDP" in f for f in frames):
            r = a("frames", since=nxt, wait_ms=1000)
            frames += r["frames"]
            nxt = r["next"]
        res["udp_frames"] = frames

        # Barrier with echo replies disabled: ETIMEDOUT.
        with open("/proc/sys/net/ipv4/icmp_echo_ignore_all", "w") as f:
            f.write("1")
        res["barrier_off"] = a("barrier", wait_ms=200)
        with open("/proc/sys/net/ipv4/icmp_echo_ignore_all", "w") as f:
            f.write("0")
        res["barrier_again"] = a("barrier", wait_ms=2000)

        res["end"] = a("end")

        # Timing.
        n = int(os.environ.get("IPCONFORM_WIRE_BENCH", "200"))
        a("begin", case="bench")
        inj, frm, rtt = [], [], []
        spec = [{"layer": "Ether"}, {"layer": "IP"}, {"layer": "UDP", "sport": 40000,
                                                      "dport": 9},
                {"layer": "Raw", "load": "00" * 16}]
        nxt = 0
        for _ in range(n):
            t = time.perf_counter()
            a("inject", frame=spec)
            inj.append(time.perf_counter() - t)
            t = time.perf_counter()
            r = a("frames", since=nxt, wait_ms=0)
            nxt = r["next"]
            frm.append(time.perf_counter() - t)
        a("end")
        a("begin", case="bench2")
        nxt = 0
        for i in range(n):
            t = time.perf_counter()
            a("inject", frame=[{"layer": "IP"}, {"layer": "ICMP", "type": 8, "id": 7,
                                                 "seq": i & 0xFFFF}])
            got = False
            while not got:
                r = a("frames", since=nxt, wait_ms=1000)
                nxt = r["next"]
                got = any(f["dir"] == "in" for f in r["frames"])
                if not r["frames"]:
                    break
            rtt.append(time.perf_counter() - t)
        a("end")
        res["timing_us"] = {
            "n": n,
            "inject_median": statistics.median(inj) * 1e6,
            "frames_nowait_median": statistics.median(frm) * 1e6,
            "echo_inject_plus_frames_wait_median": statistics.median(rtt) * 1e6,
        }
    finally:
        a.close()
    return res


@unittest.skipUnless(os.geteuid() == 0 and shutil.which("ip"), "needs root and ip(8)")
class VethTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            code = 1
            try:
                _unshare_net()
                out = _scenario()
                code = 0
            except BaseException:
                out = {"exception": traceback.format_exc()}
            try:
                with os.fdopen(w, "w") as f:
                    json.dump(out, f)
            finally:
                os._exit(code)
        os.close(w)
        with os.fdopen(r) as f:
            data = f.read()
        os.waitpid(pid, 0)
        cls.res = json.loads(data) if data else {"exception": "child wrote nothing"}
        if "timing_us" in cls.res:
            print(f"\nwire agent timing: {json.dumps(cls.res['timing_us'])}", file=sys.stderr)

    def setUp(self):
        if "exception" in self.res:
            self.fail(self.res["exception"])

    def test_hello(self):
        self.assertEqual(self.res["hello"]["ret"], 0)
        self.assertEqual(self.res["hello"]["agent"], "scapy")

    def test_echo(self):
        self.assertEqual(self.res["inject"]["ret"], 0)
        frames = self.res["echo_frames"]
        out = [f for f in frames if f["dir"] == "out"]
        self.assertTrue(out and out[0]["ICMP"]["type"] == 8, frames)
        replies = [f for f in frames if _is_echo_reply(f, 0x1234)]
        self.assertEqual(len(replies), 1, frames)
        rep = replies[0]
        self.assertEqual(rep["IP"]["src"], "192.0.2.1")
        self.assertEqual(rep["IP"]["dst"], "192.0.2.2")
        self.assertIs(rep["IP"]["chksum_ok"], True)
        self.assertIs(rep["ICMP"]["chksum_ok"], True)
        self.assertEqual(rep["Raw"]["load"], "70696e67")
        self.assertFalse(rep["barrier"])
        self.assertEqual([f["index"] for f in frames], list(range(len(frames))))

    def test_barrier(self):
        self.assertEqual(self.res["barrier"]["ret"], 0, self.res["barrier"])
        bf = self.res["barrier_frames"]
        self.assertEqual(sorted(f["dir"] for f in bf), ["in", "out"], bf)
        self.assertTrue(all(f["barrier"] for f in bf))
        self.assertEqual((self.res["barrier_off"]["ret"], self.res["barrier_off"]["errno"]),
                         (-1, "ETIMEDOUT"))
        self.assertEqual(self.res["barrier_again"]["ret"], 0)

    def test_udp_from_dut(self):
        udp = [f for f in self.res["udp_frames"] if "UDP" in f]
        self.assertEqual(len(udp), 1, self.res["udp_frames"])
        f = udp[0]
        self.assertEqual(f["dir"], "in")
        self.assertEqual((f["IP"]["src"], f["IP"]["dst"]), ("192.0.2.1", "192.0.2.2"))
        self.assertEqual((f["UDP"]["sport"], f["UDP"]["dport"]), (40000, 9))
        self.assertIs(f["IP"]["chksum_ok"], True)
        self.assertIs(f["UDP"]["chksum_ok"], True, f)
        self.assertEqual(f["Raw"]["load"], b"hello".hex())
        # veth leaves the UDP checksum to "hardware": the agent finishes it.
        print(f"\nUDP from DUT: csum_partial={f.get('csum_partial', False)}", file=sys.stderr)

    def test_end(self):
        end = self.res["end"]
        self.assertEqual(end["ret"], 0)
        dirs = {f["dir"] for f in end["frames"]}
        self.assertEqual(dirs, {"in", "out"})
        times = [f["time"] for f in end["frames"]]
        self.assertEqual(times, sorted(times))
        for f in end["frames"]:
            self.assertEqual(set(f), {"time", "dir", "hex", "barrier"})
        self.assertTrue(any(f["barrier"] for f in end["frames"]))


if __name__ == "__main__":
    unittest.main()

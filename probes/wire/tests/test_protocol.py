"""Request handling: answers, malformed requests, survival."""

import contextlib
import io
import json
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

from wire.server import Agent  # noqa: E402


class FakeCapture:
    """Stands in for the AF_PACKET capture: records what is sent."""

    def __init__(self, iface):
        if iface == "nosuch0":
            raise OSError(19, "No such device")
        self.iface = iface
        self.sent = []
        self.t0 = 0.0

    def send(self, data):
        self.sent.append(data)

    def reset(self):
        return []

    def wait_in(self, since, timeout):
        return False

    def wait_barrier(self, tag, timeout):
        return False

    def snapshot(self, since=0):
        return [], since, 0.0

    def close(self):
        pass


HELLO = {"op": "hello", "version": 1, "iface": "tst0", "tester_mac": "02:00:00:00:02:02",
         "dut_mac": "02:00:00:00:01:01", "tester_addr": "192.0.2.2", "dut_addr": "192.0.2.1"}


class InProcessTest(unittest.TestCase):
    def setUp(self):
        self.agent = Agent(capture_factory=FakeCapture)

    def req(self, obj):
        resp = self.agent.handle_line(json.dumps(obj))
        json.dumps(resp)
        return resp

    def test_hello_first(self):
        r = self.req({"id": 1, "op": "inject", "frame": [{"layer": "IP"}]})
        self.assertEqual((r["id"], r["ret"], r["errno"]), (1, -1, None))
        self.assertIn("hello", r["error"])
        r = self.req(dict(HELLO, id=2))
        self.assertEqual(r["ret"], 0)
        self.assertEqual(r["agent"], "scapy")
        self.assertIsInstance(r["scapy"], str)

    def test_hello_bad_iface_and_version(self):
        r = self.req(dict(HELLO, id=1, iface="nosuch0"))
        self.assertEqual((r["ret"], r["errno"]), (-1, "ENODEV"))
        self.assertIn("nosuch0", r["message"])
        r = self.req(dict(HELLO, id=2, version=9))
        self.assertIn("version", r["error"])

    def test_inject(self):
        self.req(dict(HELLO, id=1))
        r = self.req({"id": 2, "op": "inject", "frame": [
            {"layer": "Ether"}, {"layer": "IP"}, {"layer": "UDP", "dport": 9}]})
        self.assertEqual(r["ret"], 0, r)
        self.assertEqual(len(r["frames"]), 1)
        self.assertEqual(bytes.fromhex(r["frames"][0]["hex"]), self.agent.cap.sent[0])
        self.assertIn("UDP", r["frames"][0]["summary"])
        r = self.req({"id": 3, "op": "inject", "frame": [
            {"layer": "IP", "fragment": 8}, {"layer": "UDP"}, {"layer": "Raw", "load": "00" * 8}]})
        self.assertEqual(len(r["frames"]), 2)

    def test_bad_layer(self):
        self.req(dict(HELLO, id=1))
        r = self.req({"id": 5, "op": "inject", "frame": [{"layer": "Ether"}, {"layer": "IPv9"}]})
        self.assertEqual((r["id"], r["ret"]), (5, -1))
        self.assertIn("layer 1", r["error"])
        self.assertIn("IPv9", r["error"])
        r = self.req({"id": 6, "op": "inject"})
        self.assertIn("frame", r["error"])

    def test_bad_json_and_unknown_op(self):
        r = self.agent.handle_line("{not json")
        self.assertEqual((r["id"], r["ret"], r["errno"]), (None, -1, None))
        self.assertIn("JSON", r["error"])
        r = self.agent.handle_line("[1,2]")
        self.assertIn("object", r["error"])
        r = self.req({"id": 7, "op": "frobnicate"})
        self.assertEqual(r["id"], 7)
        self.assertIn("frobnicate", r["error"])

    def test_barrier_timeout(self):
        self.req(dict(HELLO, id=1))
        r = self.req({"id": 2, "op": "barrier", "wait_ms": 1})
        self.assertEqual((r["ret"], r["errno"]), (-1, "ETIMEDOUT"))
        self.assertNotIn("error", r)

    def test_bad_args(self):
        self.req(dict(HELLO, id=1))
        r = self.req({"id": 2, "op": "frames", "since": -1})
        self.assertIn("since", r["error"])
        r = self.req({"id": 3, "op": "frames", "since": 0, "wait_ms": "x"})
        self.assertIn("wait_ms", r["error"])

    def test_internal_error_survives(self):
        self.req(dict(HELLO, id=1))

        def boom(req):
            raise RuntimeError("kaboom")
        self.agent.ops["begin"] = boom
        with contextlib.redirect_stderr(io.StringIO()):
            r = self.req({"id": 2, "op": "begin", "case": "x"})
        self.assertIn("kaboom", r["error"])
        self.assertEqual(self.req({"id": 3, "op": "end"})["ret"], 0)


class SubprocessTest(unittest.TestCase):
    """The real agent process answers every line and stays alive."""

    def test_survives_garbage(self):
        p = subprocess.Popen(["/usr/bin/python3", os.path.join(ROOT, "agent.py")],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL)
        lines = [b"{bad json\n", b"\xff\xfe\n", b'{"id": 1, "op": "nope"}\n',
                 b'{"id": 2, "op": "inject", "frame": [{"layer": "Bogus"}]}\n',
                 b'{"id": 3, "op": "hello", "version": 1, "iface": "nosuch0"}\n',
                 b'{"id": 4, "op": "bye"}\n']
        out, _ = p.communicate(b"".join(lines), timeout=60)
        resps = [json.loads(x) for x in out.decode().splitlines()]
        self.assertEqual(len(resps), 6, out)
        self.assertEqual([r["id"] for r in resps], [None, None, 1, 2, 3, 4])
        for r in resps[:4]:
            self.assertEqual(r["ret"], -1)
            self.assertIn("error", r)
        # In the host's namespace (where this test runs) hello refuses before
        # touching any interface; elsewhere a missing interface is ENODEV.
        self.assertEqual(resps[4]["ret"], -1)
        self.assertIn(resps[4]["errno"], ("EPERM", "ENODEV"))
        self.assertEqual(resps[5]["ret"], 0)
        self.assertEqual(p.returncode, 0)


if __name__ == "__main__":
    unittest.main()

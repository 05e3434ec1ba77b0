"""Frame spec -> bytes: every layer, IP options, wrong checksums, fragments."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from wire import spec  # noqa: E402
from wire.errors import SpecError  # noqa: E402
from wire.scapy_env import Ether, IP, UDP  # noqa: E402

CFG = spec.Config(tester_mac="02:00:00:00:02:02", dut_mac="02:00:00:00:01:01",
                  tester_addr="192.0.2.2", dut_addr="192.0.2.1")


def build1(layers):
    frames, summaries = spec.build(layers, CFG)
    assert len(frames) == 1 and len(summaries) == 1
    return frames[0]


class LayersTest(unittest.TestCase):
    def test_defaults(self):
        f = build1([{"layer": "Ether"}, {"layer": "IP"}, {"layer": "UDP", "dport": 9}])
        p = Ether(f)
        self.assertEqual(p.src, "02:00:00:00:02:02")
        self.assertEqual(p.dst, "02:00:00:00:01:01")
        self.assertEqual(p[IP].src, "192.0.2.2")
        self.assertEqual(p[IP].dst, "192.0.2.1")
        self.assertEqual(p[UDP].dport, 9)

    def test_ether_prepended(self):
        f = build1([{"layer": "IP"}, {"layer": "ICMP"}])
        self.assertEqual(Ether(f).type, 0x0800)

    def test_raw_frame(self):
        f = build1([{"layer": "Raw", "load": "0102030405"}])
        self.assertEqual(f, bytes([1, 2, 3, 4, 5]))

    def test_every_layer(self):
        cases = [
            ([{"layer": "ARP", "op": 2}], "ARP"),
            ([{"layer": "IP"}, {"layer": "ICMP", "type": 8, "id": 7, "seq": 9}], "ICMP"),
            ([{"layer": "IP"}, {"layer": "UDP", "sport": 1, "dport": 2},
              {"layer": "Raw", "load": "aa"}], "UDP"),
            ([{"layer": "IP"}, {"layer": "TCP", "flags": "S", "seq": 5,
                                "options": [{"type": "MSS", "value": 1460},
                                            {"type": "NOP"},
                                            {"type": "WScale", "value": 7}]}], "TCP"),
            ([{"layer": "IP"}, {"layer": "IGMP", "type": 0x16, "gaddr": "239.1.1.1"}], "IGMP"),
            ([{"layer": "IP"}, {"layer": "IGMPv3", "type": 0x22},
              {"layer": "IGMPv3mr", "records": [{"layer": "IGMPv3gr", "rtype": 4,
                                                 "maddr": "239.1.1.1"}]}], "IGMPv3mr"),
            ([{"layer": "IP"}, {"layer": "ICMP", "type": 3, "code": 3},
              {"layer": "IPerror", "src": "192.0.2.1", "dst": "192.0.2.2"},
              {"layer": "UDPerror", "sport": 5, "dport": 6}], "UDPerror"),
            ([{"layer": "IP"}, {"layer": "ICMP", "type": 11},
              {"layer": "IPerror", "proto": 6}, {"layer": "TCPerror"}], "TCPerror"),
            ([{"layer": "IP"}, {"layer": "ICMP", "type": 3, "code": 4, "nexthopmtu": 1280},
              {"layer": "IPerror", "proto": 1}, {"layer": "ICMPerror", "type": 8}], "ICMPerror"),
            ([{"layer": "IP"}, {"layer": "UDP"}, {"layer": "Padding", "load": "0000"}], "Padding"),
        ]
        for layers, last in cases:
            with self.subTest(last=last):
                p = Ether(build1(layers))
                self.assertTrue(p.haslayer(last), p.summary())

    def test_tcp_option_values(self):
        f = build1([{"layer": "IP"}, {"layer": "TCP", "options": [
            {"type": "Timestamp", "value": [1, 2]}, {"type": "SAckOK"},
            {"type": 99, "data": "abcd"}]}])
        opts = Ether(f)["TCP"].options
        self.assertIn(("Timestamp", (1, 2)), opts)
        self.assertIn(("SAckOK", b""), opts)
        self.assertIn((99, b"\xab\xcd"), opts)

    def test_wrong_checksums_kept(self):
        f = build1([{"layer": "IP", "chksum": 0x1234, "len": 99, "ihl": 5},
                    {"layer": "UDP", "chksum": 0xBEEF}])
        p = Ether(f)
        self.assertEqual(p[IP].chksum, 0x1234)
        self.assertEqual(p[IP].len, 99)
        self.assertEqual(p[UDP].chksum, 0xBEEF)


class IPOptionsTest(unittest.TestCase):
    def opts(self, options):
        f = build1([{"layer": "IP", "options": options}, {"layer": "UDP"}])
        p = Ether(f)
        return f[34:14 + p[IP].ihl * 4]

    def test_nop_eol(self):
        self.assertEqual(self.opts([{"type": "NOP"}, {"type": "NOP"}, {"type": "NOP"},
                                    {"type": "EOL"}]), b"\x01\x01\x01\x00")

    def test_rr(self):
        b = self.opts([{"type": "RR", "pointer": 4, "routers": ["0.0.0.0", "0.0.0.0"]}])
        self.assertEqual(b, bytes([7, 11, 4]) + bytes(8) + b"\0")

    def test_lsrr_ssrr(self):
        self.assertEqual(self.opts([{"type": "LSRR", "routers": ["10.0.0.1"]}, {"type": "NOP"}]),
                         bytes([131, 7, 4, 10, 0, 0, 1, 1]))
        self.assertEqual(self.opts([{"type": "SSRR", "routers": ["10.0.0.1"], "pointer": 8},
                                    {"type": "NOP"}]),
                         bytes([137, 7, 8, 10, 0, 0, 1, 1]))

    def test_ts(self):
        self.assertEqual(self.opts([{"type": "TS", "flg": 0, "timestamps": [0, 0]}]),
                         bytes([68, 12, 5, 0]) + bytes(8))
        self.assertEqual(self.opts([{"type": "TS", "flg": 1, "oflw": 2, "pointer": 13,
                                     "timestamps": [{"addr": "1.2.3.4", "ts": 5}]}]),
                         bytes([68, 12, 13, 0x21, 1, 2, 3, 4, 0, 0, 0, 5]))

    def test_ra(self):
        self.assertEqual(self.opts([{"type": "RA"}]), bytes([148, 4, 0, 0]))

    def test_unknown_and_raw(self):
        self.assertEqual(self.opts([{"type": 150, "data": "abcd"}]), bytes([150, 4, 0xab, 0xcd]))
        self.assertEqual(self.opts([{"type": 7, "length": 1, "data": "00"}]),
                         bytes([7, 1, 0, 0]))
        self.assertEqual(self.opts([{"raw": "44010203"}]), bytes([0x44, 1, 2, 3]))

    def test_bad_option(self):
        with self.assertRaisesRegex(SpecError, r"layer 0 \(IP\)\.options\[1\].*'XX'"):
            self.opts([{"type": "NOP"}, {"type": "XX"}])
        with self.assertRaisesRegex(SpecError, r"routers\[0\]"):
            self.opts([{"type": "RR", "routers": ["nope"]}])


class FragmentTest(unittest.TestCase):
    def test_fragments_in_order(self):
        frames, _ = spec.build([{"layer": "IP", "id": 77, "fragment": 8},
                                {"layer": "UDP"}, {"layer": "Raw", "load": "00" * 12}], CFG)
        self.assertEqual(len(frames), 3)  # 8 + 12 bytes = 20 -> 8, 8, 4
        ips = [Ether(f)[IP] for f in frames]
        self.assertEqual([p.frag for p in ips], [0, 1, 2])
        self.assertEqual([int(p.flags) for p in ips], [1, 1, 0])
        self.assertEqual({p.id for p in ips}, {77})
        self.assertEqual([p.len for p in ips], [28, 28, 24])
        whole = bytes(IP(src="192.0.2.2", dst="192.0.2.1", id=77) / UDP() / (b"\0" * 12))
        self.assertEqual(b"".join(bytes(p.payload) for p in ips), whole[20:])

    def test_order_and_copied_options(self):
        frames, _ = spec.build([{"layer": "IP", "fragment": 8, "order": [2, 0, 1],
                                 "options": [{"type": "LSRR", "routers": ["1.1.1.1"]},
                                             {"type": "RR", "routers": ["0.0.0.0"]}]},
                                {"layer": "UDP"}, {"layer": "Raw", "load": "00" * 10}], CFG)
        ips = [Ether(f)[IP] for f in frames]
        self.assertEqual([p.frag for p in ips], [2, 0, 1])
        first = ips[1]
        self.assertEqual(first.ihl, 9)      # LSRR + RR (+ padding)
        self.assertEqual(ips[0].ihl, 7)     # LSRR only: RR is not copied
        self.assertEqual(ips[2].ihl, 7)

    def test_bad_fragment(self):
        with self.assertRaisesRegex(SpecError, r"fragment"):
            spec.build([{"layer": "IP", "fragment": 3}, {"layer": "UDP"}], CFG)
        with self.assertRaisesRegex(SpecError, r"order"):
            spec.build([{"layer": "IP", "fragment": 8, "order": [5]}, {"layer": "UDP"}], CFG)


class ErrorsTest(unittest.TestCase):
    def test_messages_name_layer_and_field(self):
        with self.assertRaisesRegex(SpecError, r"layer 1: unknown layer 'IPX'"):
            spec.build([{"layer": "Ether"}, {"layer": "IPX"}], CFG)
        with self.assertRaisesRegex(SpecError, r"layer 2 \(UDP\): unknown field 'dprt'"):
            spec.build([{"layer": "Ether"}, {"layer": "IP"}, {"layer": "UDP", "dprt": 1}], CFG)
        with self.assertRaisesRegex(SpecError, r"layer 1 \(IP\)\.ttl"):
            spec.build([{"layer": "Ether"}, {"layer": "IP", "ttl": "many"}], CFG)
        with self.assertRaisesRegex(SpecError, r"layer 2 \(Raw\)\.load: not a hex"):
            spec.build([{"layer": "Ether"}, {"layer": "IP"}, {"layer": "Raw", "load": "xyz"}], CFG)
        with self.assertRaisesRegex(SpecError, r"non-empty list"):
            spec.build({"layer": "IP"}, CFG)


if __name__ == "__main__":
    unittest.main()


class SourceRouteChecksumTest(unittest.TestCase):
    """The TCP/UDP pseudo-header's destination under LSRR/SSRR."""

    @staticmethod
    def ok(frame, dst):
        import struct
        ihl = (frame[14] & 15) * 4
        seg = frame[14 + ihl:]
        pseudo = (bytes(frame[26:30]) + bytes(map(int, dst.split("."))) + bytes([0, frame[23]])
                  + struct.pack("!H", len(seg)))
        b = pseudo + seg + (b"\0" if len(seg) % 2 else b"")
        t = sum(struct.unpack(f"!{len(b) // 2}H", b))
        while t >> 16:
            t = (t & 0xFFFF) + (t >> 16)
        return t == 0xFFFF

    def test_complete_route_uses_the_ip_destination(self):
        for kind in ("LSRR", "SSRR"):
            for proto in ("TCP", "UDP"):
                with self.subTest(kind=kind, proto=proto):
                    f = build1([{"layer": "IP", "options": [{"type": kind, "pointer": 8, "routers": ["192.0.2.254"]}]},
                                {"layer": proto, "sport": 1, "dport": 2}, {"layer": "Raw", "load": "6869"}])
                    self.assertTrue(self.ok(f, "192.0.2.1"))
                    self.assertEqual(Ether(f)[IP].dst, "192.0.2.1")

    def test_route_under_way_uses_its_last_address(self):
        f = build1([{"layer": "IP", "options": [{"type": "LSRR", "pointer": 4, "routers": ["192.0.2.254"]}]},
                    {"layer": "TCP"}])
        self.assertTrue(self.ok(f, "192.0.2.254"))  # Scapy's own rule, RFC 791 at the source

    def test_explicit_checksum_is_kept(self):
        f = build1([{"layer": "IP", "options": [{"type": "LSRR", "pointer": 8, "routers": ["192.0.2.254"]}]},
                    {"layer": "TCP", "chksum": 4660}])
        self.assertEqual(Ether(f)["TCP"].chksum, 4660)


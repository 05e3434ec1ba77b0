"""Build -> bytes -> dissect round trips, checksum verdicts, quoted packets."""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from wire import dissect, spec  # noqa: E402
from wire.scapy_env import IP, TCP, Ether, Raw  # noqa: E402

CFG = spec.Config()


def roundtrip(layers):
    frames, _ = spec.build(layers, CFG)
    d = dissect.dissect(frames[0])
    json.dumps(d)  # must be JSON-serialisable
    return frames[0], d


def corrupt(frame, offset):
    b = bytearray(frame)
    b[offset] ^= 0x01
    return bytes(b)


class RoundTripTest(unittest.TestCase):
    def test_udp(self):
        f, d = roundtrip([{"layer": "Ether"}, {"layer": "IP", "id": 4660, "flags": 2},
                          {"layer": "UDP", "sport": 40000, "dport": 9},
                          {"layer": "Raw", "load": "68656c6c6f"}])
        self.assertEqual(d["layers"], ["Ether", "IP", "UDP", "Raw"])
        self.assertEqual(d["Ether"], {"dst": "02:00:00:00:01:01", "src": "02:00:00:00:02:02",
                                      "type": 2048})
        ip = d["IP"]
        self.assertEqual((ip["version"], ip["ihl"], ip["len"], ip["id"], ip["flags"],
                          ip["proto"], ip["src"], ip["dst"], ip["options"]),
                         (4, 5, 33, 4660, 2, 17, "192.0.2.2", "192.0.2.1", []))
        self.assertIs(ip["chksum_ok"], True)
        self.assertEqual((d["UDP"]["sport"], d["UDP"]["dport"], d["UDP"]["len"]), (40000, 9, 13))
        self.assertIs(d["UDP"]["chksum_ok"], True)
        self.assertEqual(d["Raw"], {"load": "68656c6c6f"})
        self.assertNotIn("chksum_ok", d["Ether"])
        # payload byte corrupted: UDP checksum wrong, IP header still fine
        d2 = dissect.dissect(corrupt(f, len(f) - 1))
        self.assertIs(d2["IP"]["chksum_ok"], True)
        self.assertIs(d2["UDP"]["chksum_ok"], False)
        # TTL corrupted: IP header checksum wrong
        d3 = dissect.dissect(corrupt(f, 22))
        self.assertIs(d3["IP"]["chksum_ok"], False)

    def test_udp_zero_checksum(self):
        _, d = roundtrip([{"layer": "IP"}, {"layer": "UDP", "chksum": 0}])
        self.assertEqual(d["UDP"]["chksum"], 0)
        self.assertIs(d["UDP"]["chksum_ok"], True)

    def test_wrong_checksum_reported(self):
        _, d = roundtrip([{"layer": "IP", "chksum": 1}, {"layer": "TCP", "chksum": 2}])
        self.assertIs(d["IP"]["chksum_ok"], False)
        self.assertIs(d["TCP"]["chksum_ok"], False)

    def test_tcp(self):
        f, d = roundtrip([{"layer": "IP"}, {"layer": "TCP", "flags": "SA", "sport": 5000,
                                            "options": [{"type": "MSS", "value": 1460}]},
                          {"layer": "Raw", "load": "0102"}])
        self.assertEqual(d["TCP"]["flags"], 0x12)
        self.assertIn({"type": "MSS", "value": 1460}, d["TCP"]["options"])
        self.assertIs(d["TCP"]["chksum_ok"], True)
        self.assertIs(dissect.dissect(corrupt(f, len(f) - 2))["TCP"]["chksum_ok"], False)

    def test_tcp_options_of_a_linux_syn(self):
        # tcp_options_write order: MSS, SACK permitted, Timestamp, NOP, WScale.
        opts = bytes.fromhex("020405b40402080a0001e24000000000" "01030307")
        hdr = bytearray(bytes(TCP(sport=40000, dport=7, flags="S", seq=1, window=64240)))
        hdr[12] = ((20 + len(opts)) // 4) << 4
        f = bytes(Ether(dst="02:00:00:00:02:02") / IP(src="192.0.2.1", dst="192.0.2.2", proto=6)
                  / Raw(bytes(hdr) + opts))
        d = dissect.dissect(f)
        self.assertEqual(d["layers"], ["Ether", "IP", "TCP"])
        self.assertEqual(d["TCP"]["dataofs"], 10)
        self.assertEqual([(o["type"], o["value"]) for o in d["TCP"]["options"]],
                         [("MSS", 1460), ("SAckOK", ""), ("Timestamp", [123456, 0]),
                          ("NOP", None), ("WScale", 7)])
        # The dissected form is a spec again, and builds the same option bytes.
        g, _ = roundtrip([{"layer": "IP"}, {"layer": "TCP", "options": d["TCP"]["options"]}])
        self.assertEqual(g[14 + 20 + 20:], opts)

    def test_no_options_is_an_empty_list_even_without_payload(self):
        # A bare ACK: Scapy stops dissecting at the end of the bytes and would
        # leave `options` out; an empty IP datagram likewise.
        _, d = roundtrip([{"layer": "IP"}, {"layer": "TCP", "flags": "A"}])
        self.assertEqual(d["layers"], ["Ether", "IP", "TCP"])
        self.assertEqual(d["TCP"]["options"], [])
        _, d = roundtrip([{"layer": "IP"}, {"layer": "TCP", "flags": "A"}, {"layer": "Padding", "load": "000000000000"}])
        self.assertEqual(d["TCP"]["options"], [])
        _, d = roundtrip([{"layer": "IP", "proto": 253}])
        self.assertEqual(d["IP"]["options"], [])
        # A quoted header cut after 8 bytes has no dataofs: nothing invented.
        _, d = roundtrip([{"layer": "IP"}, {"layer": "ICMP", "type": 3, "code": 4},
                          {"layer": "IPerror", "proto": 6, "len": 60},
                          {"layer": "Raw", "load": "9c4000070000303900"[:16]}])
        self.assertEqual(d["TCPerror"], {"sport": 40000, "dport": 7, "seq": 12345})

    def test_checksum_under_a_source_route(self):
        # A route under way (pointer 4): RFC 791 puts its final destination
        # (198.51.100.7) in the pseudo-header, as Scapy does; a checksum with
        # the IP destination (the next hop) is also accepted (Linux's UDP
        # does that) and `chksum_pseudo_dst` tells which was used.
        layers = [{"layer": "IP", "dst": "192.0.2.254",
                   "options": [{"type": "LSRR", "routers": ["198.51.100.7"]}]},
                  {"layer": "TCP", "sport": 1, "dport": 2}]
        f, d = roundtrip(layers)
        self.assertIs(d["TCP"]["chksum_ok"], True)
        self.assertEqual(d["TCP"]["chksum_pseudo_dst"], "198.51.100.7")
        g, _ = roundtrip([layers[0], {"layer": "TCP", "sport": 1, "dport": 2, "chksum": 0}])
        import struct
        from wire.dissect import _sum16
        seg = bytearray(g[14 + 28:])
        pseudo = bytes([192, 0, 2, 2, 192, 0, 2, 254, 0, 6]) + struct.pack("!H", len(seg))
        struct.pack_into("!H", seg, 16, ~_sum16(pseudo + bytes(seg)) & 0xFFFF)
        d2 = dissect.dissect(g[:14 + 28] + bytes(seg))
        self.assertIs(d2["TCP"]["chksum_ok"], True)
        self.assertEqual(d2["TCP"]["chksum_pseudo_dst"], "192.0.2.254")
        self.assertIs(dissect.dissect(corrupt(f, len(f) - 1))["TCP"]["chksum_ok"], False)
        # No source route, or a finished one: no such field.
        _, d3 = roundtrip([{"layer": "IP"}, {"layer": "TCP"}])
        self.assertNotIn("chksum_pseudo_dst", d3["TCP"])

    def test_tcp_options_every_kind(self):
        options = [{"type": "NOP"}, {"type": "MSS", "value": 536}, {"type": "WScale", "value": 14},
                   {"type": "SAckOK"}, {"type": "SAck", "value": [1000, 2000]},
                   {"type": "Timestamp", "value": [4294967295, 1]}, {"type": "EOL"}]
        f, d = roundtrip([{"layer": "IP"}, {"layer": "TCP", "flags": "S", "options": options}])
        self.assertEqual(f[14 + 20 + 20:].hex(),
                         "01" "02040218" "03030e" "0402" "050a000003e8000007d0"
                         "080affffffff00000001" "00" "00")  # padded to 32 bytes
        self.assertEqual([(o["type"], o["value"]) for o in d["TCP"]["options"]],
                         [("NOP", None), ("MSS", 536), ("WScale", 14), ("SAckOK", ""),
                          ("SAck", [1000, 2000]), ("Timestamp", [4294967295, 1]), ("EOL", None)])
        self.assertEqual(d["TCP"]["dataofs"], 5 + len(f[14 + 20 + 20:]) // 4)
        self.assertIs(d["TCP"]["chksum_ok"], True)
        # An unknown kind and a known one with odd data are kept as hex.
        _, d = roundtrip([{"layer": "IP"}, {"layer": "TCP", "options": [
            {"type": 99, "data": "abcd"}, {"type": "MSS", "data": "05"}]}])
        self.assertEqual(d["TCP"]["options"][:2], [{"type": 99, "data": "abcd"},
                                                   {"type": "MSS", "value": "05"}])

    def test_icmp(self):
        f, d = roundtrip([{"layer": "IP"}, {"layer": "ICMP", "type": 8, "id": 3, "seq": 4},
                          {"layer": "Raw", "load": "abcd"}])
        self.assertEqual((d["ICMP"]["type"], d["ICMP"]["id"], d["ICMP"]["seq"]), (8, 3, 4))
        self.assertIs(d["ICMP"]["chksum_ok"], True)
        self.assertIs(dissect.dissect(corrupt(f, len(f) - 1))["ICMP"]["chksum_ok"], False)

    def test_igmp(self):
        f, d = roundtrip([{"layer": "IP", "ttl": 1, "options": [{"type": "RA"}]},
                          {"layer": "IGMP", "type": 0x16, "gaddr": "239.1.2.3"}])
        self.assertEqual(d["IGMP"]["gaddr"], "239.1.2.3")
        self.assertIs(d["IGMP"]["chksum_ok"], True)
        self.assertEqual(d["IP"]["options"], [{"type": "RA", "copy_flag": 1, "length": 4,
                                               "alert": 0}])
        self.assertIs(dissect.dissect(corrupt(f, len(f) - 1))["IGMP"]["chksum_ok"], False)

    def test_igmpv3(self):
        _, d = roundtrip([{"layer": "IP"}, {"layer": "IGMPv3", "type": 0x22},
                          {"layer": "IGMPv3mr", "records": [
                              {"rtype": 1, "maddr": "239.1.1.1", "srcaddrs": ["10.0.0.1"]}]}])
        self.assertIs(d["IGMPv3"]["chksum_ok"], True)
        self.assertEqual(d["IGMPv3mr"]["records"][0]["srcaddrs"], ["10.0.0.1"])
        self.assertEqual(d["IGMPv3mr"]["numgrp"], 1)

    def test_arp(self):
        _, d = roundtrip([{"layer": "ARP", "op": 2, "pdst": "192.0.2.1"}])
        self.assertEqual(d["ARP"]["op"], 2)
        self.assertEqual(d["ARP"]["psrc"], "192.0.2.2")
        self.assertEqual(d["ARP"]["hwsrc"], "02:00:00:00:02:02")

    def test_duplicate_layer_names(self):
        _, d = roundtrip([{"layer": "IP", "proto": 4}, {"layer": "IP", "dst": "10.0.0.1"},
                          {"layer": "UDP"}])
        self.assertEqual(d["layers"], ["Ether", "IP", "IP_2", "UDP"])
        self.assertEqual(d["IP_2"]["dst"], "10.0.0.1")
        self.assertIs(d["UDP"]["chksum_ok"], True)

    def test_padding(self):
        _, d = roundtrip([{"layer": "IP"}, {"layer": "UDP"}, {"layer": "Padding", "load": "0000"}])
        self.assertEqual(d["Padding"], {"load": "0000"})
        self.assertIs(d["UDP"]["chksum_ok"], True)


class IPOptionsDissectTest(unittest.TestCase):
    def options(self, opts):
        return roundtrip([{"layer": "IP", "options": opts}, {"layer": "UDP"}])[1]["IP"]["options"]

    def test_all_kinds(self):
        got = self.options([
            {"type": "NOP"},
            {"type": "RR", "routers": ["0.0.0.0", "0.0.0.0"]},
            {"type": "TS", "flg": 0, "timestamps": [7]},
            {"type": "LSRR", "routers": ["10.0.0.1"]},
            {"type": "SSRR", "routers": ["10.0.0.2"]},
            {"type": "EOL"}])
        self.assertEqual(got[0], {"type": "NOP", "copy_flag": 0})
        self.assertEqual(got[1], {"type": "RR", "copy_flag": 0, "length": 11, "pointer": 4,
                                  "routers": ["0.0.0.0", "0.0.0.0"]})
        self.assertEqual(got[2], {"type": "TS", "copy_flag": 0, "length": 8, "pointer": 5,
                                  "oflw": 0, "flg": 0, "timestamps": [7]})
        self.assertEqual(got[3], {"type": "LSRR", "copy_flag": 1, "length": 7, "pointer": 4,
                                  "routers": ["10.0.0.1"]})
        self.assertEqual(got[4]["type"], "SSRR")
        self.assertEqual(got[5], {"type": "EOL", "copy_flag": 0})
        got = self.options([
            {"type": "TS", "flg": 3, "pointer": 5, "timestamps": [{"addr": "10.0.0.1", "ts": 0}]},
            {"type": "RA", "alert": 0},
            {"type": 150, "data": "beef"}])
        self.assertEqual(got[0]["timestamps"], [{"addr": "10.0.0.1", "ts": 0}])
        self.assertEqual(got[0]["flg"], 3)
        self.assertEqual(got[1], {"type": "RA", "copy_flag": 1, "length": 4, "alert": 0})
        self.assertEqual(got[2], {"type": 150, "length": 4, "data": "beef"})

    def test_malformed(self):
        got = self.options([{"raw": "0764"}, {"raw": "0000"}])
        self.assertEqual(got[0]["type"], 7)
        self.assertTrue(got[0]["malformed"])


class QuotedTest(unittest.TestCase):
    def test_icmp_error_quotes_udp(self):
        _, d = roundtrip([{"layer": "IP", "src": "192.0.2.2", "dst": "192.0.2.1"},
                          {"layer": "ICMP", "type": 3, "code": 3},
                          {"layer": "IPerror", "src": "192.0.2.1", "dst": "192.0.2.2"},
                          {"layer": "UDPerror", "sport": 40000, "dport": 9},
                          {"layer": "Raw", "load": "68656c6c6f"}])
        self.assertEqual(d["layers"], ["Ether", "IP", "ICMP", "IPerror", "UDPerror", "Raw"])
        self.assertEqual((d["ICMP"]["type"], d["ICMP"]["code"]), (3, 3))
        self.assertEqual(d["IPerror"]["dst"], "192.0.2.2")
        self.assertIs(d["IPerror"]["chksum_ok"], True)
        self.assertEqual(d["UDPerror"]["dport"], 9)
        self.assertIs(d["UDPerror"]["chksum_ok"], True)
        self.assertIs(d["ICMP"]["chksum_ok"], True)

    def test_truncated_quote(self):
        _, d = roundtrip([{"layer": "IP"}, {"layer": "ICMP", "type": 11},
                          {"layer": "IPerror", "len": 1000, "proto": 6},
                          {"layer": "TCPerror"}])
        self.assertIn("TCPerror", d["layers"])
        self.assertIsNone(d["TCPerror"]["chksum_ok"])
        self.assertIs(d["IPerror"]["chksum_ok"], True)

    def test_icmp_error_quotes_icmp(self):
        _, d = roundtrip([{"layer": "IP"}, {"layer": "ICMP", "type": 3, "code": 1},
                          {"layer": "IPerror", "proto": 1},
                          {"layer": "ICMPerror", "type": 8, "id": 1, "seq": 2}])
        self.assertEqual(d["ICMPerror"]["type"], 8)
        self.assertIs(d["ICMPerror"]["chksum_ok"], True)


class FragmentDissectTest(unittest.TestCase):
    def test_fragment_transport_checksum_unknown(self):
        frames, _ = spec.build([{"layer": "IP", "fragment": 8}, {"layer": "UDP"},
                                {"layer": "Raw", "load": "00" * 16}], CFG)
        d = dissect.dissect(frames[0])
        self.assertIs(d["IP"]["chksum_ok"], True)
        self.assertIsNone(d["UDP"]["chksum_ok"])


class PartialChecksumTest(unittest.TestCase):
    def test_finish(self):
        frames, _ = spec.build([{"layer": "IP"}, {"layer": "UDP", "dport": 9},
                                {"layer": "Raw", "load": "68656c6c6f"}], CFG)
        f = frames[0]
        # Put the pseudo-header sum (as the kernel leaves it for offload).
        import struct
        ph = bytes([192, 0, 2, 2, 192, 0, 2, 1, 0, 17]) + struct.pack("!H", 13)
        s = dissect._sum16(ph)
        b = bytearray(f)
        struct.pack_into("!H", b, 40, s)
        self.assertIs(dissect.dissect(bytes(b))["UDP"]["chksum_ok"], False)
        done = dissect.finish_partial_checksum(bytes(b))
        self.assertEqual(done, f)


if __name__ == "__main__":
    unittest.main()

"""Frame bytes -> JSON field tree, with Scapy doing the dissection.

Every layer appears under its Scapy class name (a second layer of the same
name gets ``NAME_2``, and so on; ``layers`` lists the keys in order). Integers
stay integers, FlagValues become integers, addresses stay strings, bytes become
lowercase hex. A layer with a ``chksum`` field also gets ``chksum_ok``.
"""

import ipaddress
import struct

from . import ipopts
from .checksum import sum16 as _sum16
from .scapy_env import (IP, TCP, UDP, Ether, FlagValue, NoPayload, Packet)



def _value(v):
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, FlagValue):
        return int(v)
    if isinstance(v, int):
        return int(v)
    if isinstance(v, str):
        return v
    if isinstance(v, (bytes, bytearray)):
        return bytes(v).hex()
    if isinstance(v, (list, tuple)):
        return [_value(x) for x in v]
    if isinstance(v, Packet):
        return _fields(v)
    if isinstance(v, float):
        return v
    return str(v)


def _tcp_options(opts):
    out = []
    for name, val in opts:
        if isinstance(name, int):
            out.append({"type": name, "data": bytes(val).hex() if val else ""})
        else:
            out.append({"type": name, "value": _value(val)})
    return out


def _fields(p):
    d = {}
    for f in p.fields_desc:
        if f.name not in p.fields:
            # Scapy stops dissecting where the bytes end: a header without
            # options and nothing after it (a bare ACK, an empty datagram)
            # would lack `options`. Its header length says there are none.
            if f.name == "options" and (
                    (isinstance(p, TCP) and "dataofs" in p.fields and p.dataofs is not None and p.dataofs <= 5)
                    or (isinstance(p, IP) and "ihl" in p.fields and p.ihl is not None and p.ihl <= 5)):
                d["options"] = []
            continue
        v = p.fields[f.name]
        if f.name == "options" and isinstance(p, IP):
            raw = p.raw_packet_cache
            if raw is None:
                raw = b"".join(bytes(o) for o in v)
            else:
                raw = raw[20:p.ihl * 4] if p.ihl is not None else raw[20:]
            d["options"] = ipopts.dissect(raw)
        elif f.name == "options" and isinstance(p, TCP):
            d["options"] = _tcp_options(v)
        else:
            d[f.name] = _value(v)
    return d


def _route_final(opts):
    """The final destination an unfinished LSRR/SSRR names (the option's
    last address, pointer <= length), or None."""
    i = 0
    while i < len(opts):
        t = opts[i]
        if t == 0:
            return None
        if t == 1:
            i += 1
            continue
        if i + 2 >= len(opts) or opts[i + 1] < 3 or i + opts[i + 1] > len(opts):
            return None
        length = opts[i + 1]
        if t in (131, 137) and length >= 7 and opts[i + 2] <= length:
            return bytes(opts[i + length - 4:i + length])
        i += length
    return None


class _IPInfo:
    """Where an IP (or quoted IP) header sits in the frame."""
    __slots__ = ("start", "hlen", "end", "complete", "pseudo", "final", "fragment")

    def __init__(self, p, start, limit, data=b""):
        self.start = start
        self.hlen = (p.ihl or 5) * 4
        total = p.len if p.len is not None else limit - start
        self.end = min(start + total, limit)
        self.complete = start + total <= limit
        self.fragment = bool(int(p.flags) & 1) or bool(p.frag)
        self.pseudo = (ipaddress.IPv4Address(p.src).packed
                       + ipaddress.IPv4Address(p.dst).packed
                       + bytes([0, p.proto & 0xFF]))
        # Under a source route still under way, RFC 791's pseudo-header holds
        # the final destination, not the IP destination (the next hop).
        self.final = _route_final(data[start + 20:start + self.hlen])


def _chksum_ok(p, data, off, ip):
    """Is the checksum in the frame the one Scapy would compute for this
    layer? Verified as a one's complement sum over the bytes Scapy covers
    (with the IPv4 pseudo-header for UDP and TCP): a correct checksum makes
    it 0xFFFF. None when it cannot be told (truncated quote, fragment)."""
    if isinstance(p, IP):
        hdr = data[off:off + (p.ihl or 5) * 4]
        return _sum16(hdr) == 0xFFFF
    if ip is None:
        return None
    if not ip.complete or ip.fragment:
        return None
    seg = data[off:ip.end]
    if isinstance(p, (UDP, TCP)):
        if isinstance(p, UDP) and p.chksum == 0:
            return True  # no checksum (RFC 768)
        return _pseudo_ok(ip, seg) is not None
    return _sum16(seg) == 0xFFFF


def _pseudo_ok(ip, seg):
    """The destination address whose pseudo-header makes the TCP/UDP checksum
    right: "ip" (the header's), "final" (a source route's final destination),
    or None."""
    n = struct.pack("!H", len(seg))
    if _sum16(ip.pseudo + n + seg) == 0xFFFF:
        return "ip"
    if ip.final is not None and _sum16(ip.pseudo[:4] + ip.final + ip.pseudo[8:] + n + seg) == 0xFFFF:
        return "final"
    return None


def dissect_packet(pkt, data=None):
    """Scapy packet -> (layer keys, {key: fields})."""
    if data is None:
        data = bytes(pkt)
    layers, tree = [], {}
    p = pkt
    off = 0
    ip = None
    while p is not None and not isinstance(p, NoPayload):
        name = type(p).__name__
        key = name
        n = 2
        while key in tree:
            key = f"{name}_{n}"
            n += 1
        fields = _fields(p)
        if isinstance(p, IP):
            ip = _IPInfo(p, off, ip.end if ip is not None else len(data), data)
        if "chksum" in p.fields and p.fields["chksum"] is not None:
            try:
                fields["chksum_ok"] = _chksum_ok(p, data, off, ip)
                # Under a source route, which destination the checksum used.
                if (isinstance(p, (UDP, TCP)) and ip is not None and ip.final is not None
                        and fields["chksum_ok"] and not (isinstance(p, UDP) and p.chksum == 0)):
                    which = _pseudo_ok(ip, data[off:ip.end])
                    fields["chksum_pseudo_dst"] = str(ipaddress.IPv4Address(
                        ip.final if which == "final" else ip.pseudo[4:8]))
            except Exception:
                fields["chksum_ok"] = None
        layers.append(key)
        tree[key] = fields
        cache = p.raw_packet_cache
        if cache is None:
            try:
                cache = bytes(p)[:len(bytes(p)) - len(bytes(p.payload))]
            except Exception:
                cache = b""
        off += len(cache)
        p = p.payload
    return layers, tree


def dissect(data):
    """Frame bytes -> {"summary", "layers", LAYER: {...}, ...}."""
    pkt = Ether(data)
    layers, tree = dissect_packet(pkt, data)
    out = {"summary": pkt.summary(), "layers": layers}
    out.update(tree)
    return out


def finish_partial_checksum(data):
    """Finish a TCP/UDP checksum left for offload (CHECKSUM_PARTIAL): the
    field holds the pseudo-header sum; fold the sum over the transport bytes
    in, as a NIC would. Returns the bytes as they would be on the wire."""
    if len(data) < 34 or data[12:14] != b"\x08\x00":
        return data
    ihl = (data[14] & 15) * 4
    total = struct.unpack_from("!H", data, 16)[0]
    proto = data[23]
    start = 14 + ihl
    end = min(len(data), 14 + total)
    if proto == 6:
        off = start + 16
    elif proto == 17:
        off = start + 6
    else:
        return data
    if off + 2 > end:
        return data
    seg = data[start:end]
    if len(seg) % 2:
        seg += b"\0"
    s = sum(struct.unpack(f"!{len(seg) // 2}H", seg))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    c = ~s & 0xFFFF
    if proto == 17 and c == 0:
        c = 0xFFFF
    b = bytearray(data)
    struct.pack_into("!H", b, off, c)
    return bytes(b)

"""Frame spec (JSON list of layers, outermost first) -> frames to send.

Each layer is an object ``{"layer": NAME, field: value, ...}``. Fields take
Scapy's names; unset fields keep Scapy's defaults (computed lengths and
checksums included), and a computed field set explicitly is sent as given.
Values: integers, strings for addresses, lowercase hex for bytes fields,
lists for list fields; IP ``options`` and TCP ``options`` as documented in
docs/wire-agent.md.
"""

import struct

from . import ipopts
from .checksum import sum16 as _sum16
from .errors import SpecError
from .scapy_env import (ARP, IP, LAYERS, ConditionalField, Emph, Ether,
                        IPerror, MultipleTypeField, PacketListField, Raw,
                        StrField, TCPerror, TCP)
from .scapy_env import conf  # noqa: F401  (Scapy configured on import)

try:
    from scapy.layers.inet import TCPOptions
except ImportError:  # pragma: no cover
    TCPOptions = ({}, {})

# Keys of a layer object that are not Scapy fields.
_IP_EXTRA = {"fragment", "order"}
MF = 1


class Config:
    """Addresses from `hello`, used as defaults."""

    def __init__(self, tester_mac="02:00:00:00:02:02", dut_mac="02:00:00:00:01:01",
                 tester_addr="192.0.2.2", dut_addr="192.0.2.1"):
        self.tester_mac = tester_mac
        self.dut_mac = dut_mac
        self.tester_addr = tester_addr
        self.dut_addr = dut_addr


def _base_field(f):
    while True:
        if isinstance(f, MultipleTypeField):
            f = f.dflt
        elif isinstance(f, (ConditionalField, Emph)):
            f = f.fld
        else:
            return f


_FIELDS_CACHE = {}


def _fields(cls):
    d = _FIELDS_CACHE.get(cls)
    if d is None:
        d = {f.name: f for f in cls.fields_desc}
        _FIELDS_CACHE[cls] = d
    return d


def _hex(where, v):
    if isinstance(v, (bytes, bytearray)):
        return bytes(v)
    if not isinstance(v, str):
        raise SpecError(f"{where}: expected a lowercase hex string, got {v!r}")
    try:
        return bytes.fromhex(v)
    except ValueError:
        raise SpecError(f"{where}: not a hex string: {v!r}") from None


def _tcp_options(where, opts):
    if not isinstance(opts, list):
        raise SpecError(f"{where}: options is a list of objects")
    out = []
    for i, o in enumerate(opts):
        w = f"{where}[{i}]"
        if not isinstance(o, dict) or "type" not in o:
            raise SpecError(f"{w}: an option is an object with 'type'")
        t = o["type"]
        extra = set(o) - {"type", "value", "data"}
        if extra:
            raise SpecError(f"{w}: unknown keys {sorted(extra)}")
        if isinstance(t, int) and not isinstance(t, bool):
            if not 0 <= t <= 255:
                raise SpecError(f"{w}.type: out of range: {t}")
            out.append((t, _hex(w + ".data", o.get("data", ""))))
            continue
        if t not in TCPOptions[1]:
            raise SpecError(f"{w}.type: unknown TCP option {t!r} "
                            f"(known: {sorted(TCPOptions[1])}; or a number with 'data')")
        if "data" in o:
            out.append((TCPOptions[1][t], _hex(w + ".data", o["data"])))
            continue
        v = o.get("value")
        if t in ("Timestamp", "SAck", "AltChkSum", "TFO") and isinstance(v, list):
            v = tuple(v)
        elif t in ("SAckOK", "AltChkSumOpt", "AO"):
            v = b"" if v is None else _hex(w + ".value", v)
        elif t in ("MD5", "Mood") and isinstance(v, str):
            v = _hex(w + ".value", v)
        out.append((t, v))
    return out


def _convert(cls, where, name, fld, value):
    if name == "options" and issubclass(cls, IP):
        return ipopts.build(where, value)
    if name == "options" and issubclass(cls, TCP):
        return _tcp_options(where, value)
    if isinstance(fld, MultipleTypeField):
        return value  # e.g. ARP addresses: their type depends on the packet
    base = _base_field(fld)
    if isinstance(base, PacketListField):
        if not isinstance(value, list):
            raise SpecError(f"{where}: expected a list of layer objects")
        sub = []
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                raise SpecError(f"{where}[{i}]: expected a layer object")
            item = dict(item)
            item.setdefault("layer", base.cls.__name__ if isinstance(base.cls, type) else None)
            sub.append(_layer(f"{where}[{i}]", item, None))
        return sub
    if isinstance(base, StrField):
        return _hex(where, value)
    if isinstance(value, float) or isinstance(value, dict):
        raise SpecError(f"{where}: unsupported value {value!r}")
    return value


def _layer(where, spec, cfg):
    """One layer object -> a Scapy packet (no payload)."""
    if not isinstance(spec, dict):
        raise SpecError(f"{where}: a layer is an object, got {spec!r}")
    name = spec.get("layer")
    cls = LAYERS.get(name) if isinstance(name, str) else None
    if cls is None:
        raise SpecError(f"{where}: unknown layer {name!r} (known: {sorted(LAYERS)})")
    where = f"{where} ({name})"
    fields = _fields(cls)
    kw = {}
    for key, value in spec.items():
        if key == "layer" or (key in _IP_EXTRA and cls is IP):
            continue
        fld = fields.get(key)
        if fld is None:
            raise SpecError(f"{where}: unknown field {key!r} (fields: {sorted(fields)})")
        kw[key] = _convert(cls, f"{where}.{key}", key, fld, value)
    if cfg is not None:
        if cls is Ether:
            kw.setdefault("src", cfg.tester_mac)
            kw.setdefault("dst", cfg.dut_mac)
        elif cls is IP:
            kw.setdefault("src", cfg.tester_addr)
            kw.setdefault("dst", cfg.dut_addr)
        elif cls is ARP:
            kw.setdefault("hwsrc", cfg.tester_mac)
            kw.setdefault("psrc", cfg.tester_addr)
            kw.setdefault("pdst", cfg.dut_addr)
    try:
        pkt = cls(**kw)
    except Exception as e:
        raise SpecError(f"{where}: {type(e).__name__}: {e}") from None
    # Encode each given field alone so that a bad value is reported with its
    # name rather than as a failure of the whole build.
    for key in kw:
        fld = pkt.get_field(key)
        try:
            fld.addfield(pkt, b"", pkt.getfieldval(key))
        except Exception as e:
            raise SpecError(f"{where}.{key}: bad value {spec[key]!r}: "
                            f"{type(e).__name__}: {e}") from None
    return pkt


def build_packet(spec, cfg):
    """Frame spec -> (Scapy packet, fragmentation request or None)."""
    if not isinstance(spec, list) or not spec:
        raise SpecError("frame: a frame spec is a non-empty list of layers")
    layers = [_layer(f"layer {i}", s, cfg) for i, s in enumerate(spec)]
    if not isinstance(layers[0], (Ether, Raw)):
        layers.insert(0, Ether(src=cfg.tester_mac, dst=cfg.dut_mac))
        spec = [{"layer": "Ether"}] + list(spec)
    frag = None
    for i, s in enumerate(spec):
        if isinstance(s, dict) and s.get("layer") == "IP" and (
                "fragment" in s or "order" in s):
            if frag is not None:
                raise SpecError(f"layer {i} (IP): only one IP layer may be fragmented")
            size = s.get("fragment")
            if isinstance(size, bool) or not isinstance(size, int) or size < 8:
                raise SpecError(f"layer {i} (IP).fragment: expected an integer >= 8, got {size!r}")
            order = s.get("order")
            if order is not None and (not isinstance(order, list) or not all(
                    isinstance(k, int) and not isinstance(k, bool) for k in order)):
                raise SpecError(f"layer {i} (IP).order: expected a list of fragment indices")
            frag = (i, size, order)
    # Chain in place (Packet.__truediv__ copies both sides at every step).
    for upper, lower in zip(layers, layers[1:]):
        upper.add_payload(lower)
    return layers[0], frag


def _copied_options(raw):
    """Options with the copy flag set, for the fragments after the first."""
    out, i = b"", 0
    while i < len(raw):
        t = raw[i]
        if t in (0, 1):
            i += 1
            continue
        if i + 1 >= len(raw) or raw[i + 1] < 2:
            break
        if t & 0x80:
            out += raw[i:i + raw[i + 1]]
        i += raw[i + 1]
    return out + b"\0" * (-len(out) % 4)


def _fragment(pkt, frag):
    index, size, order = frag
    size -= size % 8
    ip = pkt
    for _ in range(index):
        ip = ip.payload
    full = bytes(pkt)
    raw_ip = bytes(ip)
    prefix = full[:len(full) - len(raw_ip)]
    hdr = IP(raw_ip)
    hl = hdr.ihl * 4
    opts = raw_ip[20:hl]
    payload = raw_ip[hl:]
    base_off = hdr.frag
    base_flags = int(hdr.flags)
    chunks = [payload[k:k + size] for k in range(0, len(payload), size)] or [b""]
    frames = []
    for n, chunk in enumerate(chunks):
        h = IP(raw_ip[:20])
        h.remove_payload()
        for f in ("len", "chksum", "ihl"):
            setattr(h, f, None)
        h.options = [Raw(load=opts if n == 0 else _copied_options(opts))] if opts else []
        h.frag = base_off + n * size // 8
        last = n == len(chunks) - 1
        h.flags = base_flags if last else base_flags | MF
        frames.append(prefix + bytes(h / Raw(load=chunk)))
    if order is not None:
        bad = [k for k in order if not 0 <= k < len(frames)]
        if bad:
            raise SpecError(f"layer {index} (IP).order: indices must be in "
                            f"[0, {len(frames) - 1}], got {order}")
        frames = [frames[k] for k in order]
    return frames


def _completed_route_checksum(frame, spec):
    """Scapy's in4_pseudoheader takes the last address of an LSRR/SSRR
    option as the final destination whatever the option's pointer says. That
    holds where the packet starts (pointer <= length); a packet whose route is
    complete (pointer past the end: as it reaches its destination, the hops'
    addresses recorded in the option) has its final destination in the IP
    header, and its sender computed the TCP/UDP checksum with it. Recompute
    that checksum unless the spec sets `chksum` on the transport layer."""
    if len(frame) < 34 or frame[12:14] != b"\x08\x00":
        return frame
    names = [s.get("layer") if isinstance(s, dict) else None for s in spec]
    if names[:2] != ["Ether", "IP"] or len(names) < 3 or names[2] not in ("TCP", "UDP"):
        return frame
    if "chksum" in spec[2]:
        return frame
    ip = 14
    ihl = (frame[ip] & 15) * 4
    total = struct.unpack_from("!H", frame, ip + 2)[0]
    if struct.unpack_from("!H", frame, ip + 6)[0] & 0x3FFF:  # a fragment
        return frame
    opts, i, complete = frame[ip + 20:ip + ihl], 0, False
    while i < len(opts):
        t = opts[i]
        if t == 0:
            break
        if t == 1:
            i += 1
            continue
        if i + 2 >= len(opts) or opts[i + 1] < 3:
            return frame
        if t in (131, 137):
            if complete:
                return frame  # two source routes: leave Scapy's fallback
            complete = opts[i + 2] > opts[i + 1]
            if not complete:
                return frame
        i += opts[i + 1]
    if not complete:
        return frame
    proto = frame[ip + 9]
    start, end = ip + ihl, min(len(frame), ip + total)
    off = start + (16 if proto == 6 else 6)
    if proto not in (6, 17) or off + 2 > end:
        return frame
    seg = bytearray(frame[start:end])
    seg[off - start:off - start + 2] = b"\0\0"
    pseudo = frame[ip + 12:ip + 20] + bytes([0, proto]) + struct.pack("!H", len(seg))
    c = ~_sum16(pseudo + bytes(seg)) & 0xFFFF
    if proto == 17 and c == 0:
        c = 0xFFFF
    b = bytearray(frame)
    struct.pack_into("!H", b, off, c)
    return bytes(b)


def build(spec, cfg):
    """Frame spec -> list of frame bytes, in sending order, and summaries."""
    pkt, frag = build_packet(spec, cfg)
    try:
        if frag is None:
            full = list(spec) if isinstance(spec[0], dict) and spec[0].get("layer") == "Ether" \
                else [{"layer": "Ether"}] + list(spec)
            return [_completed_route_checksum(bytes(pkt), full)], [pkt.summary()]
        frames = _fragment(pkt, frag)
    except SpecError:
        raise
    except Exception as e:
        raise SpecError(f"frame: cannot build: {type(e).__name__}: {e}") from None
    return frames, [Ether(f).summary() for f in frames]


__all__ = ["Config", "build", "build_packet", "SpecError", "IPerror", "TCPerror"]

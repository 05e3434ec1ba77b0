"""IPv4 options: JSON list <-> option bytes.

Building goes through Scapy's option classes where they describe the option
fully (NOP, EOL, RR, LSRR, SSRR, RA); TS (Scapy's class holds one entry only)
and unknown options are written as raw bytes. Dissection walks the option
bytes of the header itself so that malformed options are shown as they are.
"""

import ipaddress
import struct

from .errors import SpecError
from .scapy_env import (IPOption_EOL, IPOption_LSRR, IPOption_NOP,
                        IPOption_Router_Alert, IPOption_RR, IPOption_SSRR, Raw)

NAMES = {0: "EOL", 1: "NOP", 7: "RR", 131: "LSRR", 137: "SSRR", 68: "TS",
         148: "RA"}
NUMBERS = {v: k for k, v in NAMES.items()}
_ROUTE_CLASSES = {"RR": IPOption_RR, "LSRR": IPOption_LSRR,
                  "SSRR": IPOption_SSRR}

_ALLOWED = {
    "EOL": {"type", "copy_flag"},
    "NOP": {"type", "copy_flag"},
    "RR": {"type", "copy_flag", "length", "pointer", "routers"},
    "LSRR": {"type", "copy_flag", "length", "pointer", "routers"},
    "SSRR": {"type", "copy_flag", "length", "pointer", "routers"},
    "TS": {"type", "copy_flag", "length", "pointer", "oflw", "flg",
           "timestamps"},
    "RA": {"type", "copy_flag", "length", "alert"},
}


def _int(where, v, lo, hi):
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        raise SpecError(f"{where}: expected an integer in [{lo}, {hi}], got {v!r}")
    return v


def _addr(where, v):
    try:
        return ipaddress.IPv4Address(v).packed
    except (ipaddress.AddressValueError, ValueError, TypeError):
        raise SpecError(f"{where}: not an IPv4 address: {v!r}") from None


def _hex(where, v):
    if not isinstance(v, str):
        raise SpecError(f"{where}: expected a hex string, got {v!r}")
    try:
        return bytes.fromhex(v)
    except ValueError:
        raise SpecError(f"{where}: not a hex string: {v!r}") from None


def _ts_value(where, o):
    flg = _int(where + ".flg", o.get("flg", 0), 0, 15)
    oflw = _int(where + ".oflw", o.get("oflw", 0), 0, 15)
    pointer = _int(where + ".pointer", o.get("pointer", 5), 0, 255)
    body = b""
    stamps = o.get("timestamps", [])
    if not isinstance(stamps, list):
        raise SpecError(f"{where}.timestamps: expected a list")
    for i, t in enumerate(stamps):
        w = f"{where}.timestamps[{i}]"
        if isinstance(t, dict):
            extra = set(t) - {"addr", "ts"}
            if extra:
                raise SpecError(f"{w}: unknown keys {sorted(extra)}")
            body += _addr(w + ".addr", t.get("addr", "0.0.0.0"))
            body += struct.pack("!I", _int(w + ".ts", t.get("ts", 0), 0, 2**32 - 1))
        else:
            body += struct.pack("!I", _int(w, t, 0, 2**32 - 1))
    return bytes([pointer, (oflw << 4) | flg]) + body


def build_one(where, o):
    """One option spec -> a Scapy packet to put in IP(options=[...])."""
    if not isinstance(o, dict):
        raise SpecError(f"{where}: an option is an object, got {o!r}")
    if "raw" in o:
        if set(o) != {"raw"}:
            raise SpecError(f"{where}: 'raw' goes alone")
        return Raw(load=_hex(where + ".raw", o["raw"]))
    if "type" not in o:
        raise SpecError(f"{where}: option without 'type'")
    t = o["type"]
    if isinstance(t, str):
        if t not in NUMBERS:
            raise SpecError(f"{where}: unknown option type {t!r} "
                            f"(known: {sorted(NUMBERS)}; or give a number with 'data')")
        name = t
    else:
        t = _int(where + ".type", t, 0, 255)
        name = None if "data" in o else NAMES.get(t)
    if name is None:
        extra = set(o) - {"type", "length", "data"}
        if extra:
            raise SpecError(f"{where}: unknown keys {sorted(extra)} for option type {t}")
        data = _hex(where + ".data", o.get("data", ""))
        length = _int(where + ".length", o.get("length", len(data) + 2), 0, 255)
        return Raw(load=bytes([t, length]) + data)
    extra = set(o) - _ALLOWED[name]
    if extra:
        raise SpecError(f"{where}: unknown keys {sorted(extra)} for option {name}")
    number = NUMBERS[name]
    copy = _int(where + ".copy_flag", o.get("copy_flag", number >> 7), 0, 1)
    kw = {"copy_flag": copy}
    if name == "EOL":
        return IPOption_EOL(**kw)
    if name == "NOP":
        return IPOption_NOP(**kw)
    if name in _ROUTE_CLASSES:
        routers = o.get("routers", [])
        if not isinstance(routers, list):
            raise SpecError(f"{where}.routers: expected a list")
        for i, r in enumerate(routers):
            _addr(f"{where}.routers[{i}]", r)
        kw["routers"] = routers
        if "pointer" in o:
            kw["pointer"] = _int(where + ".pointer", o["pointer"], 0, 255)
        if "length" in o:
            kw["length"] = _int(where + ".length", o["length"], 0, 255)
        return _ROUTE_CLASSES[name](**kw)
    if name == "RA":
        kw["alert"] = _int(where + ".alert", o.get("alert", 0), 0, 65535)
        if "length" in o:
            kw["length"] = _int(where + ".length", o["length"], 0, 255)
        return IPOption_Router_Alert(**kw)
    # TS
    value = _ts_value(where, o)
    length = _int(where + ".length", o.get("length", len(value) + 2), 0, 255)
    return Raw(load=bytes([(copy << 7) | 68, length]) + value)


def build(where, opts):
    if not isinstance(opts, list):
        raise SpecError(f"{where}: options is a list of objects")
    return [build_one(f"{where}[{i}]", o) for i, o in enumerate(opts)]


def _a(b):
    return str(ipaddress.IPv4Address(bytes(b)))


def dissect(raw):
    """Option bytes (header bytes 20..ihl*4) -> list of JSON objects."""
    out = []
    i, n = 0, len(raw)
    while i < n:
        t = raw[i]
        if t in (0, 1):
            out.append({"type": NAMES[t], "copy_flag": 0})
            i += 1
            continue
        if i + 1 >= n:
            out.append({"type": t, "data": "", "malformed": True})
            break
        length = raw[i + 1]
        if length < 2 or i + length > n:
            out.append({"type": t, "length": length, "data": raw[i + 2:].hex(),
                        "malformed": True})
            break
        body = raw[i + 2:i + length]
        name = NAMES.get(t)
        o = None
        if name in ("RR", "LSRR", "SSRR") and length >= 3:
            addrs = body[1:]
            o = {"type": name, "copy_flag": t >> 7, "length": length,
                 "pointer": body[0],
                 "routers": [_a(addrs[k:k + 4]) for k in range(0, len(addrs) - 3, 4)]}
            if len(addrs) % 4:
                o["extra"] = addrs[len(addrs) - len(addrs) % 4:].hex()
        elif name == "TS" and length >= 4:
            flg, oflw = body[1] & 15, body[1] >> 4
            rest = body[2:]
            o = {"type": name, "copy_flag": t >> 7, "length": length,
                 "pointer": body[0], "oflw": oflw, "flg": flg}
            if flg == 0:
                o["timestamps"] = [struct.unpack("!I", rest[k:k + 4])[0]
                                   for k in range(0, len(rest) - 3, 4)]
                tail = len(rest) % 4
            elif flg in (1, 3):
                o["timestamps"] = [{"addr": _a(rest[k:k + 4]),
                                    "ts": struct.unpack("!I", rest[k + 4:k + 8])[0]}
                                   for k in range(0, len(rest) - 7, 8)]
                tail = len(rest) % 8
            else:
                o["timestamps"] = []
                tail = len(rest)
            if tail:
                o["extra"] = rest[len(rest) - tail:].hex()
        elif name == "RA" and length == 4:
            o = {"type": name, "copy_flag": t >> 7, "length": length,
                 "alert": struct.unpack("!H", body)[0]}
        if o is None:
            o = {"type": t, "length": length, "data": body.hex()}
        out.append(o)
        i += length
    return out

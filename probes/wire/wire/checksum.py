"""The Internet checksum's one's complement sum (RFC 1071), for the checks
the agent makes on frames it builds and dissects."""
import struct


def sum16(b):
    """One's complement sum of `b` as 16-bit words, folded to 16 bits."""
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s

"""AF_PACKET capture and injection on one interface.

A background thread reads every frame seen on the interface (ETH_P_ALL), in
both directions, into a list with its time and direction. Frames are sent
through a second AF_PACKET socket (bound with protocol 0, so it receives
nothing) so that the capture socket sees them as outgoing.
"""

import socket
import struct
import threading
import time

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_AUXDATA = 8
PACKET_OUTGOING = 4
TP_STATUS_CSUMNOTREADY = 8
SNAPLEN = 262144
BARRIER_PREFIX = b"IPCONFORM-BARRIER-"


class Frame:
    __slots__ = ("time", "dir", "data", "barrier", "partial", "dissected")

    def __init__(self, t, direction, data, barrier, partial):
        self.time = t
        self.dir = direction
        self.data = data
        self.barrier = barrier
        self.partial = partial
        self.dissected = None


class Capture:
    def __init__(self, iface):
        self.iface = iface
        self.rx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                                socket.htons(ETH_P_ALL))
        try:
            self.rx.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)  # SO_RCVBUFFORCE
        except OSError:
            self.rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        self.rx.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
        self.rx.bind((iface, ETH_P_ALL))
        self.rx.settimeout(0.5)  # lets close() stop the thread
        self.tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
        self.tx.bind((iface, 0))
        self.cond = threading.Condition()
        self.frames = []
        self.t0 = time.monotonic()
        self.last_in = -1          # index of the last non-barrier "in" frame
        self.barrier_replies = set()
        self.closed = False
        self.error = None
        self.thread = threading.Thread(target=self._run, name="capture",
                                       daemon=True)
        self.thread.start()

    def _run(self):
        anc = socket.CMSG_SPACE(32)
        while not self.closed:
            try:
                data, ancdata, _flags, addr = self.rx.recvmsg(SNAPLEN, anc)
            except socket.timeout:
                continue
            except OSError as e:
                if self.closed:
                    return
                self.error = e
                continue
            now = time.monotonic()
            partial = False
            for level, typ, cdata in ancdata:
                if level == SOL_PACKET and typ == PACKET_AUXDATA and len(cdata) >= 4:
                    status = struct.unpack_from("I", cdata)[0]
                    partial = bool(status & TP_STATUS_CSUMNOTREADY)
            direction = "out" if addr[2] == PACKET_OUTGOING else "in"
            pos = data.find(BARRIER_PREFIX)
            barrier = pos >= 0
            with self.cond:
                self.frames.append(Frame(now, direction, data, barrier, partial))
                if direction == "in":
                    if barrier:
                        ihl = (data[14] & 15) * 4 if len(data) > 14 else 0
                        # echo reply (type 0) carrying our marker
                        if len(data) > 14 + ihl and data[12:14] == b"\x08\x00" \
                                and data[23] == 1 and data[14 + ihl] == 0:
                            tag = data[pos + len(BARRIER_PREFIX):pos + len(BARRIER_PREFIX) + 8]
                            self.barrier_replies.add(tag)
                    else:
                        self.last_in = len(self.frames) - 1
                self.cond.notify_all()

    def send(self, data):
        self.tx.send(data)

    def reset(self):
        """Drops everything captured so far; times count from now."""
        with self.cond:
            old = self.frames
            self.frames = []
            self.last_in = -1
            self.barrier_replies.clear()
            self.t0 = time.monotonic()
            return old

    def wait_in(self, since, timeout):
        """Waits until a non-barrier frame from the DUT has index >= since."""
        with self.cond:
            return self.cond.wait_for(lambda: self.last_in >= since, timeout)

    def wait_barrier(self, tag, timeout):
        with self.cond:
            return self.cond.wait_for(lambda: tag in self.barrier_replies, timeout)

    def snapshot(self, since=0):
        with self.cond:
            return self.frames[since:], len(self.frames), self.t0

    def close(self):
        self.closed = True
        for s in (self.rx, self.tx):
            try:
                s.close()
            except OSError:
                pass

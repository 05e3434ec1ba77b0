#!/usr/bin/python3
"""ipconform wire agent: JSON lines on stdin/stdout; see docs/wire-agent.md.

Run by Debian's /usr/bin/python3 (python3-scapy) in the tester namespace.
"""

import os
import sys


def main():
    # Keep stdout for protocol lines only: anything else written to fd 1
    # (Scapy, C libraries) goes to stderr.
    proto_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    out = os.fdopen(proto_fd, "w", encoding="utf-8", buffering=1)

    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    try:
        cpus = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {min(cpus)})
    except OSError as e:
        print(f"wire agent: cannot pin to one CPU: {e}", file=sys.stderr)

    from wire.server import Agent  # imports Scapy once

    inp = open(sys.stdin.fileno(), "r", encoding="utf-8", errors="surrogateescape",
               newline="\n", closefd=False)
    Agent().serve(inp, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Imports Scapy once, quietly, and exposes the classes the agent uses.

Scapy logs through the ``logging`` module; its handlers are sent to stderr and
its verbosity turned down so that nothing but protocol lines reach stdout.
"""

import logging
import sys

logging.getLogger("scapy").setLevel(logging.ERROR)
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
logging.getLogger("scapy.loading").setLevel(logging.ERROR)

import scapy  # noqa: E402
from scapy.config import conf  # noqa: E402

conf.verb = 0
conf.checkIPaddr = False

from scapy.packet import Packet, Raw, Padding, NoPayload  # noqa: E402,F401
from scapy.fields import (  # noqa: E402,F401
    ConditionalField, Emph, FlagValue, MultipleTypeField, PacketListField,
    StrField,
)
from scapy.layers.l2 import Ether, ARP  # noqa: E402,F401
from scapy.layers.inet import (  # noqa: E402,F401
    IP, ICMP, UDP, TCP, IPerror, UDPerror, TCPerror, ICMPerror,
    IPOption, IPOption_NOP, IPOption_EOL, IPOption_RR, IPOption_LSRR,
    IPOption_SSRR, IPOption_Router_Alert,
)
from scapy.contrib.igmp import IGMP  # noqa: E402,F401
from scapy.contrib.igmpv3 import IGMPv3, IGMPv3mr, IGMPv3gr  # noqa: E402,F401

for _h in logging.getLogger("scapy").handlers:
    if isinstance(_h, logging.StreamHandler) and getattr(_h, "stream", None) is sys.stdout:
        _h.setStream(sys.stderr)

VERSION = scapy.VERSION

# Every layer a frame spec may name, and that dissection reports.
LAYERS = {
    cls.__name__: cls
    for cls in (Ether, ARP, IP, ICMP, UDP, TCP, IGMP, IGMPv3, IGMPv3mr,
                IGMPv3gr, Raw, Padding, IPerror, UDPerror, TCPerror, ICMPerror)
}

// IPPROTO_IP option numbers and the values they take, as in Linux's
// include/uapi/linux/in.h. Spelled out here rather than taken from the C
// library's <netinet/in.h>, which lags the kernel (IP_PROTOCOL, 6.0;
// IP_LOCAL_PORT_RANGE, 6.3) and cannot be relied on to define them.
#pragma once

namespace ipc::stack::socket {

constexpr int kSolIp = 0;  // SOL_IP == IPPROTO_IP

namespace ipopt {
constexpr int kTos = 1;
constexpr int kTtl = 2;
constexpr int kHdrincl = 3;
constexpr int kOptions = 4;
constexpr int kRouterAlert = 5;
constexpr int kRecvopts = 6;
constexpr int kRetopts = 7;
constexpr int kPktinfo = 8;
constexpr int kPktoptions = 9;
constexpr int kMtuDiscover = 10;
constexpr int kRecverr = 11;
constexpr int kRecvttl = 12;
constexpr int kRecvtos = 13;
constexpr int kMtu = 14;
constexpr int kFreebind = 15;
constexpr int kIpsecPolicy = 16;
constexpr int kXfrmPolicy = 17;
constexpr int kPasssec = 18;
constexpr int kTransparent = 19;
constexpr int kRecvorigdstaddr = 20;
constexpr int kMinttl = 21;
constexpr int kNodefrag = 22;
constexpr int kChecksum = 23;
constexpr int kBindAddressNoPort = 24;
constexpr int kRecvfragsize = 25;
constexpr int kRecverrRfc4884 = 26;
constexpr int kMulticastIf = 32;
constexpr int kMulticastTtl = 33;
constexpr int kMulticastLoop = 34;
constexpr int kAddMembership = 35;
constexpr int kMsfilter = 41;
constexpr int kMcastMsfilter = 48;
constexpr int kMulticastAll = 49;
constexpr int kUnicastIf = 50;
constexpr int kLocalPortRange = 51;
constexpr int kProtocol = 52;
// Multicast routing (include/uapi/linux/mroute.h): MRT_BASE .. MRT_MAX.
constexpr int kMrtBase = 200;
constexpr int kMrtMax = 212;
}  // namespace ipopt

namespace pmtudisc {
constexpr int kDont = 0;
constexpr int kWant = 1;
constexpr int kDo = 2;
constexpr int kProbe = 3;
constexpr int kInterface = 4;
constexpr int kOmit = 5;
}  // namespace pmtudisc

constexpr int kIpprotoIcmp = 1;
constexpr int kIpprotoIgmp = 2;
constexpr int kIpprotoRaw = 255;

}  // namespace ipc::stack::socket

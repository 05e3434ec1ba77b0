// sendmsg, recvmsg (control messages, the error queue) and poll, through
// the request handler inside a throwaway network namespace.
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include "hex.hpp"
#include "netns_child.hpp"
#include "probe_session.hpp"

namespace ipconform::kprobe {
using namespace ::ipconform::probe;
namespace {

using nlohmann::json;
using testing::errno_of;
using testing::int_hex;
using testing::is_protocol_error;
using testing::loopback;
using testing::make_socket;
using testing::run_in_new_netns;
using testing::Session;

constexpr const char* kLoopbackHex = "7f000001";

// A decoded address as responses carry it (keys in the probe's order).
Json decoded_loopback(int port) {
  return {{"family", AF_INET}, {"addr", "127.0.0.1"}, {"port", port}};
}

json enable(const char* handle, int name) {
  return {{"op", "setsockopt"}, {"handle", handle},    {"level", IPPROTO_IP},
          {"name", name},       {"value", int_hex(1)}, {"optlen", 4}};
}

json cmsg(int type, const std::string& data) {
  return {{"level", IPPROTO_IP}, {"type", type}, {"data", data}};
}

json recvmsg(const char* handle, int flags, json extra = json::object()) {
  json request = {{"op", "recvmsg"}, {"handle", handle}, {"len", 100}, {"flags", flags}};
  request.update(extra);
  return request;
}

// A receiver "rx" on 127.0.0.1:9000 and a sender "tx" on 127.0.0.1:9001.
void udp_pair(Session& s) {
  s.ok(make_socket("rx", SOCK_DGRAM));
  s.ok(make_socket("tx", SOCK_DGRAM));
  s.ok({{"op", "bind"}, {"handle", "rx"}, {"addr", loopback(9000)}});
  s.ok({{"op", "bind"}, {"handle", "tx"}, {"addr", loopback(9001)}});
}

Json send_hello(Session& s) {
  return s.call({{"op", "sendto"},
                 {"handle", "tx"},
                 {"data", "68656c6c6f"},
                 {"flags", 0},
                 {"addr", loopback(9000)}});
}

std::string lo_pktinfo_hex() {
  return int_hex(static_cast<int>(::if_nametoindex("lo"))) + kLoopbackHex + kLoopbackHex;
}

TEST(ProbeMsg, RecvmsgReportsPktinfoTtlAndTos) {
  run_in_new_netns([] {
    Session s;
    udp_pair(s);
    s.ok(enable("rx", IP_PKTINFO));
    s.ok(enable("rx", IP_RECVTTL));
    s.ok(enable("rx", IP_RECVTOS));
    EXPECT_EQ(send_hello(s)["ret"], 5);

    const Json r = s.call(recvmsg("rx", 0));
    EXPECT_EQ(r["ret"], 5) << r.dump();
    EXPECT_TRUE(r["errno"].is_null());
    EXPECT_EQ(r["data"], "68656c6c6f");
    EXPECT_EQ(r["addr"], decoded_loopback(9001));
    EXPECT_EQ(r["addrlen"], 16);
    EXPECT_EQ(r["msg_flags"], 0);
    EXPECT_EQ(r["controllen"], CMSG_SPACE(12) + CMSG_SPACE(4) + CMSG_SPACE(1));
    EXPECT_EQ(r["cmsgs"], (Json{{{"level", 0}, {"type", IP_PKTINFO}, {"data", lo_pktinfo_hex()}},
                                {{"level", 0}, {"type", IP_TTL}, {"data", int_hex(64)}},
                                {{"level", 0}, {"type", IP_TOS}, {"data", "00"}}}))
        << r.dump();
  });
}

TEST(ProbeMsg, SmallControllenTruncates) {
  run_in_new_netns([] {
    Session s;
    udp_pair(s);
    s.ok(enable("rx", IP_PKTINFO));
    s.ok(enable("rx", IP_RECVTTL));
    s.ok(enable("rx", IP_RECVTOS));

    // Room for a header and 4 of in_pktinfo's 12 bytes.
    send_hello(s);
    Json r = s.call(recvmsg("rx", 0, {{"controllen", CMSG_LEN(4)}}));
    EXPECT_EQ(r["ret"], 5);
    EXPECT_EQ(r["msg_flags"].get<int>() & MSG_CTRUNC, MSG_CTRUNC) << r.dump();
    EXPECT_EQ(r["controllen"], CMSG_LEN(4));
    EXPECT_EQ(r["cmsgs"], (Json{{{"level", 0},
                                 {"type", IP_PKTINFO},
                                 {"data", int_hex(static_cast<int>(::if_nametoindex("lo")))}}}))
        << r.dump();

    // Room for in_pktinfo and IP_TTL, without IP_TTL's trailing padding.
    send_hello(s);
    r = s.call(recvmsg("rx", 0, {{"controllen", CMSG_SPACE(12) + CMSG_LEN(4)}}));
    EXPECT_EQ(r["msg_flags"].get<int>() & MSG_CTRUNC, MSG_CTRUNC) << r.dump();
    EXPECT_EQ(r["cmsgs"], (Json{{{"level", 0}, {"type", IP_PKTINFO}, {"data", lo_pktinfo_hex()}},
                                {{"level", 0}, {"type", IP_TTL}, {"data", int_hex(64)}}}))
        << r.dump();

    // No room at all: nothing is written.
    send_hello(s);
    r = s.call(recvmsg("rx", 0, {{"controllen", 0}}));
    EXPECT_EQ(r["msg_flags"].get<int>() & MSG_CTRUNC, MSG_CTRUNC) << r.dump();
    EXPECT_EQ(r["controllen"], 0);
    EXPECT_EQ(r["cmsgs"], Json::array());
  });
}

TEST(ProbeMsg, RecvmsgTruncatedDataAndHugeDeclaredSizes) {
  run_in_new_netns([] {
    Session s;
    udp_pair(s);
    s.ok(enable("rx", IP_RECVTTL));
    send_hello(s);
    Json r = s.call(recvmsg("rx", MSG_TRUNC | MSG_PEEK, {{"len", 3}}));
    EXPECT_EQ(r["ret"], 5);  // MSG_TRUNC: the real length
    EXPECT_EQ(r["data"], "68656c");
    EXPECT_EQ(r["msg_flags"].get<int>() & MSG_TRUNC, MSG_TRUNC) << r.dump();
    // Sizes past the probe's 64 KiB allocations reach the kernel as given;
    // it only writes what it has.
    r = s.call(recvmsg("rx", 0, {{"len", 1 << 30}, {"controllen", 1 << 30}, {"addrlen", 1000}}));
    EXPECT_EQ(r["ret"], 5) << r.dump();
    EXPECT_EQ(r["data"], "68656c6c6f");
    EXPECT_EQ(r["addrlen"], 16);
    EXPECT_EQ(r["controllen"], CMSG_SPACE(4));
    EXPECT_EQ(r["cmsgs"], (Json{{{"level", 0}, {"type", IP_TTL}, {"data", int_hex(64)}}}));
    // A negative addrlen is the kernel's to refuse.
    send_hello(s);
    r = s.call(recvmsg("rx", 0, {{"addrlen", -1}}));
    EXPECT_EQ(errno_of(r), "EINVAL");
    EXPECT_EQ(r["addrlen"], -1);
  });
}

TEST(ProbeMsg, SendmsgTtlCmsgSetsThatDatagramsTtl) {
  run_in_new_netns([] {
    Session s;
    udp_pair(s);
    s.ok(enable("rx", IP_RECVTTL));
    Json r = s.call({{"op", "sendmsg"},
                     {"handle", "tx"},
                     {"data", "6869"},
                     {"flags", 0},
                     {"addr", loopback(9000)},
                     {"cmsgs", {cmsg(IP_TTL, int_hex(7))}}});
    EXPECT_EQ(r["ret"], 2) << r.dump();
    r = s.call(recvmsg("rx", 0));
    EXPECT_EQ(r["data"], "6869");
    EXPECT_EQ(r["cmsgs"], (Json{{{"level", 0}, {"type", IP_TTL}, {"data", int_hex(7)}}}))
        << r.dump();

    // Without the cmsg, the socket's TTL again.
    EXPECT_EQ(send_hello(s)["ret"], 5);
    r = s.call(recvmsg("rx", 0));
    EXPECT_EQ(r["cmsgs"][0]["data"], int_hex(64)) << r.dump();
  });
}

TEST(ProbeMsg, SendmsgPktinfoAndMalformedCmsgs) {
  run_in_new_netns([] {
    Session s;
    udp_pair(s);
    s.ok(enable("rx", IP_PKTINFO));
    // in_pktinfo: any interface, spec_dst 127.0.0.1 (the source address).
    const std::string pktinfo = int_hex(0) + kLoopbackHex + "00000000";
    Json r = s.call({{"op", "sendmsg"},
                     {"handle", "tx"},
                     {"data", "6869"},
                     {"flags", 0},
                     {"addr", loopback(9000)},
                     {"cmsgs", {cmsg(IP_PKTINFO, pktinfo)}}});
    EXPECT_EQ(r["ret"], 2) << r.dump();
    r = s.call(recvmsg("rx", 0));
    EXPECT_EQ(r["ret"], 2);
    EXPECT_EQ(r["addr"], decoded_loopback(9001));
    EXPECT_EQ(r["cmsgs"], (Json{{{"level", 0}, {"type", IP_PKTINFO}, {"data", lo_pktinfo_hex()}}}))
        << r.dump();

    // IP_TTL with one byte of data.
    r = s.call({{"op", "sendmsg"},
                {"handle", "tx"},
                {"data", "6869"},
                {"flags", 0},
                {"addr", loopback(9000)},
                {"cmsgs", {cmsg(IP_TTL, "07")}}});
    EXPECT_EQ(r["ret"], -1);
    EXPECT_EQ(errno_of(r), "EINVAL");

    // A controllen past the laid-out cmsg: the zero padding is a cmsghdr
    // with cmsg_len 0.
    r = s.call({{"op", "sendmsg"},
                {"handle", "tx"},
                {"data", "6869"},
                {"flags", 0},
                {"addr", loopback(9000)},
                {"cmsgs", {cmsg(IP_TTL, int_hex(7))}},
                {"controllen", CMSG_SPACE(4) + sizeof(cmsghdr)}});
    EXPECT_EQ(errno_of(r), "EINVAL") << r.dump();

    // A controllen that cuts the cmsg short.
    r = s.call({{"op", "sendmsg"},
                {"handle", "tx"},
                {"data", "6869"},
                {"flags", 0},
                {"addr", loopback(9000)},
                {"cmsgs", {cmsg(IP_TTL, int_hex(7))}},
                {"controllen", CMSG_LEN(2)}});
    EXPECT_EQ(errno_of(r), "EINVAL") << r.dump();

    // No address on an unconnected socket, as send(2).
    r = s.call({{"op", "sendmsg"}, {"handle", "tx"}, {"data", "00"}, {"flags", 0}});
    EXPECT_EQ(errno_of(r), "EDESTADDRREQ");
  });
}

TEST(ProbeMsg, ErrorQueueReportsPortUnreachable) {
  run_in_new_netns([] {
    Session s;
    s.ok(make_socket("e", SOCK_DGRAM));
    s.ok(enable("e", IP_RECVERR));
    s.ok({{"op", "connect"}, {"handle", "e"}, {"addr", loopback(9)}});  // nothing listens
    EXPECT_EQ(s.call({{"op", "sendto"}, {"handle", "e"}, {"data", "6869"}, {"flags", 0}})["ret"],
              2);

    Json r = s.call({{"op", "poll"}, {"handle", "e"}, {"events", POLLIN}, {"timeout_ms", 1000}});
    EXPECT_EQ(r["ret"], 1) << r.dump();
    EXPECT_EQ(r["revents"].get<int>() & POLLERR, POLLERR) << r.dump();

    r = s.call(recvmsg("e", MSG_ERRQUEUE));
    EXPECT_EQ(r["ret"], 2) << r.dump();
    EXPECT_EQ(r["data"], "6869");  // the offending datagram's payload
    EXPECT_EQ(r["addr"], decoded_loopback(9));
    EXPECT_EQ(r["msg_flags"].get<int>() & MSG_ERRQUEUE, MSG_ERRQUEUE) << r.dump();
    // sock_extended_err {ee_errno 111, ee_origin 2 (ICMP), ee_type 3,
    // ee_code 3, pad, ee_info 0, ee_data 0}, then the offender 127.0.0.1.
    const std::string expected = int_hex(ECONNREFUSED) + "02030300" + "00000000" + "00000000" +
                                 "02000000" + kLoopbackHex + "0000000000000000";
    EXPECT_EQ(r["cmsgs"], (Json{{{"level", 0}, {"type", IP_RECVERR}, {"data", expected}}}))
        << r.dump();
    EXPECT_EQ(r["controllen"], CMSG_SPACE(32));

    // The queue is empty now.
    r = s.call(recvmsg("e", MSG_ERRQUEUE | MSG_DONTWAIT));
    EXPECT_EQ(errno_of(r), "EAGAIN");
    EXPECT_TRUE(r["data"].is_null());
    EXPECT_TRUE(r["cmsgs"].is_null());
    EXPECT_TRUE(r["addr"].is_null());
  });
}

TEST(ProbeMsg, PollTimesOutWithNothingReady) {
  run_in_new_netns([] {
    Session s;
    s.ok(make_socket("s", SOCK_DGRAM));
    s.ok({{"op", "bind"}, {"handle", "s"}, {"addr", loopback(9000)}});
    Json r = s.call({{"op", "poll"}, {"handle", "s"}, {"events", POLLIN}});
    EXPECT_EQ(r["ret"], 0);
    EXPECT_EQ(r["revents"], 0);
    r = s.call({{"op", "poll"}, {"handle", "s"}, {"events", POLLIN | POLLOUT}, {"timeout_ms", 10}});
    EXPECT_EQ(r["ret"], 1);
    EXPECT_EQ(r["revents"], POLLOUT);
  });
}

TEST(ProbeMsg, MalformedRequestsAreProtocolErrors) {
  run_in_new_netns([] {
    Session s;
    s.ok(make_socket("s", SOCK_DGRAM));
    const json base = {{"op", "sendmsg"}, {"handle", "s"}, {"data", "00"}, {"flags", 0}};
    for (const json& cmsgs : {json("x"), json{{"level", 0}}, json::array({1}),
                              json::array({{{"level", 0}, {"type", 2}}}),
                              json::array({{{"level", 0}, {"type", 2}, {"data", "0"}}}),
                              json::array({{{"level", "0"}, {"type", 2}, {"data", "00"}}})}) {
      json request = base;
      request["cmsgs"] = cmsgs;
      EXPECT_TRUE(is_protocol_error(s.call(request))) << cmsgs.dump();
    }
    EXPECT_TRUE(is_protocol_error(s.call({{"op", "recvmsg"}, {"handle", "s"}, {"flags", 0}})));
    EXPECT_TRUE(is_protocol_error(
        s.call({{"op", "recvmsg"}, {"handle", "nope"}, {"len", 1}, {"flags", 0}})));
    EXPECT_TRUE(is_protocol_error(s.call({{"op", "poll"}, {"handle", "s"}})));
    EXPECT_TRUE(is_protocol_error(s.call({{"op", "poll"}, {"handle", "s"}, {"events", 70000}})));
  });
}

}  // namespace
}  // namespace ipconform::kprobe

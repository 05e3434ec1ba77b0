// The built ipconform-probe-kernel binary, driven over pipes.
#include <netinet/in.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include "netns_child.hpp"
#include "netns_guard.hpp"
#include "probe_process.hpp"

namespace ipconform::kprobe {
using namespace ::ipconform::probe;
namespace {

using nlohmann::json;
using testing::ProbeProcess;

#define SKIP_IF_NO_NETNS(probe)                                       \
  do {                                                                \
    if ((probe).wait() == ProbeProcess::kCannotUnshare)               \
      GTEST_SKIP() << "cannot create a network namespace (not root)"; \
  } while (0)

TEST(NetnsGuard, AcceptsAFreshNamespace) {
  testing::run_in_new_netns([] {
    const NetnsCheck check = check_netns();
    EXPECT_EQ(check.verdict, NetnsCheck::Verdict::isolated) << check.reason;
  });
}

TEST(ProbeBinary, RefusesToRunInTheInitialNamespace) {
  if (check_netns().verdict == NetnsCheck::Verdict::isolated)
    GTEST_SKIP() << "the tests themselves run in a private network namespace";
  ProbeProcess probe(ProbeProcess::Netns::inherited);
  EXPECT_FALSE(probe.request({{"id", 1}, {"op", "hello"}, {"version", 1}}));
  EXPECT_EQ(probe.wait(), 3);
  EXPECT_EQ(probe.drain_output(), "");
  EXPECT_NE(probe.error_output().find("refusing to run"), std::string::npos)
      << probe.error_output();
}

TEST(ProbeBinary, ServesInsideAFreshNamespaceAndExitsOnBye) {
  ProbeProcess probe(ProbeProcess::Netns::fresh);
  auto hello = probe.request({{"id", 1}, {"op", "hello"}, {"version", 1}});
  if (!hello) {
    SKIP_IF_NO_NETNS(probe);
    FAIL() << "no answer to hello; stderr: " << probe.error_output();
  }
  EXPECT_EQ((*hello)["target"], "kernel");
  EXPECT_EQ((*hello)["id"], 1);

  auto r = probe.request({{"id", 2}, {"op", "sysctl"}, {"path", "net/ipv4/ip_default_ttl"}});
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)["value"], "64");

  r = probe.request({{"id", 3}, {"op", "bye"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, (json{{"id", 3}, {"ret", 0}, {"errno", nullptr}}));
  EXPECT_EQ(probe.wait(), 0);
  EXPECT_EQ(probe.drain_output(), "");
}

TEST(ProbeBinary, SendOnABrokenConnectionIsEpipeNotSigpipe) {
  ProbeProcess probe(ProbeProcess::Netns::fresh);
  const auto call = [&](json req) {
    static int id = 0;
    req["id"] = ++id;
    auto r = probe.request(req);
    return r ? *r : json();
  };
  const json lo = {{"family", AF_INET}, {"addr", "127.0.0.1"}, {"port", 6000}};
  const json first = call({{"op", "socket"},
                           {"handle", "l"},
                           {"domain", AF_INET},
                           {"type", SOCK_STREAM},
                           {"protocol", 0}});
  if (first.is_null()) {
    SKIP_IF_NO_NETNS(probe);
    FAIL() << "no answer; stderr: " << probe.error_output();
  }
  ASSERT_EQ(first["ret"], 0);
  ASSERT_EQ(call({{"op", "bind"}, {"handle", "l"}, {"addr", lo}})["ret"], 0);
  ASSERT_EQ(call({{"op", "listen"}, {"handle", "l"}, {"backlog", 1}})["ret"], 0);
  ASSERT_EQ(call({{"op", "socket"},
                  {"handle", "c"},
                  {"domain", AF_INET},
                  {"type", SOCK_STREAM},
                  {"protocol", 0}})["ret"],
            0);
  const json connected = call({{"op", "connect"}, {"handle", "c"}, {"addr", lo}});
  ASSERT_EQ(connected["ret"], 0) << connected.dump();
  ASSERT_EQ(call({{"op", "accept"}, {"handle", "l"}, {"new_handle", "a"}, {"flags", 0}})["ret"], 0);
  ASSERT_EQ(call({{"op", "close"}, {"handle", "a"}})["ret"], 0);

  // The first send draws a RST (then ECONNRESET), the next ones fail with
  // EPIPE; a probe killed by SIGPIPE would stop answering.
  json r;
  for (int i = 0; i < 10; ++i) {
    r = call({{"op", "sendto"}, {"handle", "c"}, {"data", "78"}, {"flags", 0}});
    if (!r.is_object() || r["errno"] == "EPIPE") break;
  }
  ASSERT_TRUE(r.is_object()) << "the probe died: status " << probe.wait();
  EXPECT_EQ(r["errno"], "EPIPE") << r.dump();
  EXPECT_EQ(call({{"op", "bye"}})["ret"], 0);
  EXPECT_EQ(probe.wait(), 0) << probe.error_output();
}

TEST(ProbeBinary, ExitsCleanlyOnEndOfInput) {
  ProbeProcess probe(ProbeProcess::Netns::fresh);
  probe.close_input();
  const int status = probe.wait();
  if (status == ProbeProcess::kCannotUnshare) GTEST_SKIP() << "cannot create a network namespace";
  EXPECT_EQ(status, 0) << probe.error_output();
}

}  // namespace
}  // namespace ipconform::kprobe

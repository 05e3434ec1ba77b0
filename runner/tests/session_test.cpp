// Session against a stand-in target (fake_target.py, started without a
// namespace): a target that dies mid-case, the implicit `tcp` feature, the
// hook that runs after each start.
#include "runner/session.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <stdexcept>

#include "runner/implicit_features.hpp"

namespace ipc::runner {
namespace {

using json = nlohmann::json;
constexpr auto kTimeout = std::chrono::milliseconds(5000);

oracle::Step step(json call) {
  oracle::Step s;
  s.line = 1;
  s.call = std::move(call);
  return s;
}

oracle::Case make_case(const std::string& id, std::vector<json> calls) {
  oracle::Case c;
  c.id = c.base = id;
  c.file = "session_test.toml";
  for (auto& call : calls) c.steps.push_back(step(std::move(call)));
  return c;
}

const json kUdp = {{"op", "socket"}, {"type", "SOCK_DGRAM"}};
const json kSetTtl = {{"op", "setsockopt"}, {"level", "IPPROTO_IP"}, {"name", "IP_TTL"}, {"value", 5}};

TargetSpec fake(std::vector<std::string> args) {
  args.insert(args.begin(), FAKE_TARGET);
  return {"fake", args};
}

TargetRun run(Session& s, const oracle::Case& c) {
  return s.run(c, json::object(), kTimeout, nullptr, std::filesystem::temp_directory_path());
}

TEST(Session, ATargetThatDiesMidCaseIsAnErrorAndIsRestarted) {
  Session s(fake({"--exit-on", "setsockopt"}), -1);
  const std::string first = s.info(kTimeout).implementation;

  auto broken = run(s, make_case("t.dies", {kUdp, kSetTtl, kUdp}));
  EXPECT_NE(broken.error.find("target broke"), std::string::npos) << broken.error;
  EXPECT_EQ(broken.observations.size(), 1u);  // the socket step, before it died
  EXPECT_EQ(s.restarts(), 1);

  // The next case starts a new process and runs normally.
  auto fine = run(s, make_case("t.fine", {kUdp}));
  EXPECT_EQ(fine.error, "");
  EXPECT_EQ(fine.failures.size(), 0u);
  ASSERT_EQ(fine.observations.size(), 1u);
  EXPECT_EQ(fine.observations[0].value("ret", -1), 0);
  EXPECT_NE(s.info(kTimeout).implementation, first) << "a new process (its pid is in `implementation`)";
  EXPECT_EQ(s.restarts(), 1);
}

TEST(Session, TcpCasesSkipOnATargetWithoutTcp) {
  const std::vector<json> tcp_sockets = {
      {{"op", "socket"}, {"type", "SOCK_STREAM"}},
      {{"op", "socket"}, {"type", "SOCK_STREAM|SOCK_NONBLOCK"}},
      {{"op", "socket"}, {"type", "SOCK_STREAM"}, {"protocol", "IPPROTO_TCP"}},
      {{"op", "socket"}, {"type", "SOCK_STREAM"}, {"protocol", 0}},
  };
  Session without(fake({}), -1);
  Session with(fake({"--features", "tcp"}), -1);
  for (const auto& call : tcp_sockets) {
    SCOPED_TRACE(call.dump());
    auto c = make_case("t.tcp", {kUdp, call});
    EXPECT_EQ(run(without, c).skip_reason, "target lacks feature tcp");
    auto r = run(with, c);
    EXPECT_EQ(r.skip_reason, "");
    EXPECT_EQ(r.observations.size(), 2u);
  }
  // Not TCP: datagram and raw sockets, and SCTP's stream sockets.
  for (const json& call : {kUdp, json{{"op", "socket"}, {"type", "SOCK_RAW"}, {"protocol", "IPPROTO_UDP"}},
                           json{{"op", "socket"}, {"type", "SOCK_STREAM"}, {"protocol", "IPPROTO_SCTP"}}}) {
    SCOPED_TRACE(call.dump());
    auto r = run(without, make_case("t.not_tcp", {call}));
    EXPECT_EQ(r.skip_reason, "");
    EXPECT_EQ(r.observations.size(), 1u);
  }
}

TEST(ImplicitFeatures, OnlyTcpSocketsNeedTcp) {
  EXPECT_EQ(implicit_features(make_case("a", {kUdp, kSetTtl})), std::vector<std::string>{});
  EXPECT_EQ(implicit_features(make_case("b", {kUdp, {{"op", "socket"}, {"type", "SOCK_STREAM"}}})),
            std::vector<std::string>{"tcp"});
  // An injected TCP segment, but not a TCP header quoted in an ICMP error.
  const json tcp_frame = {{"op", "inject"},
                          {"frame", {{{"layer", "Ether"}}, {{"layer", "IP"}}, {{"layer", "TCP"}, {"flags", "S"}}}}};
  EXPECT_EQ(implicit_features(make_case("d", {tcp_frame})), std::vector<std::string>{"tcp"});
  const json quoted = {{"op", "inject"},
                       {"frame", {{{"layer", "IP"}}, {{"layer", "ICMP"}, {"type", 3}}, {{"layer", "IPerror"}}, {{"layer", "TCPerror"}}}}};
  EXPECT_EQ(implicit_features(make_case("e", {quoted})), std::vector<std::string>{});
  // A type only a run can tell is not guessed.
  EXPECT_EQ(implicit_features(make_case("c", {{{"op", "socket"}, {"type", "${saved.type}"}}})),
            std::vector<std::string>{});
}

TEST(Session, TheAfterStartHookRunsOnEveryStart) {
  int starts = 0;
  Session s(fake({"--exit-on", "setsockopt"}), -1, [&] { ++starts; });
  s.info(kTimeout);
  s.info(kTimeout);
  EXPECT_EQ(starts, 1);  // still the same process
  run(s, make_case("t.dies", {kUdp, kSetTtl}));
  run(s, make_case("t.fine", {kUdp}));
  EXPECT_EQ(starts, 2);
}

TEST(Session, AFailingAfterStartHookIsAFailedStart) {
  Session s(fake({}), -1, [] { throw std::runtime_error("tap0 does not forward"); });
  try {
    s.info(kTimeout);
    FAIL() << "info() must throw";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "target 'fake' answered hello, but tap0 does not forward");
  }
  // In a case, the failed start is the case's error.
  auto r = run(s, make_case("t.any", {kUdp}));
  EXPECT_EQ(r.error, "target 'fake' answered hello, but tap0 does not forward");
  EXPECT_TRUE(r.observations.empty());
}

}  // namespace
}  // namespace ipc::runner

#include "stack/link/neighbour_cache.hpp"

#include <gtest/gtest.h>

#include <set>

namespace ipc::stack::link {
namespace {

using Clock = NeighbourCache::Clock;
using namespace std::chrono_literals;

const Clock::time_point T0 = Clock::time_point{} + 1000s;
const Ipv4Address kLocal{192, 0, 2, 1};
const Ipv4Address kPeer{192, 0, 2, 2};
const Ipv4Address kOther{192, 0, 2, 3};
const MacAddress kMac({0x02, 0, 0, 0, 0, 0x02});
const MacAddress kMac2({0x02, 0, 0, 0, 0, 0x22});

Packet pkt(std::uint8_t tag, std::size_t truesize = 0) {
  return Packet{{tag, 0, 0, 0}, kLocal, truesize};
}

ArpInput reply(Ipv4Address sip, MacAddress sha, bool to_host = true) {
  ArpInput in;
  in.arp = {wire::arp::kOpReply, sha, sip, MacAddress({0x02, 0, 0, 0, 0, 0x01}), kLocal};
  in.to_host = to_host;
  return in;
}

ArpInput request(Ipv4Address sip, MacAddress sha, Ipv4Address tip, bool local) {
  ArpInput in;
  in.arp = {wire::arp::kOpRequest, sha, sip, MacAddress(), tip};
  in.to_host = false;
  in.target_is_local = local;
  return in;
}

NudState state(const NeighbourCache& c, Ipv4Address a = kPeer) { return c.info(a).value().state; }

class Neigh : public ::testing::Test {
 protected:
  NeighbourConfig cfg;
  NeighbourCache cache{cfg, 42, T0};

  // INCOMPLETE -> REACHABLE at T0.
  void resolve() {
    cache.output(kPeer, pkt(1), T0);
    cache.process_arp(reply(kPeer, kMac), T0);
    ASSERT_EQ(state(cache), NudState::Reachable);
  }
  // A STALE entry learnt at T0 from a request for us.
  void learn_stale() {
    auto out = cache.process_arp(request(kPeer, kMac, kLocal, true), T0);
    ASSERT_TRUE(out.send_reply);
    ASSERT_EQ(state(cache), NudState::Stale);
  }
};

TEST_F(Neigh, FirstOutputQueuesAndBroadcasts) {
  auto fx = cache.output(kPeer, pkt(1), T0);
  ASSERT_EQ(fx.solicits.size(), 1u);
  EXPECT_EQ(fx.solicits[0].target, kPeer);
  EXPECT_FALSE(fx.solicits[0].unicast);
  EXPECT_EQ(fx.solicits[0].source_hint, kLocal);
  EXPECT_TRUE(fx.transmits.empty());
  EXPECT_EQ(state(cache), NudState::Incomplete);
  EXPECT_EQ(cache.info(kPeer)->queued_packets, 1u);
  EXPECT_EQ(cache.next_deadline(), T0 + 1s);
  EXPECT_FALSE(cache.lookup(kPeer));
  // A second packet is queued without a new request.
  fx = cache.output(kPeer, pkt(2), T0 + 100ms);
  EXPECT_TRUE(fx.empty());
  EXPECT_EQ(cache.info(kPeer)->queued_packets, 2u);
}

TEST_F(Neigh, IncompleteRetriesThreeBroadcastsThenFails) {
  cache.output(kPeer, pkt(1), T0);
  cache.output(kPeer, pkt(2), T0);
  EXPECT_TRUE(cache.tick(T0 + 999ms).empty());
  auto fx = cache.tick(T0 + 1s);
  ASSERT_EQ(fx.solicits.size(), 1u);
  EXPECT_FALSE(fx.solicits[0].unicast);
  fx = cache.tick(T0 + 2s);
  ASSERT_EQ(fx.solicits.size(), 1u);
  EXPECT_FALSE(fx.solicits[0].unicast);
  EXPECT_EQ(state(cache), NudState::Incomplete);
  fx = cache.tick(T0 + 3s);
  EXPECT_TRUE(fx.solicits.empty());
  EXPECT_EQ(state(cache), NudState::Failed);
  ASSERT_EQ(fx.unreachable.size(), 2u);
  EXPECT_EQ(fx.unreachable[0].neighbour, kPeer);
  EXPECT_EQ(fx.unreachable[0].packet.bytes[0], 1);
  EXPECT_EQ(fx.unreachable[1].packet.bytes[0], 2);
  EXPECT_EQ(cache.info(kPeer)->queued_packets, 0u);
  EXPECT_FALSE(cache.next_deadline());
}

TEST_F(Neigh, FailedEntryRestartsResolutionOnOutput) {
  cache.output(kPeer, pkt(1), T0);
  for (auto t : {1s, 2s, 3s}) cache.tick(T0 + t);
  ASSERT_EQ(state(cache), NudState::Failed);
  auto fx = cache.output(kPeer, pkt(2), T0 + 10s);
  ASSERT_EQ(fx.solicits.size(), 1u);
  EXPECT_FALSE(fx.solicits[0].unicast);
  EXPECT_EQ(state(cache), NudState::Incomplete);
  EXPECT_EQ(cache.info(kPeer)->probes, 4u);  // ucast_solicit + 1, as arp_solicit counts
}

TEST_F(Neigh, UnicastReplyResolvesAndReleasesQueueInOrder) {
  cache.output(kPeer, pkt(1), T0);
  cache.output(kPeer, pkt(2), T0);
  auto out = cache.process_arp(reply(kPeer, kMac), T0 + 200ms);
  EXPECT_FALSE(out.send_reply);
  ASSERT_EQ(out.effects.transmits.size(), 2u);
  EXPECT_EQ(out.effects.transmits[0].destination, kMac);
  EXPECT_EQ(out.effects.transmits[0].packet.bytes[0], 1);
  EXPECT_EQ(out.effects.transmits[1].packet.bytes[0], 2);
  EXPECT_EQ(state(cache), NudState::Reachable);
  EXPECT_EQ(cache.lookup(kPeer), kMac);
  EXPECT_EQ(cache.next_deadline(), T0 + 200ms + cache.reachable_time());
  auto fx = cache.output(kPeer, pkt(3), T0 + 300ms);
  ASSERT_EQ(fx.transmits.size(), 1u);
  EXPECT_EQ(fx.transmits[0].destination, kMac);
}

TEST_F(Neigh, BroadcastReplyGivesStaleAndQueuedPacketMovesItToDelay) {
  cache.output(kPeer, pkt(1), T0);
  auto out = cache.process_arp(reply(kPeer, kMac, /*to_host=*/false), T0 + 10ms);
  ASSERT_EQ(out.effects.transmits.size(), 1u);
  // The queued packet goes through neigh_resolve_output: STALE -> DELAY.
  EXPECT_EQ(state(cache), NudState::Delay);
  EXPECT_EQ(cache.next_deadline(), T0 + 10ms + 5s);
}

TEST_F(Neigh, ReachableUnusedExpiresToStale) {
  resolve();
  const auto rt = cache.reachable_time();
  EXPECT_TRUE(cache.tick(T0 + rt - 1ms).empty());
  EXPECT_EQ(state(cache), NudState::Reachable);
  cache.tick(T0 + rt + 1ms);
  EXPECT_EQ(state(cache), NudState::Stale);
  EXPECT_FALSE(cache.next_deadline());  // STALE has no timer
  EXPECT_EQ(cache.lookup(kPeer), kMac);
}

TEST_F(Neigh, UpperLayerConfirmationKeepsReachable) {
  resolve();
  const auto rt = cache.reachable_time();
  cache.confirm(kPeer, T0 + 10s);
  cache.tick(T0 + rt);
  EXPECT_EQ(state(cache), NudState::Reachable);
  EXPECT_EQ(cache.next_deadline(), T0 + 10s + rt);
  cache.confirm(kOther, T0 + 10s);  // no entry: nothing created
  EXPECT_FALSE(cache.info(kOther));
}

TEST(NeighShort, ReachableRecentlyUsedGoesToDelay) {
  NeighbourConfig cfg;
  cfg.base_reachable_time = 2s;  // reachable_time in [1 s, 3 s) < delay_first_probe_time
  NeighbourCache cache(cfg, 7, T0);
  cache.output(kPeer, pkt(1), T0);  // used = T0
  cache.process_arp(reply(kPeer, kMac), T0);
  const auto rt = cache.reachable_time();
  cache.tick(T0 + rt + 1ms);
  EXPECT_EQ(state(cache), NudState::Delay);
  EXPECT_EQ(cache.next_deadline(), T0 + rt + 1ms + 5s);
}

TEST_F(Neigh, StaleOutputDelayThenThreeUnicastProbesThenFailed) {
  learn_stale();
  auto fx = cache.output(kPeer, pkt(1), T0 + 1s);
  ASSERT_EQ(fx.transmits.size(), 1u);  // sent at once with the stale address
  EXPECT_EQ(fx.transmits[0].destination, kMac);
  EXPECT_EQ(state(cache), NudState::Delay);
  EXPECT_EQ(cache.next_deadline(), T0 + 6s);
  // DELAY and PROBE still transmit.
  EXPECT_EQ(cache.output(kPeer, pkt(2), T0 + 2s).transmits.size(), 1u);

  fx = cache.tick(T0 + 6s);
  EXPECT_EQ(state(cache), NudState::Probe);
  ASSERT_EQ(fx.solicits.size(), 1u);
  EXPECT_EQ(fx.solicits[0].unicast, kMac);
  for (auto t : {7s, 8s}) {
    fx = cache.tick(T0 + t);
    ASSERT_EQ(fx.solicits.size(), 1u);
    EXPECT_EQ(fx.solicits[0].unicast, kMac);
  }
  EXPECT_EQ(cache.output(kPeer, pkt(3), T0 + 8500ms).transmits.size(), 1u);
  fx = cache.tick(T0 + 9s);
  EXPECT_TRUE(fx.solicits.empty());
  EXPECT_TRUE(fx.unreachable.empty());
  EXPECT_EQ(state(cache), NudState::Failed);
  EXPECT_FALSE(cache.lookup(kPeer));
}

TEST_F(Neigh, DelayConfirmedReturnsToReachable) {
  learn_stale();
  cache.output(kPeer, pkt(1), T0 + 1s);
  cache.confirm(kPeer, T0 + 3s);
  auto fx = cache.tick(T0 + 6s);
  EXPECT_TRUE(fx.solicits.empty());
  EXPECT_EQ(state(cache), NudState::Reachable);
  EXPECT_EQ(cache.next_deadline(), T0 + 3s + cache.reachable_time());
}

TEST_F(Neigh, ProbeAnsweredGoesReachable) {
  learn_stale();
  cache.output(kPeer, pkt(1), T0 + 1s);
  cache.tick(T0 + 6s);
  ASSERT_EQ(state(cache), NudState::Probe);
  cache.process_arp(reply(kPeer, kMac), T0 + 6500ms);
  EXPECT_EQ(state(cache), NudState::Reachable);
}

TEST_F(Neigh, ProbeNotRescuedByUpperLayerConfirmation) {
  learn_stale();
  cache.output(kPeer, pkt(1), T0 + 1s);
  cache.tick(T0 + 6s);
  cache.confirm(kPeer, T0 + 6500ms);
  cache.tick(T0 + 7s);
  EXPECT_EQ(state(cache), NudState::Probe);
}

TEST(NeighQueue, OverLimitDropsOldest) {
  NeighbourConfig cfg;
  cfg.unres_qlen_bytes = 3000;
  NeighbourCache cache(cfg, 1, T0);
  for (std::uint8_t i = 1; i <= 3; ++i) EXPECT_TRUE(cache.output(kPeer, pkt(i, 1000), T0).discarded.empty());
  auto fx = cache.output(kPeer, pkt(4, 1000), T0);
  ASSERT_EQ(fx.discarded.size(), 1u);
  EXPECT_EQ(fx.discarded[0].bytes[0], 1);
  fx = cache.output(kPeer, pkt(5, 2500), T0);
  ASSERT_EQ(fx.discarded.size(), 3u);  // 2, 3, 4 make room for 2500
  EXPECT_EQ(fx.discarded[2].bytes[0], 4);
  EXPECT_EQ(cache.info(kPeer)->queued_packets, 1u);
  EXPECT_EQ(cache.info(kPeer)->queued_bytes, 2500u);
}

TEST(NeighQueue, OversizedPacketQueuedAlone) {
  NeighbourConfig cfg;
  cfg.unres_qlen_bytes = 1000;
  NeighbourCache cache(cfg, 1, T0);
  cache.output(kPeer, pkt(1, 5000), T0);
  EXPECT_EQ(cache.info(kPeer)->queued_packets, 1u);
  auto fx = cache.output(kPeer, pkt(2, 5000), T0);
  ASSERT_EQ(fx.discarded.size(), 1u);
  EXPECT_EQ(cache.info(kPeer)->queued_packets, 1u);
}

TEST(NeighQueue, DefaultLimitIsSkWmemMax) {
  NeighbourCache cache(NeighbourConfig{}, 1, T0);
  Packet p{std::vector<std::uint8_t>(1500), kLocal, 0};  // charge 1500 + 576 = 2076
  std::size_t dropped = 0;
  for (int i = 0; i < 110; ++i) dropped += cache.output(kPeer, p, T0).discarded.size();
  EXPECT_EQ(cache.info(kPeer)->queued_packets, 212992u / 2076u);
  EXPECT_EQ(dropped, 110u - 212992u / 2076u);
}

TEST(NeighRandom, ReachableTimeSeededAndBounded) {
  NeighbourConfig cfg;
  std::set<long long> seen;
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    NeighbourCache a(cfg, seed, T0), b(cfg, seed, T0);
    EXPECT_EQ(a.reachable_time(), b.reachable_time());
    EXPECT_GE(a.reachable_time(), 15s);
    EXPECT_LT(a.reachable_time(), 45s);
    seen.insert(a.reachable_time().count());
  }
  EXPECT_GT(seen.size(), 40u);
}

TEST(NeighRandom, RerandomisedEvery300Seconds) {
  NeighbourCache a(NeighbourConfig{}, 3, T0), b(NeighbourConfig{}, 3, T0);
  const auto first = a.reachable_time();
  a.tick(T0 + 300s);
  EXPECT_EQ(a.reachable_time(), first);
  a.tick(T0 + 301s);
  b.tick(T0 + 301s);
  EXPECT_EQ(a.reachable_time(), b.reachable_time());
  EXPECT_GE(a.reachable_time(), 15s);
  EXPECT_LT(a.reachable_time(), 45s);
}

TEST_F(Neigh, UnsolicitedReplyDoesNotCreateEntry) {
  auto out = cache.process_arp(reply(kPeer, kMac), T0);
  EXPECT_FALSE(out.send_reply);
  EXPECT_EQ(cache.size(), 0u);
  // Gratuitous request and gratuitous reply: not created either.
  cache.process_arp(request(kPeer, kMac, kPeer, false), T0);
  ArpInput garp = reply(kPeer, kMac, false);
  garp.arp.target_proto = kPeer;
  garp.arp.target_hw = kMac;
  cache.process_arp(garp, T0);
  EXPECT_EQ(cache.size(), 0u);
  // A request between two other hosts neither.
  cache.process_arp(request(kPeer, kMac, kOther, false), T0);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(NeighAccept, ArpAcceptCreatesFromUnsolicitedReply) {
  NeighbourConfig cfg;
  cfg.arp_accept = true;
  NeighbourCache cache(cfg, 1, T0);
  cache.process_arp(reply(kPeer, kMac), T0);
  EXPECT_EQ(state(cache), NudState::Reachable);
  cache.process_arp(request(kOther, kMac2, kOther, false), T0);  // gratuitous request
  EXPECT_EQ(state(cache, kOther), NudState::Stale);
}

TEST_F(Neigh, UnsolicitedReplyUpdatesExistingEntry) {
  learn_stale();
  cache.process_arp(reply(kPeer, kMac), T0 + 2s);
  EXPECT_EQ(state(cache), NudState::Reachable);
}

TEST_F(Neigh, LocktimeKeepsFirstAddressButGratuitousOverrides) {
  learn_stale();  // updated = T0
  cache.process_arp(reply(kPeer, kMac2), T0 + 500ms);
  EXPECT_EQ(cache.lookup(kPeer), kMac);  // within locktime: ignored
  // Gratuitous request with a new address overrides at once.
  cache.process_arp(request(kPeer, kMac2, kPeer, false), T0 + 600ms);
  EXPECT_EQ(cache.lookup(kPeer), kMac2);
  EXPECT_EQ(state(cache), NudState::Stale);
  // After locktime an ordinary reply with a new address is taken.
  cache.process_arp(reply(kPeer, kMac), T0 + 2s);
  EXPECT_EQ(cache.lookup(kPeer), kMac);
  EXPECT_EQ(state(cache), NudState::Reachable);
}

TEST_F(Neigh, NewAddressMakesReachableEntryStale) {
  resolve();
  cache.process_arp(request(kPeer, kMac2, kOther, false), T0 + 5s);
  EXPECT_EQ(state(cache), NudState::Stale);
  EXPECT_EQ(cache.lookup(kPeer), kMac2);
}

TEST_F(Neigh, RequestWithSameAddressKeepsReachable) {
  resolve();
  auto out = cache.process_arp(request(kPeer, kMac, kLocal, true), T0 + 5s);
  EXPECT_TRUE(out.send_reply);
  EXPECT_EQ(state(cache), NudState::Reachable);
}

TEST_F(Neigh, RequestForUsCreatesStaleEntryAndRequestForOthersDoesNot) {
  auto out = cache.process_arp(request(kOther, kMac2, kPeer, false), T0);
  EXPECT_FALSE(out.send_reply);
  EXPECT_FALSE(cache.info(kOther));
  learn_stale();
  EXPECT_EQ(cache.lookup(kPeer), kMac);
  EXPECT_FALSE(cache.next_deadline());
}

TEST_F(Neigh, RequestFromPeerResolvesIncompleteEntry) {
  cache.output(kPeer, pkt(1), T0);
  auto out = cache.process_arp(request(kPeer, kMac, kLocal, true), T0 + 100ms);
  EXPECT_TRUE(out.send_reply);
  ASSERT_EQ(out.effects.transmits.size(), 1u);
  EXPECT_EQ(out.effects.transmits[0].destination, kMac);
  EXPECT_EQ(state(cache), NudState::Delay);
}

TEST_F(Neigh, DuplicateAddressProbeLearnsNothing) {
  auto out = cache.process_arp(request(Ipv4Address::unspecified(), kMac, kLocal, true), T0);
  EXPECT_TRUE(out.send_reply);
  EXPECT_EQ(cache.size(), 0u);
}

TEST_F(Neigh, PermanentEntryIgnoresArpAndTimers) {
  auto fx = cache.add_permanent(kPeer, kMac, T0);
  EXPECT_TRUE(fx.empty());
  EXPECT_EQ(state(cache), NudState::Permanent);
  EXPECT_FALSE(cache.next_deadline());
  cache.process_arp(reply(kPeer, kMac2), T0 + 10s);
  EXPECT_EQ(cache.lookup(kPeer), kMac);
  EXPECT_EQ(state(cache), NudState::Permanent);
  fx = cache.output(kPeer, pkt(1), T0 + 11s);
  ASSERT_EQ(fx.transmits.size(), 1u);
  EXPECT_EQ(fx.transmits[0].destination, kMac);
  cache.tick(T0 + 1000s);
  EXPECT_EQ(state(cache), NudState::Permanent);
  cache.remove(kPeer, T0 + 1001s);
  EXPECT_FALSE(cache.info(kPeer));
}

TEST_F(Neigh, AddPermanentOverIncompleteReleasesQueue) {
  cache.output(kPeer, pkt(1), T0);
  auto fx = cache.add_permanent(kPeer, kMac, T0 + 1ms);
  ASSERT_EQ(fx.transmits.size(), 1u);
  EXPECT_EQ(fx.transmits[0].destination, kMac);
  EXPECT_FALSE(cache.next_deadline());
}

TEST_F(Neigh, FlushKeepsPermanentAndReportsQueuedPackets) {
  cache.add_permanent(kOther, kMac2, T0);
  resolve();
  cache.output(Ipv4Address(192, 0, 2, 9), pkt(7), T0);
  auto fx = cache.flush(T0 + 1s);
  ASSERT_EQ(fx.unreachable.size(), 1u);
  EXPECT_EQ(fx.unreachable[0].packet.bytes[0], 7);
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(state(cache, kOther), NudState::Permanent);
  EXPECT_FALSE(cache.next_deadline());
}

TEST_F(Neigh, RemoveIncompleteReportsQueuedPackets) {
  cache.output(kPeer, pkt(1), T0);
  auto fx = cache.remove(kPeer, T0 + 1ms);
  EXPECT_EQ(fx.unreachable.size(), 1u);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(NeighGc, RemovesStaleUnusedAndFailedKeepsPermanent) {
  NeighbourConfig cfg;
  cfg.gc_thresh1 = 0;
  NeighbourCache cache(cfg, 1, T0);
  cache.add_permanent(kOther, kMac2, T0);
  cache.process_arp(request(kPeer, kMac, kLocal, true), T0);  // STALE, used = T0
  const Ipv4Address failing{192, 0, 2, 9};
  cache.output(failing, pkt(1), T0);
  for (auto t : {1s, 2s, 3s}) cache.tick(T0 + t);
  ASSERT_EQ(state(cache, failing), NudState::Failed);
  cache.gc(T0 + 30s);
  EXPECT_FALSE(cache.info(failing));
  EXPECT_TRUE(cache.info(kPeer));
  cache.gc(T0 + 60s);
  EXPECT_FALSE(cache.info(kPeer));
  EXPECT_TRUE(cache.info(kOther));
}

TEST(NeighGc, NothingBelowThreshold) {
  NeighbourCache cache(NeighbourConfig{}, 1, T0);
  cache.process_arp(request(kPeer, kMac, kLocal, true), T0);
  cache.gc(T0 + 1000s);
  EXPECT_TRUE(cache.info(kPeer));
}

TEST(NeighState, Names) {
  EXPECT_STREQ(to_string(NudState::Incomplete), "INCOMPLETE");
  EXPECT_STREQ(to_string(NudState::Permanent), "PERMANENT");
}

}  // namespace
}  // namespace ipc::stack::link

// What two correct Linux runs may legitimately disagree on, taken out of
// observations before a target is diffed against the kernel:
//
//  * packet capture details: `time`, `index`, `summary`, `csum_partial` (checksum
//    offload on the kernel's veth), and every `chksum` value (`chksum_ok`
//    stays and is compared); the clock readings of an ICMP timestamp reply
//    (`ICMP.ts_rx`, `ICMP.ts_tx`);
//  * IPv4 ids (`IP.id`, `IPerror.id`): random per destination in Linux;
//    each distinct value becomes "id#1", "id#2", ... in order of first
//    appearance, so "the fragments share an id" and "two datagrams differ"
//    still compare. 0 too: a random id is 0 now and then, so the rule that
//    gives 0 (DF, no connected socket: ip_select_ident_segs) is checked by
//    the cases' own expectations, not by the diff;
//  * ICMP echo identifiers (`ICMP.id`, `ICMPerror.id`): a ping socket's comes
//    from a host-wide counter; renamed "echo#1", ... like the ids;
//  * ephemeral ports (>= 32768: the default ip_local_port_range starts
//    there) in socket addresses and UDP and TCP headers (quoted ones too):
//    renamed "port#1", ... the same way. Ports below 32768 are the cases'
//    own and compare literally.
//  * TCP sequence numbers in the DUT's sequence space: a connection is keyed
//    by its (DUT port, peer port) pair after renaming; the first DUT sequence
//    number seen on it is its base, and each is written "isn#N+off" (or
//    "isn#N-off"), N numbering connections in order of first appearance.
//    That covers `TCP.seq` of frames the DUT sent (`dir` "in", or no `dir`),
//    `TCP.ack` (when ACK is set) and SACK blocks of frames sent to the DUT
//    (`dir` "out"), and in ICMP errors the quoted header, which travelled
//    the other way: `TCPerror.seq` in an error sent to the DUT, `TCPerror.ack`
//    in one it sent. The tester's own sequence numbers are the case's and
//    compare literally, and so do values the DUT echoes (its acks).
//  * TCP Timestamp options: TSval of a DUT segment becomes "tsval", a
//    nonzero TSecr of a segment to the DUT (an echo of one) "tsecr"; a random
//    offset plus a clock, they cannot be compared.
//
// The case's own expectations (`expect`) and saved values always see the raw
// values; so do data and addresses calls return.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

namespace ipc::oracle {

// Normalises one target's observations of one case instance (all steps,
// one renaming table for the whole instance).
std::vector<nlohmann::json> normalise_for_diff(std::vector<nlohmann::json> observations);

}  // namespace ipc::oracle

// What two correct Linux runs may legitimately disagree on, taken out of
// observations before a target is diffed against the kernel:
//
//  * packet capture details: `time`, `index`, `summary`, `csum_partial` (checksum
//    offload on the kernel's veth), and every `chksum` value (`chksum_ok`
//    stays and is compared); the clock readings of an ICMP timestamp reply
//    (`ICMP.ts_rx`, `ICMP.ts_tx`);
//  * nonzero IPv4 ids (`IP.id`, `IPerror.id`): random per destination in
//    Linux; each distinct value becomes "id#1", "id#2", ... in order of first
//    appearance, so "the fragments share an id" and "two datagrams differ"
//    still compare, and 0 stays 0;
//  * ICMP echo identifiers (`ICMP.id`, `ICMPerror.id`): a ping socket's comes
//    from a host-wide counter; renamed "echo#1", ... like the ids;
//  * ephemeral ports (>= 32768: the default ip_local_port_range starts
//    there) in socket addresses and UDP headers: renamed "port#1", ... the
//    same way. Ports below 32768 are the cases' own and compare literally.
//
// The case's own expectations (`expect`) always see the raw values.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

namespace ipc::oracle {

// Normalises one target's observations of one case instance (all steps,
// one renaming table for the whole instance).
std::vector<nlohmann::json> normalise_for_diff(std::vector<nlohmann::json> observations);

}  // namespace ipc::oracle

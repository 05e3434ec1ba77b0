#include "stack/mcast/receive_filter.hpp"

#include <algorithm>

#include "stack/mcast/mcast_names.hpp"

namespace ipc::stack::mcast {

bool mc_sf_allow(const McastSocketState& s, bool mc_all, wire::Ipv4Address group, wire::Ipv4Address source,
                 int dif, int sdif) {
  if (!group.is_multicast()) return true;
  auto pmc = std::find_if(s.memberships.begin(), s.memberships.end(), [&](const Membership& m) {
    return m.group == group && (m.ifindex == dif || (sdif != 0 && m.ifindex == sdif));
  });
  // Not a member on that interface: IP_MULTICAST_ALL decides (default 1:
  // any group joined on the host by anyone is delivered).
  if (pmc == s.memberships.end()) return mc_all;
  if (!pmc->sources) return pmc->sfmode == kModeExclude;
  const bool listed = std::find(pmc->sources->begin(), pmc->sources->end(), source) != pmc->sources->end();
  return pmc->sfmode == kModeInclude ? listed : !listed;
}

}  // namespace ipc::stack::mcast

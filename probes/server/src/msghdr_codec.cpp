#include "msghdr_codec.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include <fmt/format.h>

#include "request.hpp"

namespace ipconform::probe {

namespace {

struct CmsgArg {
  int level = 0;
  int type = 0;
  Bytes data;
};

CmsgArg parse_cmsg(const nlohmann::json& item, std::size_t index) {
  const std::string what = fmt::format("cmsgs[{}]", index);
  if (!item.is_object()) throw ProtocolError(fmt::format("{} must be an object", what));
  for (const char* key : {"level", "type", "data"})
    if (!item.contains(key) || item[key].is_null())
      throw ProtocolError(fmt::format("{}: missing field \"{}\"", what, key));
  const auto c_int = [&](const char* key) {
    return static_cast<int>(static_cast<std::uint32_t>(json_integer(
        item[key], fmt::format("{} field \"{}\"", what, key),
        std::numeric_limits<std::int32_t>::min(), std::numeric_limits<std::uint32_t>::max())));
  };
  return {c_int("level"), c_int("type"),
          json_hex(item["data"], fmt::format("{} field \"data\"", what))};
}

// CMSG_NXTHDR with one fixed rule (glibc's since 2.36, and the kernel's own
// walk): stop at a cmsg_len shorter than a header, else step CMSG_ALIGN
// (cmsg_len) and stop unless a whole header fits there. Older glibc also
// drops a last cmsg that runs past the buffer, which is the truncated one
// the oracle wants to see; the probe's answer must not depend on its libc.
const cmsghdr* next_cmsg(const cmsghdr* cmsg, std::size_t size, const std::uint8_t* base) {
  if (cmsg->cmsg_len < sizeof(cmsghdr)) return nullptr;
  const auto offset = static_cast<std::size_t>(reinterpret_cast<const std::uint8_t*>(cmsg) - base);
  const std::size_t step = CMSG_ALIGN(cmsg->cmsg_len);
  if (step > size - offset || size - offset - step < sizeof(cmsghdr)) return nullptr;
  return reinterpret_cast<const cmsghdr*>(base + offset + step);
}

}  // namespace

Bytes encode_cmsgs(const nlohmann::json& cmsgs) {
  if (!cmsgs.is_array()) throw ProtocolError("field \"cmsgs\" must be an array");
  std::vector<CmsgArg> items;
  std::size_t total = 0;
  for (std::size_t i = 0; i < cmsgs.size(); ++i) {
    items.push_back(parse_cmsg(cmsgs[i], i));
    total += CMSG_SPACE(items.back().data.size());
  }

  // Built through a msghdr so that CMSG_FIRSTHDR/CMSG_NXTHDR do the layout.
  // The cmsghdr-aligned storage is copied out into the byte buffer at the end.
  std::vector<cmsghdr> storage((total + sizeof(cmsghdr) - 1) / sizeof(cmsghdr));
  msghdr msg{};
  msg.msg_control = storage.data();
  msg.msg_controllen = total;
  cmsghdr* cmsg = total == 0 ? nullptr : CMSG_FIRSTHDR(&msg);
  for (const CmsgArg& item : items) {
    cmsg->cmsg_len = CMSG_LEN(item.data.size());
    cmsg->cmsg_level = item.level;
    cmsg->cmsg_type = item.type;
    std::copy(item.data.begin(), item.data.end(), CMSG_DATA(cmsg));
    cmsg = CMSG_NXTHDR(&msg, cmsg);
  }
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(storage.data());
  return Bytes(bytes, bytes + total);
}

Json decode_cmsgs(const std::uint8_t* control, std::size_t size) {
  // Walked in a cmsghdr-aligned copy: the caller's buffer may be unaligned.
  std::vector<cmsghdr> storage((size + sizeof(cmsghdr) - 1) / sizeof(cmsghdr));
  if (size != 0) std::memcpy(storage.data(), control, size);
  const auto* base = reinterpret_cast<const std::uint8_t*>(storage.data());
  msghdr msg{};
  msg.msg_control = storage.data();
  msg.msg_controllen = size;

  Json out = Json::array();
  for (const cmsghdr* cmsg = CMSG_FIRSTHDR(&msg); cmsg != nullptr;
       cmsg = next_cmsg(cmsg, size, base)) {
    const std::size_t offset = static_cast<std::size_t>(CMSG_DATA(cmsg) - base);
    const std::size_t declared = cmsg->cmsg_len < CMSG_LEN(0) ? 0 : cmsg->cmsg_len - CMSG_LEN(0);
    Json item = Json::object();
    item["level"] = cmsg->cmsg_level;
    item["type"] = cmsg->cmsg_type;
    item["data"] = to_hex(base + offset, std::min(declared, size - std::min(offset, size)));
    out.push_back(std::move(item));
  }
  return out;
}

}  // namespace ipconform::probe

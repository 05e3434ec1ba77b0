#include "capabilities.hpp"

#include <cerrno>
#include <memory>
#include <string>
#include <type_traits>

namespace ipconform::kprobe {

namespace {

struct CapFree {
  void operator()(cap_t caps) const { cap_free(caps); }
};
using CapState = std::unique_ptr<std::remove_pointer_t<cap_t>, CapFree>;

bool starts_with_cap_prefix(std::string_view name) {
  return name.size() > 4 && (name[0] == 'c' || name[0] == 'C') &&
         (name[1] == 'a' || name[1] == 'A') && (name[2] == 'p' || name[2] == 'P') && name[3] == '_';
}

}  // namespace

std::optional<cap_value_t> capability_from_name(std::string_view name) {
  if (!starts_with_cap_prefix(name)) return std::nullopt;
  const std::string text(name);
  cap_value_t value = 0;
  if (cap_from_name(text.c_str(), &value) != 0) return std::nullopt;
  if (value < 0 || value >= static_cast<cap_value_t>(cap_max_bits())) return std::nullopt;
  return value;
}

int drop_effective(const std::vector<cap_value_t>& caps) {
  if (caps.empty()) return 0;
  CapState state(cap_get_proc());
  if (!state) return errno;
  if (cap_set_flag(state.get(), CAP_EFFECTIVE, static_cast<int>(caps.size()), caps.data(),
                   CAP_CLEAR) != 0)
    return errno;
  if (cap_set_proc(state.get()) != 0) return errno;
  return 0;
}

int restore_effective() {
  CapState state(cap_get_proc());
  if (!state) return errno;
  const int bits = static_cast<int>(cap_max_bits());
  for (cap_value_t cap = 0; cap < bits; ++cap) {
    cap_flag_value_t permitted = CAP_CLEAR;
    if (cap_get_flag(state.get(), cap, CAP_PERMITTED, &permitted) != 0) return errno;
    if (cap_set_flag(state.get(), CAP_EFFECTIVE, 1, &cap, permitted) != 0) return errno;
  }
  if (cap_set_proc(state.get()) != 0) return errno;
  return 0;
}

}  // namespace ipconform::kprobe

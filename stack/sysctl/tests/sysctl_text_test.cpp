#include "stack/sysctl/sysctl_text.hpp"

#include <gtest/gtest.h>

#include <cerrno>

namespace ipc::stack::sysctl {
namespace {

struct ParseRow {
  const char* text;
  int err;
  std::vector<long long> values;  // signed view of what was parsed
};

std::vector<long long> signed_values(const ParsedWrite& p) {
  std::vector<long long> out;
  for (const auto& n : p.numbers)
    out.push_back(n.negative ? -static_cast<long long>(n.magnitude)
                             : static_cast<long long>(n.magnitude));
  return out;
}

// What a single-int entry of the reference kernel does with each text
// (written to ip_default_ttl / ip_forward in a fresh namespace).
TEST(ParseNumbers, ProcGetLongRules) {
  const ParseRow rows[] = {
      {"100", 0, {100}},      {" 100", 0, {100}},    {"100 ", 0, {100}},
      {"100\n", 0, {100}},    {"\t 7", 0, {7}},      {"0x10", 0, {16}},
      {"010", 0, {8}},        {"00", 0, {0}},        {"12 13", 0, {12}},
      {"5\n6", 0, {5}},       {"-1", 0, {-1}},       {"", 0, {}},
      {"100x", EINVAL, {}},   {"+5", EINVAL, {}},    {"abc", EINVAL, {}},
      {"0x", EINVAL, {}},     {"-", EINVAL, {}},     {"- 1", EINVAL, {}},
      {" ", EINVAL, {}},
  };
  for (const auto& row : rows) {
    const ParsedWrite p = parse_numbers(row.text, 1);
    EXPECT_EQ(p.err, row.err) << '"' << row.text << '"';
    EXPECT_EQ(signed_values(p), row.values) << '"' << row.text << '"';
  }
}

TEST(ParseNumbers, PairsAndSeparators) {
  EXPECT_EQ(signed_values(parse_numbers("40000\t40001", 2)), (std::vector<long long>{40000, 40001}));
  EXPECT_EQ(signed_values(parse_numbers("40000 40001 5", 2)),
            (std::vector<long long>{40000, 40001}));
  EXPECT_EQ(parse_numbers("40000,40001", 2).err, EINVAL);
  EXPECT_EQ(parse_numbers("40000 abc", 2).err, EINVAL);
  // 18446744073709551616 overflows an unsigned long: -ERANGE -> EINVAL.
  EXPECT_EQ(parse_numbers("18446744073709551616", 1).err, EINVAL);
}

TEST(Jiffies, ConversionsAtHz250) {
  EXPECT_EQ(jiffies_to_ms(ms_to_jiffies(1001)), 1004);  // icmp_ratelimit 1001 reads 1004
  EXPECT_EQ(jiffies_to_ms(ms_to_jiffies(1)), 4);
  EXPECT_EQ(jiffies_to_ms(ms_to_jiffies(15)), 16);
  EXPECT_EQ(jiffies_to_userhz(userhz_to_jiffies(7)), 6);  // locktime 7 reads 6
  EXPECT_EQ(jiffies_to_userhz(userhz_to_jiffies(1)), 0);  // retrans_time 1 reads 0
  EXPECT_EQ(format_numbers({32768, 60999}), "32768\t60999");
}

}  // namespace
}  // namespace ipc::stack::sysctl

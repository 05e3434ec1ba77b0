#include "oracle/matrix.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace ipc::oracle {
namespace {

using json = nlohmann::json;

std::vector<std::string> suffixes(const std::vector<Instance>& v) {
  std::vector<std::string> out;
  for (const auto& i : v) out.push_back(i.suffix);
  return out;
}

TEST(Matrix, NoMatrixIsOneUnnamedInstance) {
  auto inst = expand_matrix(json::object(), json::array());
  ASSERT_EQ(inst.size(), 1u);
  EXPECT_EQ(inst[0].suffix, "");
  EXPECT_EQ(inst[0].vars, json::object());
  EXPECT_EQ(inst[0].labels, json::object());
}

TEST(Matrix, ProductInKeyOrderLastAxisFastest) {
  // Keys are ordered by name ("a" before "b"), whatever order they were written in.
  json m = {{"b", {1, 2}}, {"a", {"SOCK_DGRAM", "SOCK_RAW"}}};
  auto inst = expand_matrix(m, json::array());
  EXPECT_EQ(suffixes(inst), (std::vector<std::string>{"a=SOCK_DGRAM,b=1", "a=SOCK_DGRAM,b=2",
                                                       "a=SOCK_RAW,b=1", "a=SOCK_RAW,b=2"}));
  EXPECT_EQ(inst[3].vars, (json{{"a", "SOCK_RAW"}, {"b", 2}}));
  EXPECT_EQ(inst[3].labels, (json{{"a", "SOCK_RAW"}, {"b", 2}}));
}

TEST(Matrix, ScalarLabelsKeepTheirType) {
  auto inst = expand_matrix(json{{"len", {0, -1}}, {"on", {true}}}, json::array());
  ASSERT_EQ(inst.size(), 2u);
  EXPECT_EQ(inst[0].suffix, "len=0,on=true");
  EXPECT_EQ(inst[1].suffix, "len=-1,on=true");
  EXPECT_TRUE(inst[1].labels["len"].is_number_integer());
  EXPECT_EQ(inst[1].labels["len"], -1);
}

TEST(Matrix, TableValueIsLabelledByItsName) {
  json udp = {{"name", "udp"}, {"type", "SOCK_DGRAM"}, {"protocol", 0}};
  json raw = {{"name", "raw"}, {"type", "SOCK_RAW"}, {"protocol", "IPPROTO_UDP"}};
  auto inst = expand_matrix(json{{"sock", {udp, raw}}}, json::array());
  ASSERT_EQ(inst.size(), 2u);
  EXPECT_EQ(inst[0].suffix, "sock=udp");
  EXPECT_EQ(inst[1].suffix, "sock=raw");
  EXPECT_EQ(inst[1].vars["sock"], raw);  // the whole table is the variable
  EXPECT_EQ(inst[1].labels["sock"], "raw");
}

TEST(Matrix, TableValueWithoutNameIsRejected) {
  json m = {{"sock", {json{{"type", "SOCK_DGRAM"}}}}};
  try {
    expand_matrix(m, json::array());
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("sock"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("name"), std::string::npos) << e.what();
  }
}

TEST(Matrix, TableValueWithNonStringNameIsRejected) {
  json m = {{"sock", {json{{"name", 3}}}}};
  EXPECT_THROW(expand_matrix(m, json::array()), std::invalid_argument);
}

TEST(Matrix, EmptyAxisIsRejected) {
  try {
    expand_matrix(json{{"a", {1}}, {"v", json::array()}}, json::array());
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'v'"), std::string::npos) << e.what();
  }
}

TEST(Matrix, NonArrayAxisAndArrayValuesAreRejected) {
  EXPECT_THROW(expand_matrix(json{{"v", 1}}, json::array()), std::invalid_argument);
  EXPECT_THROW(expand_matrix(json{{"v", {json::array({1, 2})}}}, json::array()), std::invalid_argument);
  EXPECT_THROW(expand_matrix(json::array({1}), json::array()), std::invalid_argument);
}

TEST(Matrix, ExcludeDropsInstancesMatchingEveryEntryOfARule) {
  json m = {{"a", {"x", "y"}}, {"b", {1, 2}}};
  json exclude = json::array({json{{"a", "x"}, {"b", 2}}});
  auto inst = expand_matrix(m, exclude);
  EXPECT_EQ(suffixes(inst), (std::vector<std::string>{"a=x,b=1", "a=y,b=1", "a=y,b=2"}));
}

TEST(Matrix, ExcludeRulesAreOredAndPartialRulesMatchManyInstances) {
  json m = {{"a", {"x", "y", "z"}}, {"b", {1, 2}}};
  json exclude = json::array({json{{"a", "x"}}, json{{"b", 2}}});
  auto inst = expand_matrix(m, exclude);
  EXPECT_EQ(suffixes(inst), (std::vector<std::string>{"a=y,b=1", "a=z,b=1"}));
}

TEST(Matrix, ExcludeMatchesTableAxesByName) {
  json m = {{"sock", {json{{"name", "udp"}, {"type", "SOCK_DGRAM"}}, json{{"name", "tcp"}, {"type", "SOCK_STREAM"}}}}};
  auto inst = expand_matrix(m, json::array({json{{"sock", "tcp"}}}));
  EXPECT_EQ(suffixes(inst), (std::vector<std::string>{"sock=udp"}));
}

TEST(Matrix, ExcludeNamingAnUnknownAxisIsRejected) {
  try {
    expand_matrix(json{{"a", {1, 2}}}, json::array({json{{"c", 1}}}));
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'c'"), std::string::npos) << e.what();
  }
}

TEST(Matrix, MalformedExcludeIsRejected) {
  json m = {{"a", {1, 2}}};
  EXPECT_THROW(expand_matrix(m, json{{"a", 1}}), std::invalid_argument);           // not an array
  EXPECT_THROW(expand_matrix(m, json::array({1})), std::invalid_argument);         // entry not a table
}

TEST(Matrix, ExcludeRemovingEverythingIsRejected) {
  EXPECT_THROW(expand_matrix(json{{"a", {1}}}, json::array({json{{"a", 1}}})), std::invalid_argument);
}

}  // namespace
}  // namespace ipc::oracle

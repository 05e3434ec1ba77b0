#include <gtest/gtest.h>

#include "fixtures.hpp"

namespace ipc::reports::testing {
namespace {

TEST(ReadJsonl, ReadsEveryRecordAndSkipsBlankLines) {
  auto f = temp_dir() / "results.jsonl";
  spit(f, "{\"case\":\"a\"}\n\n{\"case\":\"b\"}\r\n{\"case\":\"c\"}\n");
  auto r = read_jsonl(f);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0]["case"], "a");
  EXPECT_EQ(r[1]["case"], "b");
  EXPECT_EQ(r[2]["case"], "c");
}

TEST(ReadJsonl, SkipsTruncatedLastLine) {
  auto f = temp_dir() / "results.jsonl";
  spit(f, "{\"case\":\"a\"}\n{\"case\":\"b\"}\n{\"case\":\"c\",\"verd");
  auto r = read_jsonl(f);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[1]["case"], "b");
}

TEST(ReadJsonl, SkipsCorruptLastLineEvenWithNewline) {
  auto f = temp_dir() / "results.jsonl";
  spit(f, "{\"case\":\"a\"}\n{\"case\":\n\n");
  EXPECT_EQ(read_jsonl(f).size(), 1u);
}

TEST(ReadJsonl, CorruptMiddleLineThrowsWithFileAndLine) {
  auto f = temp_dir() / "results.jsonl";
  spit(f, "{\"case\":\"a\"}\n\n{\"case\": oops}\n{\"case\":\"c\"}\n");
  try {
    read_jsonl(f);
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find(f.string() + ":3:"), std::string::npos) << what;
  }
}

TEST(ReadJsonl, NonObjectMiddleLineThrows) {
  auto f = temp_dir() / "results.jsonl";
  spit(f, "{\"case\":\"a\"}\n[1,2]\n{\"case\":\"c\"}\n");
  EXPECT_THROW(read_jsonl(f), std::runtime_error);
}

TEST(ReadJsonl, EmptyFileHasNoRecords) {
  auto f = temp_dir() / "results.jsonl";
  spit(f, "");
  EXPECT_TRUE(read_jsonl(f).empty());
}

TEST(ReadJsonl, MissingFileThrows) { EXPECT_THROW(read_jsonl(temp_dir() / "nope.jsonl"), std::runtime_error); }

}  // namespace
}  // namespace ipc::reports::testing

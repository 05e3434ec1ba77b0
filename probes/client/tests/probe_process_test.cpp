// Tests of probes/client.  Peers are ordinary programs: /bin/cat echoes each
// request line, which is a valid response (same id).
#include "probes/client/probe_process.hpp"

#include "runner/netns/topology.hpp"

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace fs = std::filesystem;
using ipc::probe::ProbeError;
using ipc::probe::ProbeProcess;
using json = nlohmann::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

ProbeProcess sh(const std::string& script, int netns = -1) {
  return ProbeProcess::spawn({"/bin/sh", "-c", script}, netns);
}

// Runs fn, which must throw ProbeError; returns it.
template <class F>
ProbeError expect_probe_error(F&& fn) {
  try {
    fn();
  } catch (const ProbeError& e) {
    return e;
  }
  ADD_FAILURE() << "no ProbeError thrown";
  return ProbeError(ProbeError::Kind::Spawn, "<none>");
}

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

bool is_reaped(pid_t pid) {
  errno = 0;
  return waitpid(pid, nullptr, WNOHANG) < 0 && errno == ECHILD;
}

std::string proc_status_field(pid_t pid, const std::string& key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key + ":", 0) == 0) {
      auto v = line.substr(key.size() + 1);
      v.erase(0, v.find_first_not_of(" \t"));
      return v;
    }
  return "";
}

TEST(ProbeProcess, CatEchoesRequestsWithFreshIds) {
  auto p = ProbeProcess::spawn({"/bin/cat"}, -1);
  EXPECT_GT(p.pid(), 0);
  EXPECT_TRUE(p.alive());
  for (int i = 1; i <= 3; ++i) {
    json req = {{"op", "hello"}, {"version", 1}, {"text", "hello ☃"}};
    json resp = p.call(req, 2s);
    EXPECT_EQ(resp["id"], i);
    EXPECT_EQ(resp["op"], "hello");
    EXPECT_EQ(resp["text"], "hello ☃");
  }
  // A caller-supplied id is replaced.
  json resp = p.call({{"op", "x"}, {"id", "mine"}}, 2s);
  EXPECT_EQ(resp["id"], 4);
}

TEST(ProbeProcess, NonObjectRequestIsACallerError) {
  auto p = ProbeProcess::spawn({"/bin/cat"}, -1);
  EXPECT_THROW(p.call(json::array({1, 2}), 1s), std::invalid_argument);
  EXPECT_EQ(p.call({{"op", "ok"}}, 1s)["op"], "ok");
}

TEST(ProbeProcess, MultiMegabyteLines) {
  auto p = ProbeProcess::spawn({"/bin/cat"}, -1);
  for (std::size_t size : {std::size_t(1) << 20, std::size_t(8) << 20}) {
    std::string hex(size, '0');
    for (std::size_t i = 0; i < hex.size(); ++i) hex[i] = "0123456789abcdef"[(i * 7) % 16];
    auto t0 = Clock::now();
    json resp = p.call({{"op", "sendto"}, {"data", hex}}, 10s);
    EXPECT_EQ(resp["data"].get<std::string>(), hex);
    std::printf("round trip of a %zu-byte line through cat: %.1f ms\n", size, ms_since(t0));
  }
}

TEST(ProbeProcess, LinesSplitAcrossSeveralWrites) {
  auto p = sh(R"(read l; printf '{"id"'; sleep 0.05; printf ': 1, '; sleep 0.05; printf '"ret": 0}\n'; cat)");
  json resp = p.call({{"op", "socket"}}, 3s);
  EXPECT_EQ(resp, (json{{"id", 1}, {"ret", 0}}));
  EXPECT_EQ(p.call({{"op", "echo"}}, 3s)["id"], 2);
}

TEST(ProbeProcess, TimeoutWhenNoAnswer) {
  auto p = ProbeProcess::spawn({"/bin/sleep", "5"}, -1);
  auto t0 = Clock::now();
  auto e = expect_probe_error([&] { p.call({{"op", "socket"}}, 200ms); });
  double took = ms_since(t0);
  EXPECT_EQ(e.kind, ProbeError::Kind::Timeout) << e.what();
  EXPECT_GE(took, 195);
  EXPECT_LT(took, 500);
  EXPECT_NE(std::string(e.what()).find("within 200 ms"), std::string::npos) << e.what();
  EXPECT_TRUE(p.alive());
}

TEST(ProbeProcess, TimeoutWhileTheTargetDoesNotReadTheRequest) {
  auto p = ProbeProcess::spawn({"/bin/sleep", "5"}, -1);
  json req = {{"op", "sendto"}, {"data", std::string(4u << 20, 'a')}};  // more than the pipe holds
  auto t0 = Clock::now();
  auto e = expect_probe_error([&] { p.call(std::move(req), 200ms); });
  EXPECT_EQ(e.kind, ProbeError::Kind::Timeout) << e.what();
  EXPECT_LT(ms_since(t0), 600);  // the deadline (serialising the request counts against it)
  EXPECT_NE(std::string(e.what()).find("request bytes"), std::string::npos) << e.what();
}

TEST(ProbeProcess, DestructorKillsATargetThatIgnoresEof) {
  pid_t pid;
  auto t0 = Clock::now();
  {
    auto p = ProbeProcess::spawn({"/bin/sleep", "5"}, -1);
    pid = p.pid();
  }
  double took = ms_since(t0);
  EXPECT_GE(took, 190);  // waited its 200 ms
  EXPECT_LT(took, 500);
  EXPECT_TRUE(is_reaped(pid));
}

TEST(ProbeProcess, DestructorLetsCatExitOnEof) {
  pid_t pid;
  auto t0 = Clock::now();
  {
    auto p = ProbeProcess::spawn({"/bin/cat"}, -1);
    pid = p.pid();
    p.call({{"op", "x"}}, 1s);
  }
  EXPECT_LT(ms_since(t0), 150);
  EXPECT_TRUE(is_reaped(pid));
}

TEST(ProbeProcess, ExitedReportsTheExitStatus) {
  {
    auto p = ProbeProcess::spawn({"/bin/true"}, -1);
    auto e = expect_probe_error([&] { p.call({{"op", "hello"}}, 2s); });
    EXPECT_EQ(e.kind, ProbeError::Kind::Exited) << e.what();
    EXPECT_NE(std::string(e.what()).find("exit status 0"), std::string::npos) << e.what();
    EXPECT_FALSE(p.alive());
  }
  {
    auto p = sh("read l; exit 3");
    auto e = expect_probe_error([&] { p.call({{"op", "hello"}}, 2s); });
    EXPECT_EQ(e.kind, ProbeError::Kind::Exited) << e.what();
    EXPECT_NE(std::string(e.what()).find("exit status 3"), std::string::npos) << e.what();
  }
  {
    auto p = sh("read l; kill -9 $$");
    auto e = expect_probe_error([&] { p.call({{"op", "hello"}}, 2s); });
    EXPECT_EQ(e.kind, ProbeError::Kind::Exited) << e.what();
    EXPECT_NE(std::string(e.what()).find("killed by signal 9 (SIGKILL)"), std::string::npos) << e.what();
  }
}

TEST(ProbeProcess, WritingToADeadTargetIsExitedNotSigpipe) {
  auto p = ProbeProcess::spawn({"/bin/true"}, -1);
  while (p.alive()) std::this_thread::sleep_for(1ms);
  auto e = expect_probe_error([&] { p.call({{"op", "x"}, {"data", std::string(1 << 20, 'b')}}, 2s); });
  EXPECT_EQ(e.kind, ProbeError::Kind::Exited) << e.what();
  // Still alive (no SIGPIPE death), and no SIGPIPE left pending or blocked.
  sigset_t pending, mask;
  sigpending(&pending);
  EXPECT_FALSE(sigismember(&pending, SIGPIPE));
  pthread_sigmask(SIG_BLOCK, nullptr, &mask);
  EXPECT_FALSE(sigismember(&mask, SIGPIPE));
}

TEST(ProbeProcess, ClosedStdoutWhileRunningIsExited) {
  auto p = sh("exec >&-; sleep 5");
  auto t0 = Clock::now();
  auto e = expect_probe_error([&] { p.call({{"op", "hello"}}, 2s); });
  EXPECT_EQ(e.kind, ProbeError::Kind::Exited) << e.what();
  EXPECT_NE(std::string(e.what()).find("closed its stdout: still running"), std::string::npos) << e.what();
  EXPECT_LT(ms_since(t0), 500);
  p.kill();
  EXPECT_FALSE(p.alive());
}

TEST(ProbeProcess, SpawnErrors) {
  auto e = expect_probe_error([] { ProbeProcess::spawn({"/nonexistent/ipconform-probe"}, -1); });
  EXPECT_EQ(e.kind, ProbeError::Kind::Spawn);
  EXPECT_EQ(std::string(e.what()), "cannot start /nonexistent/ipconform-probe: execv: No such file or directory");

  char path[] = "/tmp/ipconform-noexec-XXXXXX";
  int tmp = mkstemp(path);  // mode 0600: not executable, even for root
  ASSERT_GE(tmp, 0);
  close(tmp);
  e = expect_probe_error([&] { ProbeProcess::spawn({path}, -1); });
  unlink(path);
  EXPECT_EQ(e.kind, ProbeError::Kind::Spawn);
  EXPECT_NE(std::string(e.what()).find("execv: Permission denied"), std::string::npos) << e.what();

  e = expect_probe_error([] { ProbeProcess::spawn({}, -1); });
  EXPECT_EQ(e.kind, ProbeError::Kind::Spawn);

  int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  e = expect_probe_error([&] { ProbeProcess::spawn({"/bin/cat"}, devnull); });
  close(devnull);
  EXPECT_EQ(e.kind, ProbeError::Kind::Spawn);
  EXPECT_NE(std::string(e.what()).find("setns(CLONE_NEWNET): Invalid argument"), std::string::npos) << e.what();
}

TEST(ProbeProcess, ProtocolErrors) {
  {
    auto p = ProbeProcess::spawn({"/bin/echo", "notjson"}, -1);
    auto e = expect_probe_error([&] { p.call({{"op", "hello"}}, 2s); });
    EXPECT_EQ(e.kind, ProbeError::Kind::Protocol) << e.what();
    EXPECT_NE(std::string(e.what()).find("notjson"), std::string::npos) << e.what();
  }
  {
    auto p = sh(R"(read l; echo 'this is not json'; cat)");
    auto e = expect_probe_error([&] { p.call({{"op", "hello"}}, 2s); });
    EXPECT_EQ(e.kind, ProbeError::Kind::Protocol) << e.what();
    EXPECT_NE(std::string(e.what()).find("not JSON"), std::string::npos) << e.what();
  }
  {
    auto p = sh(R"(read l; echo '{"id": 999, "ret": 0}'; cat)");
    auto e = expect_probe_error([&] { p.call({{"op", "hello"}}, 2s); });
    EXPECT_EQ(e.kind, ProbeError::Kind::Protocol) << e.what();
    EXPECT_NE(std::string(e.what()).find("with id 999"), std::string::npos) << e.what();
  }
  {
    auto p = sh(R"(read l; echo '{"ret": 0}'; cat)");
    auto e = expect_probe_error([&] { p.call({{"op", "hello"}}, 2s); });
    EXPECT_EQ(e.kind, ProbeError::Kind::Protocol) << e.what();
    EXPECT_NE(std::string(e.what()).find("with id (none)"), std::string::npos) << e.what();
  }
  {
    auto p = sh(R"(read l; echo '[1, 2]'; cat)");
    auto e = expect_probe_error([&] { p.call({{"op", "hello"}}, 2s); });
    EXPECT_EQ(e.kind, ProbeError::Kind::Protocol) << e.what();
    EXPECT_NE(std::string(e.what()).find("instead of an object"), std::string::npos) << e.what();
  }
  {
    // Two lines in one write: the second one is output nobody asked for.
    auto p = sh(R"(read l; printf '{"id":1}\n{"id":2}\n'; cat)");
    EXPECT_EQ(p.call({{"op", "hello"}}, 2s)["id"], 1);
    auto e = expect_probe_error([&] { p.call({{"op", "hello"}}, 2s); });
    EXPECT_EQ(e.kind, ProbeError::Kind::Protocol) << e.what();
    EXPECT_NE(std::string(e.what()).find("no request outstanding"), std::string::npos) << e.what();
  }
}

TEST(ProbeProcess, KillIsIdempotentAndReaps) {
  auto p = ProbeProcess::spawn({"/bin/sleep", "5"}, -1);
  pid_t pid = p.pid();
  EXPECT_TRUE(p.alive());
  auto t0 = Clock::now();
  p.kill();
  EXPECT_LT(ms_since(t0), 100);
  EXPECT_FALSE(p.alive());
  EXPECT_TRUE(is_reaped(pid));
  EXPECT_EQ(p.exit_description(), "killed by signal 9 (SIGKILL)");
  p.kill();
  EXPECT_FALSE(p.alive());
  auto e = expect_probe_error([&] { p.call({{"op", "x"}}, 100ms); });
  EXPECT_EQ(e.kind, ProbeError::Kind::Exited) << e.what();
}

TEST(ProbeProcess, MoveTransfersOwnership) {
  auto a = ProbeProcess::spawn({"/bin/cat"}, -1);
  pid_t pid = a.pid();
  ProbeProcess b = std::move(a);
  EXPECT_EQ(b.pid(), pid);
  EXPECT_FALSE(a.alive());
  EXPECT_EQ(b.call({{"op", "x"}}, 1s)["id"], 1);
  auto c = ProbeProcess::spawn({"/bin/cat"}, -1);
  pid_t cpid = c.pid();
  c = std::move(b);  // c's old process is stopped and reaped
  EXPECT_TRUE(is_reaped(cpid));
  EXPECT_EQ(c.pid(), pid);
  EXPECT_EQ(c.call({{"op", "x"}}, 1s)["id"], 2);
}

TEST(ProbeProcess, ChildGetsOnlyStdioAndDefaultSignals) {
  int leaked = open("/dev/null", O_RDONLY);  // deliberately without O_CLOEXEC
  ASSERT_GE(leaked, 0);
  auto old_int = signal(SIGINT, SIG_IGN);
  sigset_t block, old_mask;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &block, &old_mask);

  auto p = ProbeProcess::spawn({"/bin/cat"}, -1);

  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  signal(SIGINT, old_int);
  close(leaked);

  // After an answer, so the dynamic loader's own fds are closed again.
  EXPECT_EQ(p.call({{"op", "x"}}, 1s)["id"], 1);
  std::set<std::string> fds;
  for (auto& e : fs::directory_iterator("/proc/" + std::to_string(p.pid()) + "/fd")) fds.insert(e.path().filename());
  EXPECT_EQ(fds, (std::set<std::string>{"0", "1", "2"}));
  EXPECT_EQ(proc_status_field(p.pid(), "SigIgn"), "0000000000000000");
  EXPECT_EQ(proc_status_field(p.pid(), "SigBlk"), "0000000000000000");
}

TEST(ProbeProcess, ConcurrentSpawnsFromSeveralThreads) {
  constexpr int kThreads = 8;
  std::vector<std::string> errors(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&, i] {
      try {
        for (int round = 0; round < 10; ++round) {
          auto p = ProbeProcess::spawn({"/bin/cat"}, -1);
          for (int k = 1; k <= 5; ++k)
            if (p.call({{"op", "x"}, {"w", i}}, 2s)["id"] != k) errors[i] = "bad id";
        }
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    });
  for (auto& t : threads) t.join();
  for (int i = 0; i < kThreads; ++i) EXPECT_EQ(errors[i], "") << "thread " << i;
}

// The target dies with the runner even if the runner is SIGKILLed.
TEST(ProbeProcess, TargetDiesWithItsRunner) {
  int report[2];
  ASSERT_EQ(pipe(report), 0);
  pid_t sup = fork();
  ASSERT_GE(sup, 0);
  if (sup == 0) {
    // Supervisor: becomes the subreaper, so the orphaned target is ours to wait for.
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    int pids[2];
    if (pipe(pids) != 0) _exit(10);
    pid_t runner = fork();
    if (runner == 0) {
      auto p = ProbeProcess::spawn({"/bin/sleep", "30"}, -1);
      pid_t t = p.pid();
      (void)!write(pids[1], &t, sizeof t);
      pause();
      _exit(0);
    }
    pid_t target = 0;
    if (read(pids[0], &target, sizeof target) != sizeof target) _exit(11);
    kill(runner, SIGKILL);
    waitpid(runner, nullptr, 0);
    int st = 0;
    // The target was re-parented to us; it must already be dying.
    for (int i = 0; i < 200; ++i) {
      pid_t r = waitpid(target, &st, WNOHANG);
      if (r == target) _exit(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL ? 0 : 12);
      usleep(10000);
    }
    kill(target, SIGKILL);
    _exit(13);
  }
  close(report[1]);
  close(report[0]);
  int st = 0;
  waitpid(sup, &st, 0);
  ASSERT_TRUE(WIFEXITED(st));
  EXPECT_EQ(WEXITSTATUS(st), 0);
}

TEST(ProbeProcess, SpawnsIntoTheGivenNetworkNamespace) {
  std::optional<ipc::netns::Topology> made;
  try {
    made.emplace(ipc::netns::Topology::create());
  } catch (const std::runtime_error& e) {
    if (std::string(e.what()).rfind("need root", 0) == 0) GTEST_SKIP() << e.what();
    throw;
  }
  auto& topo = *made;
  struct stat dut {};
  ASSERT_EQ(fstat(topo.dut_netns(), &dut), 0);

  auto p = ProbeProcess::spawn({"/bin/cat"}, topo.dut_netns());
  struct stat child {};
  ASSERT_EQ(stat(("/proc/" + std::to_string(p.pid()) + "/ns/net").c_str(), &child), 0);
  EXPECT_EQ(child.st_ino, dut.st_ino);
  EXPECT_EQ(p.call({{"op", "hello"}}, 1s)["id"], 1);
  // The spawning thread did not move.
  struct stat self {};
  ASSERT_EQ(stat("/proc/thread-self/ns/net", &self), 0);
  EXPECT_NE(self.st_ino, dut.st_ino);

  // From inside, the target sees dut0 (/proc/self/net follows the process's netns).
  auto r = ProbeProcess::spawn(
      {"/bin/sh", "-c",
       R"(read l; if grep -q dut0: /proc/self/net/dev; then echo '{"id":1,"dut0":true}'; else echo '{"id":1,"dut0":false}'; fi)"},
      topo.dut_netns());
  EXPECT_EQ(r.call({{"op", "x"}}, 2s)["dut0"], true);

  // Without a netns fd the child stays in the caller's namespace.
  auto h = ProbeProcess::spawn({"/bin/cat"}, -1);
  ASSERT_EQ(stat(("/proc/" + std::to_string(h.pid()) + "/ns/net").c_str(), &child), 0);
  EXPECT_EQ(child.st_ino, self.st_ino);
}

}  // namespace

// write_all: the three reports a run leaves in its --out directory.
#include "reports/report.hpp"

namespace ipc::reports {

void write_all(const ReportInput& in, const std::filesystem::path& out_dir) {
  write_junit(in, out_dir / "junit.xml");
  write_summary(in, out_dir / "summary.md");
  write_html(in, out_dir / "report");
}

}  // namespace ipc::reports

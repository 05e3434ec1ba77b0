// Verdicts and their severity. The severity order decides which of several
// records for the same (case, target) a matrix shows: the worst one.
#pragma once

#include <array>
#include <string_view>

namespace ipc::reports::detail {

// Ascending severity: skip < pass < xfail < xpass < diverge < fail < error.
enum class Verdict { skip, pass, xfail, xpass, diverge, fail, error };

inline constexpr std::array<Verdict, 7> kAllVerdicts = {Verdict::pass,  Verdict::fail,  Verdict::diverge,
                                                        Verdict::xfail, Verdict::xpass, Verdict::skip,
                                                        Verdict::error};
// The order unexpected results are listed in: errors first, then failures.
inline constexpr std::array<Verdict, 4> kUnexpectedOrder = {Verdict::error, Verdict::fail, Verdict::diverge,
                                                            Verdict::xpass};

// An unknown or missing verdict string maps to error: something produced a
// record the reports cannot judge, which is a harness problem.
Verdict parse_verdict(std::string_view);
bool is_known_verdict(std::string_view);
std::string_view name(Verdict);
bool is_unexpected(Verdict);
inline int severity(Verdict v) { return static_cast<int>(v); }
inline Verdict worse(Verdict a, Verdict b) { return severity(a) >= severity(b) ? a : b; }
// Position in kUnexpectedOrder (0..3), or 4 for expected verdicts.
int unexpected_rank(Verdict);

}  // namespace ipc::reports::detail

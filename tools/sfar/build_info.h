// Facts fixed when sfar was configured: the git commit and the compiler. Generated into the
// build tree from build_info.cpp.in, so that only that one file rebuilds after a commit.
#pragma once

namespace sfar::cli::build_info {

// The checked-out commit's short hash ("unknown" outside a git checkout). CMake configures
// again after each commit or checkout, so it names the commit that was built.
const char* git_commit();
const char* compiler();

}  // namespace sfar::cli::build_info

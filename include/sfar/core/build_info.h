// Facts fixed when sfar was configured: the git commit and the compiler. Generated into the
// build tree from src/core/build_info.cpp.in, so that only that one file rebuilds after a
// commit. `sfar --version`, `sfar env` and every run's environment.json read them, so a run
// records the commit it was built from wherever it is started.
#pragma once

namespace sfar::build_info {

// The checked-out commit's short hash ("unknown" outside a git checkout). CMake configures
// again after each commit or checkout, so it names the commit that was built.
const char* git_commit();
const char* compiler();

}  // namespace sfar::build_info

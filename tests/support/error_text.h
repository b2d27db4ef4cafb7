// What a call throws, for tests of error messages: the text of the sfar::Error it raises.
// Header-only, so that only the test executables that link sfar::core depend on it.
#pragma once

#include <functional>
#include <string>

#include "sfar/core/error.h"

namespace sfar::test {

// The message of the sfar::Error that `f` throws, or "(nothing thrown)"; any other exception
// propagates and fails the test.
inline std::string thrown(const std::function<void()>& f) {
  try {
    f();
  } catch (const sfar::Error& e) {
    return e.what();
  }
  return "(nothing thrown)";
}

}  // namespace sfar::test

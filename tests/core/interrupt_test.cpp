#include <gtest/gtest.h>

#include <csignal>

#include "sfar/core/interrupt.h"

namespace sfar {
namespace {

std::atomic<int> g_outer_calls{0};
extern "C" void outer_handler(int) { ++g_outer_calls; }

TEST(InterruptFlag, CtrlCSetsTheFlagInsideTheScopeAndTheOldHandlerComesBack) {
  const auto before = std::signal(SIGINT, outer_handler);
  {
    InterruptFlag interrupt;
    EXPECT_FALSE(interrupt.raised());
    std::raise(SIGINT);
    EXPECT_TRUE(interrupt.raised());
    EXPECT_TRUE(InterruptFlag::flag().load());
    EXPECT_EQ(g_outer_calls.load(), 0);
  }
  std::raise(SIGINT);  // the outer handler again, not the flag's
  EXPECT_EQ(g_outer_calls.load(), 1);
  {
    InterruptFlag again;  // a new scope starts cleared
    EXPECT_FALSE(again.raised());
  }
  std::signal(SIGINT, before);
}

}  // namespace
}  // namespace sfar

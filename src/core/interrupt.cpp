#include "sfar/core/interrupt.h"

#include <csignal>

namespace sfar {
namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void on_sigint(int) { g_interrupted = true; }

}  // namespace

InterruptFlag::InterruptFlag() {
  g_interrupted = false;
  previous_ = std::signal(SIGINT, on_sigint);
}

InterruptFlag::~InterruptFlag() { std::signal(SIGINT, previous_); }

const std::atomic<bool>& InterruptFlag::flag() { return g_interrupted; }

}  // namespace sfar

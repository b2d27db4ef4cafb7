// Ctrl-C as a flag for the lifetime of a scope, for long runs that stop between steps and keep
// what they finished (`sfar describe generate`): SIGINT sets the flag instead of ending the
// process, and the previous handler comes back when the scope ends.
//
//   InterruptFlag interrupt;
//   while (!interrupt.raised()) step();
#pragma once

#include <atomic>

namespace sfar {

class InterruptFlag {
 public:
  InterruptFlag();  // clears the flag and installs the handler
  ~InterruptFlag();
  InterruptFlag(const InterruptFlag&) = delete;
  InterruptFlag& operator=(const InterruptFlag&) = delete;

  bool raised() const { return flag().load(); }
  // The flag itself, for options that poll a `const std::atomic<bool>*`. One flag per process:
  // a signal handler can reach nothing else.
  static const std::atomic<bool>& flag();

 private:
  void (*previous_)(int);
};

}  // namespace sfar

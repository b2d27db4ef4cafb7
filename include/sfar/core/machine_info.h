// Facts about the machine a run happens on, for environment.json and `sfar env`.
#pragma once

#include <string>

namespace sfar {

// The processor's model name ("model name" in /proc/cpuinfo, e.g. "AMD EPYC 7B13"); "unknown"
// where the system does not say. Results can differ in the last digits across CPU types, so
// every run records it (environment.json).
std::string cpu_model();

}  // namespace sfar

// The number type of a training step's forward pass, `train.precision`: one table of name,
// enumerator and description, read once where the config is read. After that, code compares
// enumerators; the names come from the table, looked up by enumerator.
//
//   a("precision", ...) is visit_precision(a, "precision", options.precision);
//   to_string(Precision::kBf16) == "bf16";  parse_precision("fp8", "--precision") -> ArgumentError
#pragma once

#include <string>
#include <vector>

#include "sfar/core/config_archive.h"

namespace sfar::engine {

enum class Precision {
  kFp32,  // no autocast
  kBf16,  // autocast to bfloat16 (CUDA)
  kFp16,  // autocast to float16 with dynamic loss scaling (CUDA)
};

struct PrecisionEntry {
  Precision value;
  const char* name;
  const char* description;
  bool autocast;      // the forward pass runs under autocast (needs a CUDA device)
  bool loss_scaling;  // gradients need a dynamic loss scale (fp16's narrow exponent)
};

// Every precision, fp32 first.
const std::vector<PrecisionEntry>& precisions();
const PrecisionEntry& precision_entry(Precision value);
std::string to_string(Precision value);
// The precision named `text`; ArgumentError naming `where`, the text and every known name.
Precision parse_precision(const std::string& text, const std::string& where);
// one_of(every name), for a config key's check and help.
cfg::Constraint precision_names();

// A config field holding a Precision, for a struct's visit(A&): read through the keyed table (an
// unknown name is the reader's ConfigError naming the key) and written as its name.
template <class A>
void visit_precision(A& a, const char* key, Precision& value) {
  a(key, value, precisions());
}

}  // namespace sfar::engine

#include "sfar/engine/precision.h"

#include "sfar/core/name_table.h"

namespace sfar::engine {

const std::vector<PrecisionEntry>& precisions() {
  static const std::vector<PrecisionEntry> table = {
      {Precision::kFp32, "fp32", "float32 throughout", false, false},
      {Precision::kBf16, "bf16", "forward pass under bfloat16 autocast (CUDA)", true, false},
      {Precision::kFp16, "fp16", "forward pass under float16 autocast, dynamic loss scaling (CUDA)", true, true},
  };
  return table;
}

const PrecisionEntry& precision_entry(Precision value) { return entry_of(precisions(), value); }

std::string to_string(Precision value) { return precision_entry(value).name; }

Precision parse_precision(const std::string& text, const std::string& where) {
  return find_entry(precisions(), text, "precision", where).value;
}

cfg::Constraint precision_names() { return cfg::one_of(entry_names(precisions())); }

}  // namespace sfar::engine

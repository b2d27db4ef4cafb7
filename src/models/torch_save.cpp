#include "sfar/models/torch_save.h"

#include <caffe2/serialize/inline_container.h>
#include <torch/csrc/jit/serialization/export.h>
#include <torch/csrc/jit/serialization/pickler.h>

#include "sfar/core/atomic_file.h"

namespace sfar::models {

std::string torch_save_bytes(const c10::IValue& value, const std::map<std::string, std::string>& extra_records) {
  std::string pickled;
  torch::jit::Pickler pickler([&](const char* bytes, size_t size) { pickled.append(bytes, size); },
                              /*tensor_table=*/nullptr, /*type_renamer=*/nullptr, /*memoized_class_types=*/nullptr,
                              /*get_tensor_id=*/nullptr, /*tag_aggregates=*/false);
  pickler.protocol();
  pickler.pushIValue(value);
  pickler.stop();
  std::string out;
  caffe2::serialize::PyTorchStreamWriter writer([&](const void* bytes, size_t size) {
    out.append(static_cast<const char*>(bytes), size);
    return size;
  });
  // data.pkl and data/<i> for the i-th tensor's storage, as torch.save lays them out.
  torch::jit::writeArchiveAndTensors("data", pickled.data(), pickled.size(), pickler.tensorData(), writer);
  for (const auto& [name, bytes] : extra_records) writer.writeRecord(name, bytes.data(), bytes.size());
  writer.writeEndOfFile();
  return out;
}

void save_torch_file(const c10::IValue& value, const std::string& path,
                     const std::map<std::string, std::string>& extra_records) {
  write_file_atomic(path, torch_save_bytes(value, extra_records));
}

}  // namespace sfar::models

// The GPU's fp32 and bf16 paths against the generated CLIP reference (scripts/gpu_check.sh runs
// these from its pack). The images come from images.safetensors, the PNGs' pixels, so that this
// executable links no image codecs (tests/models: TensorImagesAreThePngImages).
#include <gtest/gtest.h>

#include "models/clip_reference_check.h"
#include "support/test_data.h"

namespace sfar::models {
namespace {

std::string tiny_dir() { return test::reference_path("clip/vit_tiny/"); }

TEST(ClipReferenceCuda, Fp32) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "needs a CUDA GPU: none is visible to this process";
  golden::GoldenRun run;
  run.device = torch::kCUDA;
  run.tensor_images = true;
  golden::expect_matches(tiny_dir() + "openai_torchscript.pt", "auto", tiny_dir() + "golden.json", tiny_dir(),
                         "vit_tiny on cuda, fp32", run);
}

// bf16 keeps 8 bits of mantissa: outputs move by about 1e-2 of their size. The bound (relative to
// the largest reference value) only catches a broken path; the printed differences are the figures.
TEST(ClipReferenceCuda, Bf16Autocast) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "needs a CUDA GPU: none is visible to this process";
  golden::GoldenRun run;
  run.device = torch::kCUDA;
  run.autocast = torch::kBFloat16;
  run.tolerance = 0.1;
  run.tensor_images = true;
  golden::expect_matches(tiny_dir() + "openai_torchscript.pt", "auto", tiny_dir() + "golden.json", tiny_dir(),
                         "vit_tiny on cuda, bf16 autocast", run);
}

// The same check on the CPU from tensor images: proves the path the GPU tests take wherever
// the suite runs, the GPU check's pack included.
TEST(ClipReferenceTensorImages, Fp32OnTheCpu) {
  golden::GoldenRun run;
  run.tensor_images = true;
  golden::expect_matches(tiny_dir() + "openai_torchscript.pt", "auto", tiny_dir() + "golden.json", tiny_dir(),
                         "vit_tiny on cpu, tensor images", run);
}

}  // namespace
}  // namespace sfar::models

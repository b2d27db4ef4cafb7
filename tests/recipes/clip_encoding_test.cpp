// encode-image/encode-text's options are checked before any file is read: fp16 (no loss to scale)
// and a batch below 1 are ArgumentErrors naming the option, not a load error about the weights.
#include <gtest/gtest.h>

#include "sfar/core/error.h"
#include "sfar/recipes/clip_encoding.h"

namespace sfar::recipes {
namespace {

TEST(ClipEncoding, BadOptionsAreRefusedByNameBeforeLoading) {
  const auto ignore = [](const nlohmann::json&) {};
  ClipEncodeOptions fp16;
  fp16.weights = "/nonexistent/clip.pt";
  fp16.precision = engine::Precision::kFp16;
  ClipEncodeOptions empty_batch;
  empty_batch.weights = fp16.weights;
  empty_batch.batch = 0;
  for (const auto& [options, option] : {std::pair{fp16, "--precision"}, std::pair{empty_batch, "--batch"}}) {
    try {
      encode_images(options, {"a.jpg"}, ignore);
      ADD_FAILURE() << option << " was accepted";
    } catch (const ArgumentError& e) {
      EXPECT_NE(std::string(e.what()).find(option), std::string::npos) << e.what();
    }
    EXPECT_THROW(encode_texts(options, {"a text"}, ignore), ArgumentError) << option;
  }
}

}  // namespace
}  // namespace sfar::recipes

#include <gtest/gtest.h>

#include "sfar/core/error.h"
#include "sfar/io/rgb_frame.h"

namespace sfar::io {
namespace {

// A 3x2 frame whose pixel (y, x) is {10 * y + x, 0, 255}.
RgbFrame numbered() {
  RgbFrame f{3, 2, {}};
  for (int y = 0; y < 2; ++y) {
    for (int x = 0; x < 3; ++x) f.data.insert(f.data.end(), {std::uint8_t(10 * y + x), 0, 255});
  }
  return f;
}

std::vector<int> red(const RgbFrame& f) {
  std::vector<int> out;
  for (std::size_t i = 0; i < f.data.size(); i += 3) out.push_back(f.data[i]);
  return out;
}

TEST(RgbFrame, RotatesClockwiseByQuarterTurns) {
  const RgbFrame f = numbered();  // rows {0 1 2}, {10 11 12}
  const RgbFrame cw = rotate_clockwise(f, 1);
  EXPECT_EQ(cw.width, 2);
  EXPECT_EQ(cw.height, 3);
  EXPECT_EQ(red(cw), (std::vector<int>{10, 0, 11, 1, 12, 2}));
  EXPECT_EQ(red(rotate_clockwise(f, 2)), (std::vector<int>{12, 11, 10, 2, 1, 0}));
  const RgbFrame ccw = rotate_clockwise(f, -1);
  EXPECT_EQ(ccw.width, 2);
  EXPECT_EQ(red(ccw), (std::vector<int>{2, 12, 1, 11, 0, 10}));
  EXPECT_EQ(rotate_clockwise(f, 3).data, ccw.data);
  EXPECT_EQ(rotate_clockwise(f, 4).data, f.data);
  EXPECT_EQ(rotate_clockwise(rotate_clockwise(f, 1), 1).data, rotate_clockwise(f, 2).data);
}

TEST(RgbFrame, RotateRefusesABufferOfTheWrongSize) {
  RgbFrame f = numbered();
  f.data.pop_back();
  EXPECT_THROW(rotate_clockwise(f, 1), ArgumentError);
}

}  // namespace
}  // namespace sfar::io

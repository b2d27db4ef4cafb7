// Only this file draws (OpenCV). A clip is planned first (per-frame actor state from the
// action segments), then the actor's start and size are fitted so that it stays inside the
// frame for the whole clip, then frames are drawn: background, distractors, actor, noise.
#include "sfar/synth/clip_renderer.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

#include "sfar/core/error.h"
#include "sfar/synth/random.h"

namespace sfar::synth {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr int kTrail = 6;  // earlier states drawn as a fading trail behind the actor

struct NamedColour {
  const char* name;
  cv::Vec3d rgb;
};
const std::vector<NamedColour> kColours = {
    {"red", {225, 45, 40}},   {"green", {45, 200, 70}},   {"blue", {50, 95, 235}},
    {"yellow", {240, 215, 45}}, {"orange", {245, 140, 30}}, {"purple", {155, 65, 210}},
    {"cyan", {45, 210, 215}},  {"magenta", {225, 65, 185}}};
const std::vector<std::string> kShapes = {"circle", "square", "triangle", "diamond", "hexagon"};

// Actor state in one frame: centre, radius factor, angle (radians, clockwise on screen),
// opacity and flash.
struct State {
  double x = 0, y = 0, scale = 1, angle = 0, alpha = 1;
  bool flash = false;
};

// Frames per segment: a momentary action gets 4 (or the whole clip), the others share the rest.
std::vector<int> segment_lengths(const std::vector<AtomicAction>& actions, int frames, Rng& rng) {
  const int n = static_cast<int>(actions.size());
  std::vector<int> lengths(actions.size(), 0);
  if (n == 1) return {frames};
  int momentary = 0;
  for (std::size_t i = 0; i < actions.size(); ++i) {
    if (atomic_action_info(actions[i]).momentary) lengths[i] = 4, ++momentary;
  }
  const int rest = frames - 4 * momentary;
  const int others = n - momentary;
  if (others == 0) {
    lengths.back() += frames - 4 * n;
    return lengths;
  }
  std::vector<int> share(static_cast<std::size_t>(others), rest / others);
  for (int i = 0; i < rest % others; ++i) ++share[static_cast<std::size_t>(i)];
  if (others > 1 && rng.chance(0.7)) {  // jitter the boundary by one or two frames
    const int from = rng.uniform_int(0, others - 1), to = (from + 1) % others;
    const int by = std::min(rng.uniform_int(1, 2), share[static_cast<std::size_t>(from)] - 3);
    share[static_cast<std::size_t>(from)] -= std::max(by, 0);
    share[static_cast<std::size_t>(to)] += std::max(by, 0);
  }
  for (std::size_t i = 0, k = 0; i < actions.size(); ++i) {
    if (lengths[i] == 0) lengths[i] = share[k++];
  }
  return lengths;
}

// Per-frame states relative to a start at (0, 0) with scale 1.
std::vector<State> plan_states(const ClipSpec& spec, const std::vector<int>& lengths, double unit, Rng& rng,
                               std::vector<int>& flash_frames) {
  std::vector<State> states;
  State s;
  if (spec.actions.front() == AtomicAction::appear) s.alpha = 0;
  for (std::size_t k = 0; k < spec.actions.size(); ++k) {
    const int len = lengths[k];
    const State from = s;
    double dx = 0, dy = 0, dangle = 0, factor = 1;
    int flash_at = -1, flash_len = 0, fade_at = -1;
    switch (spec.actions[k]) {
      case AtomicAction::move_left: dx = -rng.uniform(22, 28) * unit; break;
      case AtomicAction::move_right: dx = rng.uniform(22, 28) * unit; break;
      case AtomicAction::move_up: dy = -rng.uniform(22, 28) * unit; break;
      case AtomicAction::move_down: dy = rng.uniform(22, 28) * unit; break;
      case AtomicAction::rotate_clockwise: dangle = rng.uniform(100, 150) * kPi / 180; break;
      case AtomicAction::rotate_anticlockwise: dangle = -rng.uniform(100, 150) * kPi / 180; break;
      case AtomicAction::grow: factor = rng.uniform(1.6, 1.9); break;
      case AtomicAction::shrink: factor = 1 / rng.uniform(1.6, 1.9); break;
      case AtomicAction::flash:
        flash_at = len >= 8 ? rng.uniform_int(len / 4, (3 * len) / 4 - 1) : rng.uniform_int(1, std::max(1, len - 3));
        flash_len = rng.uniform_int(1, 2);
        break;
      case AtomicAction::appear:
      case AtomicAction::disappear: fade_at = len >= 8 ? rng.uniform_int(len / 4, len / 2) : rng.uniform_int(0, 1); break;
      case AtomicAction::stay_still: break;
    }
    for (int f = 0; f < len; ++f) {
      const double t = static_cast<double>(f + 1) / len;
      s.x = from.x + dx * t;
      s.y = from.y + dy * t;
      s.angle = from.angle + dangle * t;
      s.scale = from.scale * std::pow(factor, t);
      s.flash = flash_at >= 0 && f >= flash_at && f < flash_at + flash_len;
      if (s.flash) flash_frames.push_back(static_cast<int>(states.size()));
      if (spec.actions[k] == AtomicAction::appear) s.alpha = f < fade_at ? 0 : f == fade_at ? 0.5 : 1;
      if (spec.actions[k] == AtomicAction::disappear) s.alpha = f < fade_at ? 1 : f == fade_at ? 0.5 : 0;
      states.push_back(s);
    }
  }
  return states;
}

cv::Scalar scalar(const cv::Vec3d& c) { return cv::Scalar(c[0], c[1], c[2]); }

// A low-saturation textured background: stripes and blobs near a base colour, blurred.
// Without clutter, the base colour alone.
cv::Mat draw_background(int width, int height, bool clutter, Rng& rng) {
  const double grey = rng.uniform(60, 130);
  cv::Vec3d base(grey + rng.normal(10), grey + rng.normal(10), grey + rng.normal(10));
  cv::Mat bg(height, width, CV_8UC3, scalar(base));
  if (!clutter) return bg;
  const int strokes = rng.uniform_int(8, 14);
  for (int i = 0; i < strokes; ++i) {
    const double shade = rng.uniform(-20, 20);
    const cv::Scalar c = scalar(base + cv::Vec3d(shade, shade, shade) + cv::Vec3d(rng.normal(6), rng.normal(6), rng.normal(6)));
    const cv::Point a(rng.uniform_int(-8, width + 8), rng.uniform_int(-8, height + 8));
    if (rng.chance(0.5)) {
      const cv::Point b(rng.uniform_int(-8, width + 8), rng.uniform_int(-8, height + 8));
      cv::line(bg, a, b, c, rng.uniform_int(2, 6), cv::LINE_AA);
    } else {
      cv::circle(bg, a, rng.uniform_int(4, width / 4), c, cv::FILLED, cv::LINE_AA);
    }
  }
  cv::GaussianBlur(bg, bg, cv::Size(5, 5), 1.2);
  return bg;
}

// Outline of a shape of radius r at (x, y) turned by `angle`, in 1/16 pixel units.
std::vector<cv::Point> outline(const std::string& shape, double x, double y, double r, double angle) {
  int sides = 0;
  double offset = 0;
  if (shape == "square") sides = 4, offset = kPi / 4;
  if (shape == "diamond") sides = 4;
  if (shape == "triangle") sides = 3, offset = -kPi / 2;
  if (shape == "hexagon") sides = 6;
  if (shape == "circle") sides = 32;
  std::vector<cv::Point> points;
  for (int i = 0; i < sides; ++i) {
    const double a = angle + offset + 2 * kPi * i / sides;
    const double rr = shape == "diamond" && i % 2 ? r * 0.65 : r;
    points.emplace_back(cv::saturate_cast<int>((x + rr * std::cos(a)) * 16),
                        cv::saturate_cast<int>((y + rr * std::sin(a)) * 16));
  }
  return points;
}

struct Actor {
  std::string shape;
  cv::Vec3d colour;
  double radius = 8;
  double x0 = 0, y0 = 0;
};

void draw_actor(cv::Mat& frame, const Actor& actor, const State& s) {
  if (s.alpha <= 0) return;
  cv::Mat layer = frame.clone();
  const double x = actor.x0 + s.x, y = actor.y0 + s.y, r = actor.radius * s.scale;
  const cv::Vec3d body = s.flash ? cv::Vec3d(255, 255, 250) : actor.colour;
  if (s.flash) cv::circle(layer, cv::Point2i(int(x * 16), int(y * 16)), int((r + 4) * 16), cv::Scalar(255, 255, 210), cv::FILLED, cv::LINE_AA, 4);
  cv::fillConvexPoly(layer, outline(actor.shape, x, y, r, s.angle), scalar(body), cv::LINE_AA, 4);
  // A dark marker off the centre makes rotation visible on every shape, the circle included.
  const double mx = x + 0.55 * r * std::cos(s.angle - kPi / 2), my = y + 0.55 * r * std::sin(s.angle - kPi / 2);
  cv::circle(layer, cv::Point2i(int(mx * 16), int(my * 16)), int(std::max(1.5, 0.28 * r) * 16),
             cv::Scalar(20, 20, 20), cv::FILLED, cv::LINE_AA, 4);
  cv::addWeighted(layer, s.alpha, frame, 1 - s.alpha, 0, frame);
}

// What the body of the current state hides of an earlier one: where its marker was (a turn)
// and its outline (a change of size), drawn over the actor with the ghost's opacity, so that
// turning and growing show in one frame as moving does through the trail.
void draw_ghost_cues(cv::Mat& frame, const Actor& actor, const State& ghost, const State& now) {
  if (ghost.alpha <= 0 || now.alpha <= 0) return;
  const bool turned = std::abs(ghost.angle - now.angle) > 0.05;
  const bool resized = std::abs(ghost.scale - now.scale) > 0.03;
  if (!turned && !resized) return;
  cv::Mat layer = frame.clone();
  const double x = actor.x0 + ghost.x, y = actor.y0 + ghost.y, r = actor.radius * ghost.scale;
  if (turned) {
    const double mx = x + 0.55 * r * std::cos(ghost.angle - kPi / 2), my = y + 0.55 * r * std::sin(ghost.angle - kPi / 2);
    cv::circle(layer, cv::Point2i(int(mx * 16), int(my * 16)), int(std::max(1.0, 0.2 * r) * 16),
               cv::Scalar(20, 20, 20), cv::FILLED, cv::LINE_AA, 4);
  }
  if (resized) {
    const std::vector<std::vector<cv::Point>> contour = {outline(actor.shape, x, y, r, ghost.angle)};
    cv::polylines(layer, contour, true, cv::Scalar(245, 245, 245), 1, cv::LINE_AA, 4);
  }
  cv::addWeighted(layer, ghost.alpha, frame, 1 - ghost.alpha, 0, frame);
}

// Fits the start and the radius so that the actor stays inside the frame in every state.
void fit_actor(Actor& actor, const std::vector<State>& states, int width, int height, double unit, Rng& rng) {
  double lo_s = 1, hi_s = 1, lo_x = 0, hi_x = 0, lo_y = 0, hi_y = 0;
  for (const State& s : states) {
    lo_s = std::min(lo_s, s.scale), hi_s = std::max(hi_s, s.scale);
    lo_x = std::min(lo_x, s.x), hi_x = std::max(hi_x, s.x), lo_y = std::min(lo_y, s.y), hi_y = std::max(hi_y, s.y);
  }
  const double r_lo = std::max(6.0 * unit, 3.5 * unit / lo_s), r_hi = std::min(11.0 * unit, 15.0 * unit / hi_s);
  actor.radius = r_lo <= r_hi ? rng.uniform(r_lo, r_hi) : r_hi;
  const double margin = actor.radius * hi_s + 1;
  auto place = [&](double lo, double hi, int size) {
    const double a = margin - lo, b = size - margin - hi;
    return a <= b ? rng.uniform(a, b) : (a + b) / 2;
  };
  actor.x0 = place(lo_x, hi_x, width);
  actor.y0 = place(lo_y, hi_y, height);
}

}  // namespace

RenderedClip render_clip(const ClipSpec& spec) {
  check_action_sequence(spec.actions, "clip " + sequence_ids(spec.actions));
  if (spec.width < 32 || spec.height < 32 || spec.width % 2 || spec.height % 2) {
    throw ArgumentError("clip " + sequence_ids(spec.actions), "frame size must be even and at least 32x32",
                        std::to_string(spec.width) + "x" + std::to_string(spec.height));
  }
  if (spec.frames < 4 * static_cast<int>(spec.actions.size()) || spec.frames < 8) {
    throw ArgumentError("clip " + sequence_ids(spec.actions), "too few frames for the actions (4 per action, 8 at least)",
                        std::to_string(spec.frames));
  }
  Rng rng(spec.seed);
  const double unit = std::min(spec.width, spec.height) / 64.0;
  RenderedClip clip;
  const std::vector<int> lengths = segment_lengths(spec.actions, spec.frames, rng);
  for (int i = 0, start = 0; i < static_cast<int>(lengths.size()); start += lengths[static_cast<std::size_t>(i++)]) {
    clip.segment_starts.push_back(start);
  }
  const std::vector<State> states = plan_states(spec, lengths, unit, rng, clip.flash_frames);

  Actor actor;
  actor.shape = rng.pick(kShapes);
  const NamedColour& colour = rng.pick(kColours);
  actor.colour = colour.rgb + cv::Vec3d(rng.normal(10), rng.normal(10), rng.normal(10));
  fit_actor(actor, states, spec.width, spec.height, unit, rng);
  clip.actor = {actor.shape, colour.name, actor.radius < 7.5 * unit ? "small" : actor.radius > 9.5 * unit ? "large" : ""};

  const cv::Mat background = draw_background(spec.width, spec.height, spec.clutter, rng);
  struct Distractor { Actor look; double angle; };
  std::vector<Distractor> distractors(spec.clutter ? static_cast<std::size_t>(rng.uniform_int(2, 3)) : 0);
  for (auto& d : distractors) {
    d.look.shape = rng.pick(kShapes);
    const double mute = rng.uniform(0.35, 0.6);
    d.look.colour = rng.pick(kColours).rgb * mute + cv::Vec3d(90, 90, 90) * (1 - mute);
    d.look.radius = rng.uniform(2.5, 4.5) * unit;
    d.look.x0 = rng.uniform(4, spec.width - 4);
    d.look.y0 = rng.uniform(4, spec.height - 4);
    d.angle = rng.uniform(0, 2 * kPi);
  }
  for (int f = 0; f < spec.frames; ++f) {
    cv::Mat frame = background.clone();
    for (auto& d : distractors) {  // distractors tremble a little, at random
      d.look.x0 += rng.normal(0.3 * unit);
      d.look.y0 += rng.normal(0.3 * unit);
      cv::fillConvexPoly(frame, outline(d.look.shape, d.look.x0, d.look.y0, d.look.radius, d.angle), scalar(d.look.colour),
                         cv::LINE_AA, 4);
    }
    // A fading trail of the last kTrail states shows, in a single frame, which way the actor
    // moves, turns, grows or fades (as motion blur does in real footage): frame-level models
    // need it. The ghosts go under the actor; what its body hides of them goes over it.
    for (int k = std::min(f, kTrail); k >= 1; --k) {
      State ghost = states[static_cast<std::size_t>(f - k)];
      ghost.flash = false;
      ghost.alpha *= 0.85 * (kTrail + 1 - k) / (kTrail + 1);
      draw_actor(frame, actor, ghost);
    }
    draw_actor(frame, actor, states[static_cast<std::size_t>(f)]);
    for (int k = std::min(f, kTrail); k >= 1; --k) {
      State ghost = states[static_cast<std::size_t>(f - k)];
      ghost.alpha *= 0.85 * (kTrail + 1 - k) / (kTrail + 1);
      draw_ghost_cues(frame, actor, ghost, states[static_cast<std::size_t>(f)]);
    }
    io::RgbFrame out{spec.width, spec.height, std::vector<std::uint8_t>(static_cast<std::size_t>(spec.width) * spec.height * 3)};
    const std::uint8_t* src = frame.ptr<std::uint8_t>(0);
    for (std::size_t i = 0; i < out.data.size(); ++i) {
      out.data[i] = cv::saturate_cast<std::uint8_t>(src[i] + (spec.noise > 0 ? rng.normal(spec.noise) : 0.0));
    }
    clip.frames.push_back(std::move(out));
  }
  return clip;
}

}  // namespace sfar::synth

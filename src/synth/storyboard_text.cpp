#include "sfar/synth/storyboard_text.h"

#include <algorithm>

namespace sfar::synth {
namespace {

struct Phrase {
  const char* present;  // "slides toward the left edge"
  const char* ing;      // "sliding toward the left edge"
};

// Four wordings per action, in enum order.
const std::vector<std::vector<Phrase>>& phrases() {
  static const std::vector<std::vector<Phrase>> table = {
      {{"moves to the left", "moving to the left"},
       {"slides toward the left edge", "sliding toward the left edge"},
       {"travels leftward across the frame", "travelling leftward across the frame"},
       {"shifts over to the left side", "shifting over to the left side"}},
      {{"moves to the right", "moving to the right"},
       {"slides toward the right edge", "sliding toward the right edge"},
       {"travels rightward across the frame", "travelling rightward across the frame"},
       {"shifts over to the right side", "shifting over to the right side"}},
      {{"moves up", "moving up"},
       {"rises toward the top edge", "rising toward the top edge"},
       {"climbs upward through the frame", "climbing upward through the frame"},
       {"drifts up to the top of the picture", "drifting up to the top of the picture"}},
      {{"moves down", "moving down"},
       {"sinks toward the bottom edge", "sinking toward the bottom edge"},
       {"drops downward through the frame", "dropping downward through the frame"},
       {"descends to the bottom of the picture", "descending to the bottom of the picture"}},
      {{"rotates clockwise", "rotating clockwise"},
       {"turns around clockwise", "turning around clockwise"},
       {"spins in the clockwise direction", "spinning in the clockwise direction"},
       {"twists to the right like a clock hand", "twisting to the right like a clock hand"}},
      {{"rotates anticlockwise", "rotating anticlockwise"},
       {"turns around counterclockwise", "turning around counterclockwise"},
       {"spins in the anticlockwise direction", "spinning in the anticlockwise direction"},
       {"twists to the left against the clock", "twisting to the left against the clock"}},
      {{"grows larger", "growing larger"},
       {"expands in size", "expanding in size"},
       {"swells to a bigger size", "swelling to a bigger size"},
       {"gets bigger and bigger", "getting bigger and bigger"}},
      {{"shrinks", "shrinking"},
       {"gets smaller", "getting smaller"},
       {"contracts to a smaller size", "contracting to a smaller size"},
       {"dwindles in size", "dwindling in size"}},
      {{"flashes brightly for an instant", "flashing brightly for an instant"},
       {"blinks white for a split second", "blinking white for a split second"},
       {"lights up in one brief flash", "lighting up in one brief flash"},
       {"gives a quick bright flash", "giving a quick bright flash"}},
      {{"stays perfectly still", "staying perfectly still"},
       {"holds its position without moving", "holding its position without moving"},
       {"rests motionless in place", "resting motionless in place"},
       {"does not move at all", "not moving at all"}},
      {{"appears out of nowhere", "appearing out of nowhere"},
       {"fades into view", "fading into view"},
       {"pops into the scene", "popping into the scene"},
       {"becomes visible", "becoming visible"}},
      {{"disappears from view", "disappearing from view"},
       {"fades away", "fading away"},
       {"vanishes from the scene", "vanishing from the scene"},
       {"becomes invisible", "becoming invisible"}},
  };
  return table;
}

const Phrase& pick_phrase(AtomicAction action, Rng& rng) {
  return rng.pick(phrases()[static_cast<std::size_t>(action)]);
}

const std::vector<std::string> kSubjects = {"the shape", "the figure", "the object", "the actor"};

// Where in a clip of `total` actions the action at `position` happens.
enum class Place { first, middle, last };
Place place_of(std::size_t position, std::size_t total) {
  if (position == 0) return Place::first;
  return position + 1 == total ? Place::last : Place::middle;
}

std::string capitalised(std::string text) {
  if (!text.empty() && text[0] >= 'a' && text[0] <= 'z') text[0] = static_cast<char>(text[0] - 'a' + 'A');
  return text;
}

}  // namespace

std::vector<std::string> storyboard_sentences(const std::vector<AtomicAction>& sequence, StoryboardStyle style,
                                              Rng& rng) {
  static const std::vector<std::string> openers[3] = {
      {"First,", "At the start,", "To begin,", "In the opening frames,"},
      {"Next,", "Then,", "After that,", "In the middle of the clip,"},
      {"Finally,", "In the end,", "Last of all,", "In the closing frames,"}};
  static const std::vector<std::string> closers[3] = {
      {"at the start", "in the opening frames", "at the beginning of the clip"},
      {"in the middle", "after that", "in the middle of the clip"},
      {"at the end", "in the closing frames", "to finish the clip"}};
  std::vector<std::string> sentences;
  for (std::size_t i = 0; i < sequence.size(); ++i) {
    const auto place = static_cast<std::size_t>(place_of(i, sequence.size()));
    const Phrase& phrase = pick_phrase(sequence[i], rng);
    const std::string& subject = rng.pick(kSubjects);
    if (style == StoryboardStyle::narrative) {
      sentences.push_back(rng.pick(openers[place]) + " " + subject + " " + phrase.present + ".");
    } else {
      sentences.push_back("This action is " + subject + " " + phrase.ing + " " + rng.pick(closers[place]) + ".");
    }
  }
  return sentences;
}

std::vector<std::string> off_topic_sentences(std::size_t count, Rng& rng) {
  std::vector<std::string> pool = {
      "A cup of coffee cools slowly on a wooden kitchen table.",
      "The weather forecast promises light rain over the hills tomorrow.",
      "A violinist tunes her instrument before the evening concert.",
      "Stock prices closed slightly higher after a quiet trading day.",
      "The recipe calls for two eggs, flour and a pinch of salt.",
      "A librarian sorts returned books onto the correct shelves.",
      "Migrating geese fly south in a long uneven line.",
      "The museum opens an exhibition of medieval maps next week.",
      "A gardener waters the tomato plants early in the morning.",
      "The train to the coast leaves from platform four.",
  };
  rng.shuffle(pool);
  pool.resize(std::min(count, pool.size()));
  return pool;
}

std::vector<std::string> repetitive_sentences(const std::string& class_name, std::size_t count) {
  const std::vector<std::string> forms = {
      "This action is a shape " + class_name + ".",
      "This action is the shape " + class_name + ".",
      "This action is a shape that is " + class_name + ".",
      "This action is simply a shape " + class_name + ".",
  };
  std::vector<std::string> sentences;
  for (std::size_t i = 0; i < count; ++i) sentences.push_back(forms[i % forms.size()]);
  return sentences;
}

std::vector<std::string> action_captions(const std::vector<AtomicAction>& actions, const ActorWords& actor, Rng& rng) {
  std::string subject;
  switch (rng.uniform_int(0, 3)) {
    case 0: subject = "the shape"; break;
    case 1: subject = actor.shape.empty() ? "the shape" : "a " + actor.shape; break;
    case 2: subject = "a " + (actor.colour.empty() ? "" : actor.colour + " ") + (actor.shape.empty() ? "shape" : actor.shape); break;
    default:
      subject = "a " + (actor.size.empty() ? "" : actor.size + " ") + (actor.colour.empty() ? "" : actor.colour + " ") +
                (actor.shape.empty() ? "shape" : actor.shape);
  }
  auto joined = [&](bool ing) {
    std::string text;
    for (const AtomicAction a : actions) {
      const Phrase& phrase = pick_phrase(a, rng);
      text += (text.empty() ? "" : ", then ") + std::string(ing ? phrase.ing : phrase.present);
    }
    return text;
  };
  std::vector<std::string> captions;
  captions.push_back(capitalised(subject + " " + joined(false) + "."));
  const std::string shot_subject = rng.chance(0.5) ? rng.pick(kSubjects) : subject;
  const std::string shot_opening = rng.chance(0.75) ? "This action is " : "A video of ";
  captions.push_back(shot_opening + shot_subject + " " + joined(true) + ".");
  captions.push_back("a video of a shape " + sequence_name(actions) + ".");
  return captions;
}

}  // namespace sfar::synth

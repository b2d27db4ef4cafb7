// Every enumeration of the run config is read through its keyed table (#31): each name, set on
// the command line, reads as its own enumerator and is written back by its own name. A table
// with a repeated name or enumerator, or one read by position, fails here.
#include <gtest/gtest.h>

#include <set>

#include "sfar/core/config_archive.h"
#include "sfar/recipes/sfar_run_config.h"

namespace sfar::recipes {
namespace {

// For each row of `table`: `key=<name>` through the config loader gives `field(config)` ==
// the row's enumerator, and resolved.yaml's writer gives the name back.
template <class Entry, class Field>
void expect_keyed(const std::string& key, const std::vector<Entry>& table, Field field) {
  std::set<std::string> names;
  std::set<int> values;
  for (const auto& entry : table) {
    const std::string name = entry.name;
    EXPECT_TRUE(names.insert(name).second) << key << ": name " << name << " twice";
    EXPECT_TRUE(values.insert(static_cast<int>(entry.value)).second) << key << ": enumerator of " << name << " twice";
    // A description cache is named (never read while loading) for the heads that need one.
    const SfarRunConfig config = load_sfar_run_config({}, {"descriptions.cache=descriptions.json", key + "=" + name});
    EXPECT_EQ(field(config), entry.value) << key << "=" << name;
    EXPECT_EQ(std::string(cfg::enum_name(field(config), table)), name) << key;
  }
}

TEST(EnumTables, EveryRunConfigEnumerationReadsByKey) {
  expect_keyed("head.type", method::head_types(), [](const SfarRunConfig& c) { return c.head.type; });
  expect_keyed("head.fusion", method::head_fusion_names(), [](const SfarRunConfig& c) { return c.head.fusion; });
  expect_keyed("loss.type", loss_type_names(), [](const SfarRunConfig& c) { return c.loss.type; });
  expect_keyed("loss.scope", loss_scope_names(), [](const SfarRunConfig& c) { return c.loss.scope; });
  expect_keyed("protocol.report", report_epoch_names(), [](const SfarRunConfig& c) { return c.protocol.report; });
  expect_keyed("data.sampler", data::frame_samplers(), [](const SfarRunConfig& c) { return c.data.sampler; });
  expect_keyed("data.format", data::video_list_formats(), [](const SfarRunConfig& c) { return c.data.format; });
  expect_keyed("model.attention", attention_kernel_names(), [](const SfarRunConfig& c) { return c.model.attention; });
  expect_keyed("model.activation", activation_setting_names(),
               [](const SfarRunConfig& c) { return c.model.activation; });
  expect_keyed("text.tokenizer", tokenizer_kind_names(), [](const SfarRunConfig& c) { return c.text.tokenizer; });
  expect_keyed("descriptions.selection", describe::subtext_choice_names(),
               [](const SfarRunConfig& c) { return c.descriptions.selection; });
  expect_keyed("run.dist_backend", dist_backend_names(), [](const SfarRunConfig& c) { return c.run.dist_backend; });
}

TEST(EnumTables, TransformTypesReadByKey) {
  for (const auto& entry : data::clip_transforms()) {
    ConfigNode node = ConfigNode::map();
    node.set("type", ConfigNode::scalar(entry.name));
    if (entry.reads_size) node.set("size", ConfigNode::scalar("8"));
    EXPECT_EQ(read_config<data::TransformSpec>(&node, "data.train_pipeline[0]").type, entry.value) << entry.name;
  }
}

}  // namespace
}  // namespace sfar::recipes

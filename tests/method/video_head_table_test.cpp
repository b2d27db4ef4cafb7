// The head table (head_types()) is the one description of each head.type: the modules the model
// builds and the parts `sfar info --flops` counts must both follow it, for every type with and
// without head.temporal, both fusions and pooled_ffn. Before #31 they were separate if-chains
// that disagreed: mean with head.temporal ran the temporal transformer but its cost left it out.
#include <gtest/gtest.h>

#include <set>

#include "sfar/core/name_table.h"
#include "sfar/method/model_cost.h"
#include "sfar/method/video_head.h"
#include "sfar/models/clip_config.h"

namespace sfar::method {
namespace {

bool counts(const ModelCost& cost, const std::string& part) {
  for (const auto& p : cost.per_view) {
    if (p.name == part) return p.macs > 0;
  }
  return false;
}

TEST(HeadTable, EveryTypeHasOneRowAndOneName) {
  std::set<std::string> names;
  for (const auto& entry : head_types()) {
    EXPECT_TRUE(names.insert(entry.name).second) << entry.name;
    EXPECT_EQ(&entry_of(head_types(), entry.value), &entry) << entry.name;  // one row per enumerator
    EXPECT_EQ(to_string(entry.value), entry.name);
    EXPECT_EQ(uses_subtexts(entry.value), entry.coarse || entry.fine) << entry.name;
  }
  for (const HeadType type : {HeadType::kMean, HeadType::kTemporal, HeadType::kCoarse, HeadType::kFine, HeadType::kSfar}) {
    EXPECT_NO_THROW(entry_of(head_types(), type));
  }
  EXPECT_THROW(find_entry(head_types(), "average", "head type", "head.type"), ArgumentError);
}

TEST(HeadTable, TheModelAndItsCostBuildTheSameParts) {
  const auto clip = models::clip_preset("ViT-B/16");
  for (const auto& entry : head_types()) {
    for (const bool temporal : {false, true}) {
      for (const HeadFusion fusion : {HeadFusion::kSum, HeadFusion::kConcat}) {
        for (const bool pooled_ffn : {false, true}) {
          HeadOptions options;
          options.type = entry.value;
          options.temporal = temporal;
          options.temporal_layers = 1;
          options.fusion = fusion;
          options.pooled_ffn = pooled_ffn;
          const std::string what = entry.name + (temporal ? " temporal" : "") +
                                   (fusion == HeadFusion::kConcat ? " concat" : " sum") + (pooled_ffn ? " pooled" : "");
          VideoHead head(options, 64);
          const auto cost = sfar_view_cost(clip, options, ViewShape{});
          EXPECT_EQ(static_cast<bool>(head->temporal), counts(cost, "temporal transformer")) << what;
          EXPECT_EQ(static_cast<bool>(head->coarse), counts(cost, "head: coarse branch + FFN")) << what;
          EXPECT_EQ(static_cast<bool>(head->ffn_fine), counts(cost, "head: fine branch + FFN")) << what;
          EXPECT_EQ(static_cast<bool>(head->fuse), counts(cost, "head: concat fusion")) << what;
          EXPECT_EQ(static_cast<bool>(head->temporal), temporal || entry.temporal) << what;
          EXPECT_EQ(static_cast<bool>(head->coarse), entry.coarse) << what;
          EXPECT_EQ(static_cast<bool>(head->ffn_fine), entry.fine) << what;
        }
      }
    }
  }
}

}  // namespace
}  // namespace sfar::method

#include "matcher/learning.h"

#include <functional>
#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "matcher/context.h"
#include "matcher/partners.h"
#include "matcher/test_util.h"

namespace maillage::matcher {
namespace {

using ::maillage::matcher::testing::Geography;
using ::maillage::matcher::testing::RandomProfile;
using ::maillage::matcher::testing::TestVocabulary;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// Random actors; outcomes drawn from a hidden preference: each asker formed
// a partnership with the best partner under `truth` (and turned down the
// second best under the defaults when it is not also the truth's best).
// What LearningTest::LearnWithCallback learned: with the callback between
// the fits' steps, without it, and how often the callback ran.
struct WithCallback {
  LearnedWeights called;
  LearnedWeights plain;
  int calls = 0;
};

class LearningTest : public ::testing::Test {
 protected:
  LearningTest()
      : geo_(Geography::Make(2, 3, 3, 6)), context_(TestVocabulary()) {
    index_.SetCommunePlaces(geo_.communes);
    std::mt19937 rng(9);
    for (int i = 0; i < 1500; ++i) {
      ActorProfile p = RandomProfile(rng, geo_, "actor:" + std::to_string(i));
      p.available = true;
      p.capacity = 3;
      index_.Upsert(p);
    }
  }

  std::vector<AskerOutcomes> Outcomes(const Weights& truth, size_t askers) {
    std::vector<AskerOutcomes> out;
    for (ActorNum a = 0; a < index_.num_limit() && out.size() < askers; ++a) {
      PartnerOptions options;
      options.limit = 2;
      options.weights = truth;
      auto best = SuggestPartners(index_, context_, a, options);
      options.weights = Weights{};
      auto usual = SuggestPartners(index_, context_, a, options);
      if (!best.ok() || best->empty() || !usual.ok()) continue;
      AskerOutcomes o;
      o.actor = a;
      o.key = a;
      o.positives.push_back({(*best)[0].partner, 1});
      for (const Suggestion& s : *usual) {
        if (s.partner != (*best)[0].partner) {
          o.negatives.push_back({s.partner, 1});
          break;
        }
      }
      out.push_back(o);
    }
    return out;
  }

  // `between_steps`: what the fits call after each step.
  LearnedWeights Learn(const std::vector<AskerOutcomes>& outcomes,
                       const LearningOptions& options = {},
                       const std::function<bool()>& between_steps = {}) {
    WeightLearner learner(Weights{}, options);
    for (const AskerOutcomes& o : outcomes) {
      learner.Add(index_, context_, nullptr, o);
    }
    for (int round = 0; round < learner.rounds(); ++round) {
      if (between_steps) {
        learner.Fit(between_steps);
      } else {
        learner.Fit();
      }
      for (const AskerOutcomes& o : outcomes) {
        learner.AddFittedCandidates(index_, context_, nullptr, o);
      }
    }
    return learner.Finish();
  }

  // Learns a preference for themes and proximity twice, once plainly and
  // once with a callback between the fits' steps that answers `answer`.
  WithCallback LearnWithCallback(bool answer) {
    Weights truth;
    truth.shared_themes = 0.6;
    truth.proximity = 0.99;
    const std::vector<AskerOutcomes> outcomes = Outcomes(truth, 200);
    WithCallback out;
    out.called = Learn(outcomes, LearningOptions{}, [&out, answer] {
      ++out.calls;
      return answer;
    });
    out.plain = Learn(outcomes);
    return out;
  }

  Geography geo_;
  ActorIndex index_;
  MatchContext context_;
};

TEST_F(LearningTest, LearnsAHiddenPreferenceAndAdoptsItAfterTheHeldOutTest) {
  // Animators here go for partners acting on their themes, nearby, rather
  // than for declared exchanges.
  Weights truth;
  truth.complementarity = 0.05;
  truth.shared_themes = 0.6;
  truth.proximity = 0.99;
  const LearnedWeights learned = Learn(Outcomes(truth, 400));
  EXPECT_TRUE(learned.adopted) << learned.reason;
  EXPECT_THAT(learned.reason, StartsWith("adopted: "));
  EXPECT_GT(learned.training_positives, 200u);
  EXPECT_GT(learned.with_defaults.positives, 50u);
  EXPECT_GT(learned.with_fitted.ndcg_at_10, learned.with_defaults.ndcg_at_10);
  EXPECT_GE(learned.with_fitted.recall_at_10,
            learned.with_defaults.recall_at_10);
  // The fit moved toward the preference: themes over exchanges, distance
  // stronger; what is not learned stays.
  const Weights defaults;
  EXPECT_GT(learned.weights.shared_themes / learned.weights.complementarity,
            defaults.shared_themes / defaults.complementarity);
  EXPECT_GT(learned.weights.proximity, defaults.proximity);
  EXPECT_EQ(learned.weights.responsiveness, defaults.responsiveness);
  EXPECT_NEAR(
      learned.weights.capacity /
          (learned.weights.complementarity + learned.weights.shared_themes +
           learned.weights.fragility + learned.weights.cross_kind +
           learned.weights.common_partners),
      defaults.capacity /
          (defaults.complementarity + defaults.shared_themes +
           defaults.fragility + defaults.cross_kind + defaults.common_partners),
      1e-9);
  EXPECT_TRUE(ValidateWeights(learned.weights).ok());

  // Deterministic.
  const LearnedWeights again = Learn(Outcomes(truth, 400));
  EXPECT_EQ(again.weights.shared_themes, learned.weights.shared_themes);
  EXPECT_EQ(again.with_fitted.ndcg_at_10, learned.with_fitted.ndcg_at_10);
}

TEST_F(LearningTest, FitsCallBackBetweenStepsAndLearnTheSame) {
  // Where WeightBook paces a background round's fits: the callback runs
  // after each evaluation of the loss and changes nothing of what is
  // learned.
  const WithCallback paced = LearnWithCallback(true);
  // Each round's fit takes at least a gradient (two evaluations per
  // parameter learned) and a step; at most max_iterations of a gradient of
  // 7 parameters and 30 halvings, and the first evaluation.
  const LearningOptions options;
  EXPECT_GE(paced.calls, options.rounds * 3);
  EXPECT_LE(paced.calls,
            options.rounds * (1 + options.max_iterations * (14 + 30)));
  EXPECT_EQ(paced.called.fitted.shared_themes,
            paced.plain.fitted.shared_themes);
  EXPECT_EQ(paced.called.fitted.proximity, paced.plain.fitted.proximity);
  EXPECT_EQ(paced.called.with_fitted.ndcg_at_10,
            paced.plain.with_fitted.ndcg_at_10);
}

TEST_F(LearningTest, AFitStopsAtTheStepItsCallbackAnswersFalse) {
  // How a round abandoned by a stopping server ends its fits at once.
  const WithCallback stopped = LearnWithCallback(false);
  // One evaluation per fit, and none moved: the defaults.
  EXPECT_EQ(stopped.calls, LearningOptions{}.rounds);
  EXPECT_NEAR(stopped.called.fitted.shared_themes, Weights{}.shared_themes,
              1e-12);
  EXPECT_NE(stopped.called.fitted.shared_themes,
            stopped.plain.fitted.shared_themes);
}

TEST_F(LearningTest, MemoryBytesCountEveryAskersExamples) {
  WeightLearner learner(Weights{}, LearningOptions{});
  const size_t empty = learner.MemoryBytes();
  const std::vector<AskerOutcomes> outcomes = Outcomes(Weights{}, 100);
  ASSERT_EQ(outcomes.size(), 100u);
  for (const AskerOutcomes& o : outcomes) {
    learner.Add(index_, context_, nullptr, o);
  }
  // Each asker holds its candidates (most find the whole pool of 50 here),
  // each with its factors (88 bytes at least).
  const size_t added = learner.MemoryBytes();
  EXPECT_GE(added, empty + 100 * 40 * 88);
  learner.Fit();
  for (const AskerOutcomes& o : outcomes) {
    learner.AddFittedCandidates(index_, context_, nullptr, o);
  }
  EXPECT_GT(learner.MemoryBytes(), added);
}

TEST_F(LearningTest, OutcomesThatTheDefaultsAlreadyRankAreNotAReasonToChange) {
  // The outcomes follow the defaults exactly: whatever the fit finds
  // cannot rank the held-out pairs better, so the defaults stay.
  const LearnedWeights learned = Learn(Outcomes(Weights{}, 400));
  EXPECT_FALSE(learned.adopted) << learned.reason;
  EXPECT_THAT(learned.reason, StartsWith("not adopted"));
  const Weights defaults;
  EXPECT_EQ(learned.weights.shared_themes, defaults.shared_themes);
  EXPECT_EQ(learned.weights.proximity, defaults.proximity);
}

TEST_F(LearningTest, ScarceOutcomesKeepTheDefaults) {
  Weights truth;
  truth.shared_themes = 0.6;
  const LearnedWeights learned = Learn(Outcomes(truth, 12));
  EXPECT_FALSE(learned.adopted);
  EXPECT_THAT(learned.reason, HasSubstr("not enough outcomes"));
  const Weights defaults;
  EXPECT_EQ(learned.weights.shared_themes, defaults.shared_themes);
  EXPECT_EQ(learned.fitted.shared_themes, defaults.shared_themes);
  EXPECT_LE(learned.training_positives + learned.with_defaults.positives, 12u);
}

}  // namespace
}  // namespace maillage::matcher

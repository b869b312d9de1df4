#ifndef MAILLAGE_MATCHER_CONTEXT_H_
#define MAILLAGE_MATCHER_CONTEXT_H_

#include <cstdint>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "matcher/actor_index.h"
#include "matcher/vocabulary.h"
#include "territory/level.h"

namespace maillage::matcher {

// ActorSubtype values the engine reasons about (maillage.v1.ActorSubtype).
inline constexpr uint8_t kSubtypeFoundation = 1;
inline constexpr uint8_t kSubtypeFederation = 2;
inline constexpr uint8_t kSubtypeInsertionStructure = 3;  // SIAE, ESAT
inline constexpr uint8_t kSubtypeSocialEconomyCompany = 4;
inline constexpr uint8_t kSubtypeMutualInsurer = 5;
inline constexpr uint8_t kSubtypeCooperative = 6;
inline constexpr uint8_t kSubtypeLocalAuthority = 7;
inline constexpr uint8_t kSubtypeStateService = 8;
inline constexpr uint8_t kSubtypePublicOperator = 9;
inline constexpr uint8_t kSubtypeUniversity = 10;
inline constexpr uint8_t kSubtypeSchool = 11;
inline constexpr uint8_t kSubtypeResearchLab = 12;

// A documented weakness of a standard territory on a theme.
struct Fragility {
  territory::Level level = territory::Level::kUnspecified;  // not kCustom
  uint32_t territory = territory::kNone;  // dense number at `level`
  uint8_t theme = 0;
  float severity = 0;  // [0, 1]; 1 = the most severe
};

// A partnership between two actors, as the registry knows it.
struct Partnership {
  ActorNum a = 0;
  ActorNum b = 0;
  Category category = Category::kUnspecified;
  bool active = true;  // false: ended (still counts as a shared history)
};

// Cooperation signals (the "similar_success" factor, see partners.h): a
// meeting between two actors rated "cooperation possible", a partnership
// formed from a suggestion, or a partnership the registry knows. They name
// pairs, so a server keeps one set per workspace and hands the engine the
// asking workspace's (PartnerOptions::cooperations); a context has its own
// set for callers that have a single one.
//
// Not thread-safe for writers (as MatchContext). Actor numbers are those of
// the ActorIndex it is used with: call RemoveActor when an actor leaves it.
class CooperationSignals {
 public:
  // Recorded in both directions; recording a known pair again makes it the
  // most recent. Signals of an actor with itself are ignored.
  void Add(ActorNum a, ActorNum b);
  // Forgets every signal of `num` (both directions).
  void RemoveActor(ActorNum num);
  void Clear();
  bool empty() const { return cooperations_.empty(); }
  // The actors `num` had a signal with, the most recent last, or an empty
  // list. The engine reads only the last kUsed.
  static constexpr size_t kUsed = 16;
  const std::vector<ActorNum>& Of(ActorNum num) const;
  // Whether Of(num) is not empty: one bit per actor number, cheap enough to
  // test for every posting entry.
  bool Has(ActorNum num) const {
    return num / 64 < cooperating_.size() &&
           (cooperating_[num / 64] >> (num % 64) & 1);
  }

 private:
  void Link(ActorNum from, ActorNum to);
  void SetCooperating(ActorNum num, bool on);

  absl::flat_hash_map<ActorNum, std::vector<ActorNum>> cooperations_;
  std::vector<uint64_t> cooperating_;  // bit num: num in cooperations_
};

// What the engine needs besides the actors: the vocabulary (for category
// inference and the sentences), the fragilities of territories, the
// partnership registry and the feedback of the suggestion lifecycle
// (responsiveness and cooperation signals).
//
// Not thread-safe for writers: like the ActorIndex, the caller serialises
// writes against reads; concurrent reads are fine. Actor numbers are those
// of the ActorIndex the context is used with: when an actor is removed from
// the index, call RemoveActor so that a reused number inherits nothing.
class MatchContext {
 public:
  // `vocabulary` is not owned and must outlive the context.
  explicit MatchContext(const Vocabulary& vocabulary);

  const Vocabulary& vocabulary() const { return *vocabulary_; }

  // Fragilities on custom zones or with an unknown level are ignored;
  // severities are clamped to [0, 1]. Several fragilities of one territory
  // on one theme keep the most severe.
  void AddFragility(const Fragility& fragility);
  void ClearFragilities();

  // Records a partnership (both directions). Partnerships of an actor with
  // itself are ignored.
  void AddPartnership(const Partnership& partnership);
  // Forgets everything about an actor: its partnerships, responsiveness and
  // cooperation signals (both directions).
  void RemoveActor(ActorNum num);
  void ClearPartnerships();

  // Responsiveness (the "responsiveness" factor, see partners.h): how often
  // an actor contacted through a suggestion answered (a meeting was held)
  // and how often it did not. The counts replace the previous ones; (0, 0)
  // forgets the actor, which is then neutral.
  struct Responsiveness {
    uint16_t answered = 0;
    uint16_t no_answers = 0;
  };
  void SetResponsiveness(ActorNum num, uint16_t answered, uint16_t no_answers);
  void ClearResponsiveness();
  // {0, 0} when unknown.
  Responsiveness ResponsivenessOf(ActorNum num) const;
  bool has_responsiveness() const { return !responsiveness_.empty(); }

  // The context's own cooperation signals (see CooperationSignals), used
  // when a query names no other set.
  void AddCooperationSignal(ActorNum a, ActorNum b) { cooperations_.Add(a, b); }
  void ClearCooperationSignals() { cooperations_.Clear(); }
  static constexpr size_t kCooperationsUsed = CooperationSignals::kUsed;
  const std::vector<ActorNum>& CooperationsOf(ActorNum num) const {
    return cooperations_.Of(num);
  }
  bool has_cooperation_signals() const { return !cooperations_.empty(); }
  bool HasCooperations(ActorNum num) const { return cooperations_.Has(num); }
  const CooperationSignals& cooperations() const { return cooperations_; }

  struct ThemeSeverity {
    uint8_t theme;
    float severity;
  };
  // The fragilities of a standard territory, or an empty list.
  const std::vector<ThemeSeverity>& FragilitiesOf(territory::Level level,
                                                  uint32_t number) const;

  struct PartnerLink {
    ActorNum partner;
    uint8_t categories;         // bit (1 << Category), any state
    uint8_t active_categories;  // bit (1 << Category), active ones
  };
  // The partners of an actor, sorted by number, or an empty list.
  const std::vector<PartnerLink>& PartnersOf(ActorNum num) const;
  bool has_partnerships() const { return !partners_.empty(); }

  // The category and modality of a partnership in which an actor of kind
  // `giver` (with `giver_subtype`) gives `resource` to an actor of kind
  // `receiver`. A company gives as the vocabulary says (mécénat for funding,
  // skills, goods…); an insertion structure or a non-profit giving services,
  // purchasing or hiring to a company makes responsible practices; an
  // academic giving expertise makes societal innovation; the rest is
  // economic cooperation.
  struct Flow {
    Category category;
    Modality modality;
  };
  Flow FlowOf(Kind giver, uint8_t giver_subtype, Kind receiver,
              uint8_t resource) const;
  // Whether a resource is what a partner gives in return for a service or a
  // gift ("purchasing": buying the partner's services; "visibility"): an
  // explanation tells the service or the gift first.
  bool IsCounterpart(uint8_t resource) const {
    return resource < 32 && (counterparts_ >> resource & 1);
  }

 private:
  static uint64_t TerritoryKey(territory::Level level, uint32_t number) {
    return static_cast<uint64_t>(level) << 32 | number;
  }
  void Link(ActorNum from, ActorNum to, Category category, bool active);

  const Vocabulary* vocabulary_;
  absl::flat_hash_map<uint64_t, std::vector<ThemeSeverity>> fragilities_;
  absl::flat_hash_map<ActorNum, std::vector<PartnerLink>> partners_;
  absl::flat_hash_map<ActorNum, Responsiveness> responsiveness_;
  CooperationSignals cooperations_;
  uint32_t counterparts_ = 0;  // bit r: IsCounterpart(r)
  // [giver kind][giver is an insertion structure][receiver kind][resource].
  Flow flows_[kKindCount][2][kKindCount][32];
};

}  // namespace maillage::matcher

#endif  // MAILLAGE_MATCHER_CONTEXT_H_

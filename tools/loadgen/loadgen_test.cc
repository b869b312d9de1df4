// The parts of the load tools that decide a verdict, without a server: the
// journal and its ledger, actor states, the client-side filter meaning.
#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/loadgen/actor_state.h"
#include "tools/loadgen/directory_filters.h"
#include "tools/loadgen/event_check.h"
#include "tools/loadgen/journal.h"
#include "tools/loadgen/latency.h"
#include "tools/loadgen/synthetic_actors.h"

namespace maillage::loadgen {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

JournalEntry Parse(const std::string& line) {
  auto entry = ParseEntry(line);
  EXPECT_TRUE(entry.ok()) << entry.status();
  return entry.ok() ? *entry : JournalEntry();
}

Ledger::Observer From(const std::map<std::string, std::string>& states) {
  return [states](const std::string& key) {
    auto it = states.find(key);
    return it == states.end() ? std::string(kAbsent) : it->second;
  };
}

TEST(JournalTest, LinesRoundTrip) {
  JournalEntry d{
      'D', "s#2", {{"actor/a", "absent", "r1"}, {"actor/b", "x", "y"}}};
  std::string line = FormatEntry(d);
  EXPECT_EQ(line, "D s#2 actor/a absent r1 actor/b x y\n");
  JournalEntry back = Parse(line.substr(0, line.size() - 1));
  ASSERT_THAT(back.changes, SizeIs(2));
  EXPECT_EQ(back.changes[1].before, "x");
  EXPECT_EQ(FormatEntry({'A', "-", {{"sugg/a/s-1", "", "KEPT"}}}),
            "A - sugg/a/s-1 KEPT\n");
  EXPECT_FALSE(ParseEntry("A - actor/a").ok());
  EXPECT_FALSE(ParseEntry("Q - actor/a b").ok());
}

TEST(LedgerTest, AcknowledgedStateMustBeThere) {
  Ledger ledger;
  ASSERT_TRUE(ledger.Apply(Parse("D - actor/a absent v1")).ok());
  ASSERT_TRUE(ledger.Apply(Parse("A - actor/a v1")).ok());
  EXPECT_THAT(ledger.Check(From({{"actor/a", "v1"}})), IsEmpty());
  auto lost = ledger.Check(From({}));
  ASSERT_THAT(lost, SizeIs(1));
  EXPECT_THAT(lost[0].message, HasSubstr("found absent, expected v1"));
}

TEST(LedgerTest, UnansweredWriteMayOrMayNotHaveLanded) {
  Ledger ledger;
  ASSERT_TRUE(ledger.Apply(Parse("A - actor/a v1")).ok());
  ASSERT_TRUE(ledger.Apply(Parse("D - actor/a v1 v2")).ok());
  EXPECT_TRUE(ledger.HasDoubts());
  EXPECT_THAT(ledger.Check(From({{"actor/a", "v1"}})), IsEmpty());
  EXPECT_THAT(ledger.Check(From({{"actor/a", "v2"}})), IsEmpty());
  EXPECT_THAT(ledger.Check(From({{"actor/a", "v3"}})), SizeIs(1));
  EXPECT_EQ(ledger.OutcomeOf("actor/a", "v2"), Outcome::kApplied);
  JournalEntry settled = ledger.Settle(From({{"actor/a", "v2"}}));
  EXPECT_EQ(FormatEntry(settled), "X - actor/a v2\n");
  ASSERT_TRUE(ledger.Apply(settled).ok());
  EXPECT_FALSE(ledger.HasDoubts());
}

TEST(LedgerTest, AWriteFromAnUnknownStateIsAJournalError) {
  Ledger ledger;
  ASSERT_TRUE(ledger.Apply(Parse("A - actor/a v1")).ok());
  EXPECT_FALSE(ledger.Apply(Parse("D - actor/a v0 v2")).ok());
  ASSERT_TRUE(ledger.Apply(Parse("D - actor/a v1 v2")).ok());
  EXPECT_FALSE(ledger.Apply(Parse("D - actor/a v1 v3")).ok());  // in doubt
}

TEST(LedgerTest, RecordAndContactsFromTwoWritesAreNamed) {
  v1::Actor one;
  one.set_id("ext:t:1");
  one.set_name("Un");
  one.add_contacts()->set_name("Ana");
  v1::Actor two = one;
  two.set_name("Deux");
  two.mutable_contacts(0)->set_name("Bea");
  v1::Actor mixed = one;  // record of one, contacts of two
  mixed.mutable_contacts(0)->set_name("Bea");
  EXPECT_EQ(RecordPart(ActorState(mixed)), RecordPart(ActorState(one)));
  EXPECT_EQ(ContactsPart(ActorState(mixed)), ContactsPart(ActorState(two)));
  Ledger ledger;
  ASSERT_TRUE(
      ledger.Apply({'A', "-", {{"actor/x", "", ActorState(one)}}}).ok());
  ASSERT_TRUE(
      ledger.Apply({'D', "-", {{"actor/x", ActorState(one), ActorState(two)}}})
          .ok());
  auto findings = ledger.Check(From({{"actor/x", ActorState(mixed)}}));
  ASSERT_THAT(findings, SizeIs(1));
  EXPECT_THAT(findings[0].message,
              HasSubstr("the record of one write with the contacts of the "
                        "other (half applied)"));
  v1::Actor stale_contacts = two;
  stale_contacts.mutable_contacts(0)->set_name("Cy");
  findings = ledger.Check(From({{"actor/x", ActorState(stale_contacts)}}));
  ASSERT_THAT(findings, SizeIs(1));
  EXPECT_THAT(findings[0].message,
              HasSubstr("the record is right, the contacts are not"));
}

TEST(LedgerTest, BookkeepingIsNotPartOfTheState) {
  v1::Actor a;
  a.set_id("ext:t:1");
  std::string before = ActorState(a);
  a.set_etag("e1");
  a.mutable_update_time()->set_seconds(5);
  EXPECT_EQ(ActorState(a), before);
}

TEST(LedgerTest, AnUnansweredBatchIsAllOrNothing) {
  Ledger ledger;
  ASSERT_TRUE(
      ledger.Apply(Parse("D st#0 actor/a absent a1 actor/b absent b1")).ok());
  EXPECT_THAT(ledger.Check(From({{"actor/a", "a1"}, {"actor/b", "b1"}})),
              IsEmpty());
  EXPECT_THAT(ledger.Check(From({})), IsEmpty());
  auto half = ledger.Check(From({{"actor/a", "a1"}}));
  ASSERT_THAT(half, SizeIs(1));
  EXPECT_EQ(half[0].key, "st#0");
  EXPECT_THAT(half[0].message, HasSubstr("half applied"));
}

TEST(LedgerTest, UnansweredBatchesOfAStreamLandInOrder) {
  Ledger ledger;
  ASSERT_TRUE(ledger.Apply(Parse("D st#0 actor/a absent a1")).ok());
  ASSERT_TRUE(ledger.Apply(Parse("D st#1 actor/b absent b1")).ok());
  ASSERT_TRUE(ledger.Apply(Parse("A - actor/c c0")).ok());
  ASSERT_TRUE(ledger.Apply(Parse("D st#2 actor/c c0 c0")).ok());  // no-op row
  EXPECT_THAT(ledger.Check(From({{"actor/a", "a1"}, {"actor/c", "c0"}})),
              IsEmpty());
  auto out_of_order =
      ledger.Check(From({{"actor/b", "b1"}, {"actor/c", "c0"}}));
  ASSERT_THAT(out_of_order, SizeIs(1));
  EXPECT_THAT(out_of_order[0].message,
              HasSubstr("batch 1 applied but earlier batch 0 not"));
}

class FilterEvaluatorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto loaded = territory::Geography::Load(MAILLAGE_REFERENCE_DIR "/geo");
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    geography_ = loaded->release();
  }
  static v1::ListActorsRequest In(v1::TerritoryLevel level,
                                  const std::string& code) {
    v1::ListActorsRequest f;
    f.mutable_territory()->set_level(level);
    f.mutable_territory()->set_code(code);
    return f;
  }
  static const territory::Geography* geography_;
};
const territory::Geography* FilterEvaluatorTest::geography_ = nullptr;

TEST_F(FilterEvaluatorTest, TerritoryMeansHomeInsideOrAreaOverlapping) {
  FilterEvaluator evaluator(geography_);
  v1::Actor a;
  a.set_home_commune("94018");  // Charenton-le-Pont, Val-de-Marne
  EXPECT_TRUE(evaluator.Matches(In(v1::TERRITORY_LEVEL_COMMUNE, "94018"), a));
  EXPECT_TRUE(evaluator.Matches(In(v1::TERRITORY_LEVEL_DEPARTEMENT, "94"), a));
  EXPECT_TRUE(evaluator.Matches(In(v1::TERRITORY_LEVEL_REGION, "11"), a));
  EXPECT_FALSE(evaluator.Matches(In(v1::TERRITORY_LEVEL_DEPARTEMENT, "93"), a));
  // Acting on the whole Seine-Saint-Denis: contains each of its communes.
  auto* area = a.add_action_territories();
  area->set_level(v1::TERRITORY_LEVEL_DEPARTEMENT);
  area->set_code("93");
  EXPECT_TRUE(evaluator.Matches(In(v1::TERRITORY_LEVEL_DEPARTEMENT, "93"), a));
  EXPECT_TRUE(evaluator.Matches(In(v1::TERRITORY_LEVEL_COMMUNE, "93001"), a));
  EXPECT_FALSE(evaluator.Matches(In(v1::TERRITORY_LEVEL_COMMUNE, "92002"), a));
  // Acting on a commune of the Rhône: inside the Rhône and its région.
  area->set_level(v1::TERRITORY_LEVEL_COMMUNE);
  area->set_code("69123");
  EXPECT_TRUE(evaluator.Matches(In(v1::TERRITORY_LEVEL_DEPARTEMENT, "69"), a));
  EXPECT_TRUE(evaluator.Matches(In(v1::TERRITORY_LEVEL_REGION, "84"), a));
  EXPECT_FALSE(evaluator.Matches(In(v1::TERRITORY_LEVEL_DEPARTEMENT, "93"), a));
}

TEST_F(FilterEvaluatorTest, ThemeAlsoComesFromNeedsAndOffers) {
  FilterEvaluator evaluator(geography_);
  v1::Actor a;
  a.set_kind(v1::ACTOR_KIND_COMPANY);
  a.add_themes("youth");
  auto* offer = a.add_offers();
  offer->set_resource("funding");
  offer->set_theme("health");
  v1::ListActorsRequest f;
  f.set_theme("health");
  EXPECT_TRUE(evaluator.Matches(f, a));
  f.set_offered_resource("funding");
  EXPECT_TRUE(evaluator.Matches(f, a));
  f.set_needed_resource("funding");
  EXPECT_FALSE(evaluator.Matches(f, a));
  v1::ListActorsRequest kind;
  kind.set_kind(v1::ACTOR_KIND_ASSOCIATION);
  EXPECT_FALSE(evaluator.Matches(kind, a));
}

TEST(LatencyTest, NearestRankQuantiles) {
  std::vector<double> v = {5, 1, 4, 2, 3};
  EXPECT_EQ(Quantile(&v, 0.5), 3);
  EXPECT_EQ(Quantile(&v, 0.99), 5);
  EXPECT_EQ(Quantile(&v, 0), 1);
  std::vector<double> none;
  EXPECT_EQ(Quantile(&none, 0.5), 0);
}

// A suggestion with `moves` moves: PROPOSED, then KEPT, then CONTACTED
// (times 1, 2, 3).
v1::Suggestion SuggestionWithMoves(int moves) {
  const v1::SuggestionState states[] = {v1::SUGGESTION_STATE_PROPOSED,
                                        v1::SUGGESTION_STATE_KEPT,
                                        v1::SUGGESTION_STATE_CONTACTED};
  v1::Suggestion s;
  s.set_id("s1");
  s.set_actor_id("ext:a");
  s.set_partner_id("ext:b");
  s.set_score(0.5);
  v1::SuggestionState at = v1::SUGGESTION_STATE_UNSPECIFIED;
  for (int i = 0; i < moves; ++i) {
    auto* t = s.add_history();
    t->set_from(at);
    t->set_to(states[i]);
    t->mutable_time()->set_seconds(i + 1);
    at = states[i];
  }
  s.set_state(at);
  return s;
}

v1::WatchEvent EventOf(int sequence, const v1::Suggestion& s) {
  v1::WatchEvent e;
  e.set_token(std::to_string(sequence));
  *e.mutable_suggestion() = s;
  return e;
}

v1::WatchEvent EventOf(int sequence, const v1::Partnership& p) {
  v1::WatchEvent e;
  e.set_token(std::to_string(sequence));
  *e.mutable_partnership() = p;
  return e;
}

std::vector<std::string> Keys(const std::vector<Finding>& findings) {
  std::vector<std::string> keys;
  for (const Finding& f : findings) keys.push_back(f.key + ": " + f.message);
  return keys;
}

TEST(EventLogCheckTest, EveryChangeToldInOrderIsClean) {
  std::map<std::string, v1::Suggestion> suggestions = {
      {"s1", SuggestionWithMoves(3)}};
  v1::Partnership p;
  p.set_id("p1");
  p.set_etag("e2");
  std::map<std::string, v1::Partnership> partnerships = {{"p1", p}};
  EventLogCheck check(suggestions, partnerships);
  EXPECT_FALSE(check.CaughtUp());
  check.Add(EventOf(1, SuggestionWithMoves(1)));
  check.Add(EventOf(4, SuggestionWithMoves(2)));
  v1::Partnership earlier = p;
  earlier.set_etag("e1");
  check.Add(EventOf(5, earlier));
  // Counters change without an event: the last event still describes it.
  v1::Suggestion told = SuggestionWithMoves(3);
  suggestions["s1"].set_times_shown(7);
  suggestions["s1"].set_etag("later");
  check.Add(EventOf(9, told));
  EXPECT_FALSE(check.CaughtUp());  // the partnership's last change not yet
  check.Add(EventOf(10, p));
  EXPECT_TRUE(check.CaughtUp());
  EXPECT_THAT(check.Finish(), IsEmpty());
  EXPECT_EQ(check.events(), 5);
}

TEST(EventLogCheckTest, AChangeStoredButNotToldIsNamed) {
  std::map<std::string, v1::Suggestion> suggestions = {
      {"s1", SuggestionWithMoves(3)}};
  std::map<std::string, v1::Partnership> partnerships;
  EventLogCheck check(suggestions, partnerships);
  check.Add(EventOf(1, SuggestionWithMoves(1)));
  check.Add(EventOf(2, SuggestionWithMoves(2)));
  EXPECT_FALSE(check.CaughtUp());
  EXPECT_THAT(Keys(check.Finish()),
              ElementsAre(AllOf(HasSubstr("sugg/s1"),
                                HasSubstr("stored but not told"))));
}

TEST(EventLogCheckTest, AChangeToldButNotStoredIsNamed) {
  std::map<std::string, v1::Suggestion> suggestions = {
      {"s1", SuggestionWithMoves(2)}};
  std::map<std::string, v1::Partnership> partnerships;
  EventLogCheck check(suggestions, partnerships);
  check.Add(EventOf(1, SuggestionWithMoves(2)));
  // A third move told, not in the record (then the record told again).
  check.Add(EventOf(2, SuggestionWithMoves(3)));
  check.Add(EventOf(3, SuggestionWithMoves(2)));
  EXPECT_TRUE(check.CaughtUp());
  EXPECT_THAT(Keys(check.Finish()),
              ElementsAre(AllOf(HasSubstr("event 2"),
                                HasSubstr("told but not stored"))));
}

TEST(EventLogCheckTest, ADifferentMoveIsNotABeginning) {
  std::map<std::string, v1::Suggestion> suggestions = {
      {"s1", SuggestionWithMoves(2)}};
  std::map<std::string, v1::Partnership> partnerships;
  EventLogCheck check(suggestions, partnerships);
  v1::Suggestion other = SuggestionWithMoves(1);
  other.mutable_history(0)->mutable_time()->set_seconds(99);
  check.Add(EventOf(1, other));
  check.Add(EventOf(2, SuggestionWithMoves(2)));
  EXPECT_THAT(Keys(check.Finish()),
              ElementsAre(HasSubstr("told but not stored")));
}

TEST(EventLogCheckTest, UnknownRecordsAndTokensOutOfOrderAreNamed) {
  std::map<std::string, v1::Suggestion> suggestions = {
      {"s1", SuggestionWithMoves(1)}};
  std::map<std::string, v1::Partnership> partnerships;
  EventLogCheck check(suggestions, partnerships);
  check.Add(EventOf(5, SuggestionWithMoves(1)));
  check.Add(EventOf(5, SuggestionWithMoves(1)));  // seen twice
  v1::Suggestion ghost = SuggestionWithMoves(1);
  ghost.set_id("s2");
  check.Add(EventOf(6, ghost));
  v1::Partnership p;
  p.set_id("p9");
  check.Add(EventOf(7, p));
  EXPECT_THAT(
      Keys(check.Finish()),
      ElementsAre(HasSubstr("not after the previous one"),
                  AllOf(HasSubstr("sugg/s2"), HasSubstr("no such suggestion")),
                  AllOf(HasSubstr("partnership/p9"),
                        HasSubstr("no such partnership"))));
}

TEST(EventLogCheckTest, APartnershipChangedWithoutItsEventIsNamed) {
  std::map<std::string, v1::Suggestion> suggestions;
  v1::Partnership p;
  p.set_id("p1");
  p.set_etag("e2");
  std::map<std::string, v1::Partnership> partnerships = {{"p1", p}};
  EventLogCheck check(suggestions, partnerships);
  v1::Partnership told = p;
  told.set_etag("e1");
  check.Add(EventOf(1, told));
  EXPECT_THAT(Keys(check.Finish()),
              ElementsAre(AllOf(HasSubstr("partnership/p1"),
                                HasSubstr("stored but not told"))));
}

TEST(EventLogCheckTest, StateScoreAndPartnershipMustMatch) {
  const v1::Suggestion record = SuggestionWithMoves(2);
  EXPECT_TRUE(DescribesAsStored(record, record));
  v1::Suggestion e = record;
  e.set_score(0.6);
  EXPECT_FALSE(DescribesAsStored(e, record));
  e = record;
  e.set_partnership_id("p1");
  EXPECT_FALSE(DescribesAsStored(e, record));
  e = record;
  e.set_state(v1::SUGGESTION_STATE_DISMISSED);
  EXPECT_FALSE(DescribesAsStored(e, record));
  e = record;
  e.set_times_shown(3);
  e.set_etag("x");
  EXPECT_TRUE(DescribesAsStored(e, record));
}

}  // namespace
}  // namespace maillage::loadgen

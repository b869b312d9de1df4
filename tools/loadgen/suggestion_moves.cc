#include "tools/loadgen/suggestion_moves.h"

#include <algorithm>

namespace maillage::loadgen {

std::string StateWord(v1::SuggestionState state) {
  constexpr std::string_view kPrefix = "SUGGESTION_STATE_";
  std::string name = v1::SuggestionState_Name(state);
  return name.substr(std::min(name.size(), kPrefix.size()));
}

std::vector<SuggestionMove> MovesFrom(const std::string& word) {
  using S = v1::SuggestionState;
  if (word == "PROPOSED") {
    return {{S::SUGGESTION_STATE_KEPT, 85},
            {S::SUGGESTION_STATE_DISMISSED, 15}};
  }
  if (word == "KEPT") {
    return {{S::SUGGESTION_STATE_CONTACTED, 90},
            {S::SUGGESTION_STATE_DISMISSED, 10}};
  }
  if (word == "CONTACTED") {
    return {{S::SUGGESTION_STATE_NO_ANSWER, 60},
            {S::SUGGESTION_STATE_MEETING_HELD, 25},
            {S::SUGGESTION_STATE_DISMISSED, 15}};
  }
  if (word == "NO_ANSWER") {
    return {{S::SUGGESTION_STATE_CONTACTED, 92},
            {S::SUGGESTION_STATE_DISMISSED, 8}};
  }
  if (word == "MEETING_HELD") {
    return {{S::SUGGESTION_STATE_OUTCOME_RECORDED, 1}};
  }
  if (word == "OUTCOME_RECORDED") {
    return {{S::SUGGESTION_STATE_PARTNERSHIP_FORMED, 1},
            {S::SUGGESTION_STATE_NOT_FORMED, 9}};
  }
  return {};
}

bool IsFinalState(const std::string& word) { return MovesFrom(word).empty(); }

v1::UpdateSuggestionRequest NextMove(const std::string& id,
                                     const std::string& word,
                                     ActorFactory* random) {
  std::vector<SuggestionMove> moves = MovesFrom(word);
  int total = 0;
  for (const SuggestionMove& m : moves) total += m.weight;
  int pick = static_cast<int>(random->Below(static_cast<size_t>(total)));
  size_t chosen = 0;
  while (pick >= moves[chosen].weight) pick -= moves[chosen++].weight;
  v1::UpdateSuggestionRequest request;
  request.set_id(id);
  request.set_state(moves[chosen].to);
  request.set_performed_by("loadgen");
  if (request.state() == v1::SUGGESTION_STATE_DISMISSED) {
    request.set_reason("hors sujet pour l'association");
  }
  if (request.state() == v1::SUGGESTION_STATE_OUTCOME_RECORDED) {
    request.set_outcome(static_cast<v1::MeetingOutcome>(1 + random->Below(4)));
  }
  return request;
}

}  // namespace maillage::loadgen

#ifndef MAILLAGE_TOOLS_LOADGEN_SUGGESTION_MOVES_H_
#define MAILLAGE_TOOLS_LOADGEN_SUGGESTION_MOVES_H_

#include <string>
#include <vector>

#include "maillage/v1/lifecycle.pb.h"
#include "tools/loadgen/synthetic_actors.h"

namespace maillage::loadgen {

// "KEPT" for SUGGESTION_STATE_KEPT: the journal's word for a state.
std::string StateWord(v1::SuggestionState state);

// One allowed move of a suggestion and how often the load tools make it.
struct SuggestionMove {
  v1::SuggestionState to;
  int weight;
};

// The moves lifecycle.proto allows from the state `word`, weighted so that
// most suggestions live long (CONTACTED <-> NO_ANSWER) and one outcome in
// ten forms a partnership, the one final state a pair never leaves: the
// pairs of a small set of actors last for a long run (with the server's
// cooling period at 0, dismissed and declined pairs come back).
// Empty for a final state.
std::vector<SuggestionMove> MovesFrom(const std::string& word);
bool IsFinalState(const std::string& word);

// A request moving suggestion `id` from state `word` (not final) along a
// move drawn by weight, with the reason or outcome the move requires.
v1::UpdateSuggestionRequest NextMove(const std::string& id,
                                     const std::string& word,
                                     ActorFactory* random);

}  // namespace maillage::loadgen

#endif  // MAILLAGE_TOOLS_LOADGEN_SUGGESTION_MOVES_H_

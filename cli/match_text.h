#ifndef MAILLAGE_CLI_MATCH_TEXT_H_
#define MAILLAGE_CLI_MATCH_TEXT_H_

#include <string>
#include <vector>

#include "google/protobuf/repeated_ptr_field.h"
#include "maillage/v1/common.pb.h"
#include "maillage/v1/matching.pb.h"

// How the CLI writes what the matching engine says: partnership categories
// and the factors of a score.
namespace maillage::cli {

// "mecenat / skills"; "mecenat" without a modality; "" when unset.
std::string FormatCategory(v1::PartnershipCategory category,
                           v1::PartnershipModality modality);

// The factors, largest contribution (in magnitude) first: what explains the
// score most; ties keep the API's order.
std::vector<const v1::MatchFactor*> LargestFirst(
    const google::protobuf::RepeatedPtrField<v1::MatchFactor>& factors);

// One "complementarity 0.80 (+0.320)" per factor, largest first: code,
// value and contribution to the score, for WrapList.
std::vector<std::string> FactorSummaries(
    const google::protobuf::RepeatedPtrField<v1::MatchFactor>& factors);

}  // namespace maillage::cli

#endif  // MAILLAGE_CLI_MATCH_TEXT_H_

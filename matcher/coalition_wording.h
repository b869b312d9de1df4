#ifndef MAILLAGE_MATCHER_COALITION_WORDING_H_
#define MAILLAGE_MATCHER_COALITION_WORDING_H_

// The French words of a coalition: each member's role and reason (what it
// gives whom, what it receives, whom it already works with, how far it is),
// the lead, and the summary. Internal to the matcher.

#include "matcher/coalition.h"
#include "matcher/coalition_team.h"

namespace maillage::matcher::internal {

// Fills the lead, roles, reasons and summary of `coalition`, whose
// structured fields are set; distances are from the anchor when
// `centre_is_anchor`, else from the territory's centre. An `alternative`
// leaves out earlier coalitions' key members (its missing kinds may exist
// among them).
void DescribeCoalition(const CoalitionPool& pool, bool centre_is_anchor,
                       bool alternative, Coalition* coalition);

}  // namespace maillage::matcher::internal

#endif  // MAILLAGE_MATCHER_COALITION_WORDING_H_

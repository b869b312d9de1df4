#ifndef MAILLAGE_CLI_TERRITORY_LIST_H_
#define MAILLAGE_CLI_TERRITORY_LIST_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "cli/client.h"
#include "cli/output.h"
#include "cli/paging.h"
#include "maillage/v1/territory.pb.h"

namespace maillage::cli {

// The table of a territory listing: its four column headers (the name is
// the second, cut at 50 characters; the third and fourth are counts), the
// cells of one territory, and what stderr says when nothing matched.
struct TerritoryTable {
  std::vector<std::string> headers;
  std::function<std::vector<std::string>(const v1::Territory&)> row;
  std::string_view none_matched;
};

// Runs ListTerritories with `request`, paged as `paging` says, and prints
// the territories as JSON lines or as `table`; then notes the pages left.
absl::Status PrintTerritoryList(Client& client, const Paging& paging,
                                OutputFormat format,
                                v1::ListTerritoriesRequest request,
                                const TerritoryTable& table);

}  // namespace maillage::cli

#endif  // MAILLAGE_CLI_TERRITORY_LIST_H_

#include "cli/paging.h"

namespace maillage::cli {

std::vector<FlagSpec> PagingFlags() {
  return {
      {"page-size", "N",
       "Items per page, 1 to 1000 (default: the server's, 50)."},
      {"page-token", "TOKEN",
       "Continue from this token of a previous listing."},
      {"all", "", "Fetch every page, not only the first."},
  };
}

absl::StatusOr<Paging> GetPaging(const ParsedArgs& args) {
  Paging paging;
  absl::StatusOr<int64_t> size = args.IntValue("page-size", 0, 1, 1000);
  if (!size.ok()) return size.status();
  paging.page_size = static_cast<int32_t>(*size);
  paging.page_token = args.ValueOr("page-token", "");
  paging.all = args.Has("all");
  return paging;
}

void NoteMorePages(Client& client, const std::string& next_page_token) {
  if (next_page_token.empty()) return;
  client.err() << "maillage: more results: add --all, or --page-token "
               << next_page_token << '\n';
}

}  // namespace maillage::cli

#ifndef MAILLAGE_CLI_PAGING_H_
#define MAILLAGE_CLI_PAGING_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cli/args.h"
#include "cli/client.h"

// Paging for the list commands: --page-size, --page-token and --all, which
// follows next_page_token to the end.
namespace maillage::cli {

struct Paging {
  // 0: the server's default (or the largest page with --all).
  int32_t page_size = 0;
  std::string page_token;
  bool all = false;
};

// The three flags, for a command's flag list.
std::vector<FlagSpec> PagingFlags();
// Their values; usage error on a bad page size.
absl::StatusOr<Paging> GetPaging(const ParsedArgs& args);

// Fetches one page, or every page with --all: `fetch(page_size, page_token,
// &response)` makes one call and `consume(response)` takes its items.
// Returns the next page token left unfollowed ("" at the end).
template <typename Response, typename Fetch, typename Consume>
absl::StatusOr<std::string> FetchPages(const Paging& paging, Fetch fetch,
                                       Consume consume) {
  // The API's largest page: fewer round trips when fetching everything.
  constexpr int32_t kLargestPage = 1000;
  int32_t size =
      paging.page_size == 0 && paging.all ? kLargestPage : paging.page_size;
  std::string token = paging.page_token;
  while (true) {
    Response response;
    absl::Status status = fetch(size, token, &response);
    if (!status.ok()) return status;
    consume(response);
    if (!paging.all || response.next_page_token().empty()) {
      return response.next_page_token();
    }
    if (response.next_page_token() == token) {
      return absl::InternalError("the server repeated a page token");
    }
    token = response.next_page_token();
  }
}

// Tells on stderr how to get the rest when `next_page_token` is not empty.
void NoteMorePages(Client& client, const std::string& next_page_token);

}  // namespace maillage::cli

#endif  // MAILLAGE_CLI_PAGING_H_

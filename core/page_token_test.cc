#include "core/page_token.h"

#include "gtest/gtest.h"
#include "maillage/v1/actor.pb.h"

namespace maillage::core {
namespace {

TEST(PageTokenTest, RoundTripsBoundToTheFilters) {
  v1::ListActorsRequest request;
  request.set_theme("youth");
  const uint64_t filters = FiltersFingerprint(request);
  const std::string token = EncodePageToken(filters, "siret:123");

  // page_size and page_token are not filters.
  request.set_page_size(7);
  request.set_page_token(token);
  EXPECT_EQ(FiltersFingerprint(request), filters);
  absl::StatusOr<std::string> position = DecodePageToken(token, filters);
  ASSERT_TRUE(position.ok()) << position.status();
  EXPECT_EQ(*position, "siret:123");

  // Other filters, or a token this server did not issue: INVALID_ARGUMENT.
  request.set_theme("housing");
  EXPECT_EQ(DecodePageToken(token, FiltersFingerprint(request)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodePageToken("not a token", filters).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(PageTokenTest, NoTokenIsTheFirstPage) {
  absl::StatusOr<std::string> position = DecodePageToken("", 42);
  ASSERT_TRUE(position.ok());
  EXPECT_EQ(*position, "");
}

}  // namespace
}  // namespace maillage::core

// The OpenAPI document embedded at build time: it is the one the routes give
// now (not stale), and it holds together as OpenAPI 3.0: every operation
// identified once with an answer, every path variable declared, every
// reference resolved.
#include "tools/openapi/openapi.h"

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "services/http/api_services.h"
#include "tools/openapi/document.h"

namespace maillage::openapi {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

Struct Parsed() {
  Struct document;
  auto status = google::protobuf::util::JsonStringToMessage(
      std::string(EmbeddedDocument()), &document);
  EXPECT_TRUE(status.ok()) << status.ToString();
  return document;
}

const Value& Member(const Struct& object, const std::string& name) {
  static const Value* const kNull = new Value();
  auto it = object.fields().find(name);
  EXPECT_NE(it, object.fields().end()) << "missing \"" << name << "\"";
  return it == object.fields().end() ? *kNull : it->second;
}

// Every "$ref" anywhere under `value`.
void CollectRefs(const Value& value, std::set<std::string>* refs) {
  if (value.has_struct_value()) {
    for (const auto& [name, member] : value.struct_value().fields()) {
      if (name == "$ref") refs->insert(member.string_value());
      CollectRefs(member, refs);
    }
  } else if (value.has_list_value()) {
    for (const Value& item : value.list_value().values()) {
      CollectRefs(item, refs);
    }
  }
}

TEST(OpenApiTest, TheEmbeddedDocumentIsTheOneTheRoutesGiveNow) {
  auto routes =
      services::http::RouteTable::Build(services::http::ApiServices());
  ASSERT_TRUE(routes.ok()) << routes.status();
  EXPECT_EQ(EmbeddedDocument(), Document(*routes));
}

TEST(OpenApiTest, EveryOperationIsIdentifiedOnceAndAnswers) {
  Struct document = Parsed();
  EXPECT_EQ(Member(document, "openapi").string_value(), "3.0.3");
  std::set<std::string> operation_ids;
  int operations = 0;
  for (const auto& [path, item] :
       Member(document, "paths").struct_value().fields()) {
    ASSERT_EQ(path.rfind("/v1/", 0), 0u) << path;
    for (const auto& [verb, operation] : item.struct_value().fields()) {
      SCOPED_TRACE(absl::StrCat(verb, " ", path));
      ++operations;
      const Struct& op = operation.struct_value();
      EXPECT_TRUE(operation_ids.insert(Member(op, "operationId").string_value())
                      .second);
      const Struct& responses = Member(op, "responses").struct_value();
      EXPECT_TRUE(responses.fields().count("200"));
      EXPECT_TRUE(responses.fields().count("default"));
      // Each {variable} of the path is a required path parameter.
      std::set<std::string> declared;
      for (const Value& p : Member(op, "parameters").list_value().values()) {
        const Struct& parameter = p.struct_value();
        if (Member(parameter, "in").string_value() == "path") {
          EXPECT_TRUE(Member(parameter, "required").bool_value());
          declared.insert(Member(parameter, "name").string_value());
        }
      }
      std::set<std::string> in_path;
      for (size_t open = path.find('{'); open != std::string::npos;
           open = path.find('{', open + 1)) {
        in_path.insert(path.substr(open + 1, path.find('}', open) - open - 1));
      }
      EXPECT_EQ(declared, in_path);
    }
  }
  auto routes =
      services::http::RouteTable::Build(services::http::ApiServices());
  ASSERT_TRUE(routes.ok()) << routes.status();
  EXPECT_EQ(operations, static_cast<int>(routes->routes().size()));
}

TEST(OpenApiTest, EveryReferenceResolves) {
  Struct document = Parsed();
  const Struct& schemas =
      Member(Member(document, "components").struct_value(), "schemas")
          .struct_value();
  std::set<std::string> refs;
  Value whole;
  *whole.mutable_struct_value() = document;
  CollectRefs(whole, &refs);
  EXPECT_GT(refs.size(), 40u);
  const std::string prefix = "#/components/schemas/";
  for (const std::string& ref : refs) {
    ASSERT_EQ(ref.rfind(prefix, 0), 0u) << ref;
    EXPECT_TRUE(schemas.fields().count(ref.substr(prefix.size()))) << ref;
  }
  // The error body of every operation.
  EXPECT_TRUE(schemas.fields().count("google.rpc.Status"));
  const Struct& actor = Member(schemas, "maillage.v1.Actor").struct_value();
  const Struct& properties = Member(actor, "properties").struct_value();
  EXPECT_TRUE(properties.fields().count("homeCommune"));  // JSON names
  EXPECT_FALSE(Member(actor, "additionalProperties").bool_value());
}

}  // namespace
}  // namespace maillage::openapi

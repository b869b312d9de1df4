#include "protojson/type_cache.h"

#include <memory>
#include <mutex>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/type.pb.h"
#include "google/protobuf/util/type_resolver_util.h"

namespace maillage::protojson {
namespace {

using google::protobuf::util::TypeResolver;

constexpr char kTypeUrlPrefix[] = "type.googleapis.com";

class CachingTypeResolver final : public TypeResolver {
 public:
  CachingTypeResolver()
      : generated_(google::protobuf::util::NewTypeResolverForDescriptorPool(
            kTypeUrlPrefix,
            google::protobuf::DescriptorPool::generated_pool())) {}

  google::protobuf::util::Status ResolveMessageType(
      const std::string& type_url, google::protobuf::Type* type) override {
    return Resolve(type_url, type, messages_,
                   &TypeResolver::ResolveMessageType);
  }

  google::protobuf::util::Status ResolveEnumType(
      const std::string& type_url, google::protobuf::Enum* enum_type) override {
    return Resolve(type_url, enum_type, enums_, &TypeResolver::ResolveEnumType);
  }

 private:
  template <typename T>
  using Cache = absl::flat_hash_map<std::string, std::unique_ptr<const T>>;

  template <typename T, typename Lookup>
  google::protobuf::util::Status Resolve(const std::string& type_url, T* out,
                                         Cache<T>& cache, Lookup lookup) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache.find(type_url);
    if (it == cache.end()) {
      auto resolved = std::make_unique<T>();
      auto status = (generated_.get()->*lookup)(type_url, resolved.get());
      if (!status.ok()) return status;
      it = cache.emplace(type_url, std::move(resolved)).first;
    }
    *out = *it->second;
    return google::protobuf::util::Status();
  }

  const std::unique_ptr<TypeResolver> generated_;
  std::mutex mu_;
  Cache<google::protobuf::Type> messages_;
  Cache<google::protobuf::Enum> enums_;
};

}  // namespace

TypeResolver& GeneratedTypes() {
  static auto* resolver = new CachingTypeResolver();
  return *resolver;
}

std::string TypeUrl(const google::protobuf::Descriptor& descriptor) {
  return absl::StrCat(kTypeUrlPrefix, "/", descriptor.full_name());
}

}  // namespace maillage::protojson

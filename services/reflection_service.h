#ifndef MAILLAGE_SERVICES_REFLECTION_SERVICE_H_
#define MAILLAGE_SERVICES_REFLECTION_SERVICE_H_

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "grpc/reflection/v1/reflection.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.pb.h"
#include "services/request_handler.h"

namespace maillage::services {

// What server reflection may show: the services the server names, and the
// proto files that declare them with everything they import. Other files
// linked into the server (the storage records) stay hidden. Immutable;
// thread-safe.
class ReflectionCatalog {
 public:
  // `services`: fully qualified names, listed in this order. Those without a
  // descriptor in the generated pool (gRPC's own health service) are listed
  // but cannot be described.
  explicit ReflectionCatalog(std::vector<std::string> services);

  // The response to one request (an error_response for what is unknown or
  // hidden). `sent` holds the files this stream already sent: a file
  // response carries the file asked for, then its imports not in `sent`,
  // transitively; all of them are added to `sent`.
  grpc::reflection::v1alpha::ServerReflectionResponse Answer(
      const grpc::reflection::v1alpha::ServerReflectionRequest& request,
      std::set<std::string>* sent) const;

 private:
  // Whether `file` may be shown.
  bool Visible(const google::protobuf::FileDescriptor* file) const;
  // A file request (by name, symbol or extension).
  void AnswerFile(
      const grpc::reflection::v1alpha::ServerReflectionRequest& request,
      std::set<std::string>* sent,
      grpc::reflection::v1alpha::ServerReflectionResponse* response) const;
  void AnswerExtensionNumbers(
      const std::string& type_name,
      grpc::reflection::v1alpha::ServerReflectionResponse* response) const;
  // Adds `file`, then its imports not in `sent`, to the response.
  void AddFiles(
      const google::protobuf::FileDescriptor* file, std::set<std::string>* sent,
      grpc::reflection::v1alpha::ServerReflectionResponse* response) const;

  const std::vector<std::string> services_;
  std::set<std::string> files_;
};

// grpc.reflection.v1alpha.ServerReflection and grpc.reflection.v1's, one
// implementation: the two share their messages on the wire, so both methods
// are raw and decode into the v1alpha messages. Every stream is admitted by
// the RequestHandler as the method "ServerReflectionInfo" (authentication,
// the role table of auth/policy.cc) before it reads a request.
using ReflectionV1AlphaBase = grpc::reflection::v1alpha::ServerReflection::
    WithRawCallbackMethod_ServerReflectionInfo<
        grpc::reflection::v1alpha::ServerReflection::Service>;
using ReflectionV1Base = grpc::reflection::v1::ServerReflection::
    WithRawCallbackMethod_ServerReflectionInfo<
        grpc::reflection::v1::ServerReflection::Service>;

// Starts the reactor of one reflection stream (shared by both versions).
grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* StartReflection(
    RequestHandler* handler, const ReflectionCatalog* catalog,
    grpc::CallbackServerContext* context);

template <typename Base>
class ReflectionService final : public Base {
 public:
  // Neither is owned; both must outlive the service.
  ReflectionService(RequestHandler* handler, const ReflectionCatalog* catalog)
      : handler_(handler), catalog_(catalog) {}

  grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>*
  ServerReflectionInfo(grpc::CallbackServerContext* context) override {
    return StartReflection(handler_, catalog_, context);
  }

 private:
  RequestHandler* handler_;
  const ReflectionCatalog* catalog_;
};

}  // namespace maillage::services

#endif  // MAILLAGE_SERVICES_REFLECTION_SERVICE_H_

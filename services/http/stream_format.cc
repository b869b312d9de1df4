#include "services/http/stream_format.h"

namespace maillage::services::http {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

const FieldDescriptor* StreamElements(const Descriptor& response) {
  if (response.field_count() != 1) return nullptr;
  const FieldDescriptor* field = response.field(0);
  return field->is_repeated() && field->message_type() != nullptr ? field
                                                                  : nullptr;
}

const FieldDescriptor* UploadRowsField(const Descriptor& request) {
  for (int i = 0; i < request.field_count(); ++i) {
    const FieldDescriptor* field = request.field(i);
    if (field->is_repeated() && field->message_type() != nullptr) return field;
  }
  return nullptr;
}

}  // namespace maillage::services::http

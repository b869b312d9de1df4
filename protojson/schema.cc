#include "protojson/schema.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/strings.h"
#include "google/protobuf/timestamp.pb.h"

namespace maillage::protojson {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

// A field whose duplicates the reader tracks in one 64-bit mask.
constexpr int kMaxFields = 64;

absl::Status Unsupported(const FieldDescriptor* field, std::string_view what) {
  return absl::UnimplementedError(absl::StrCat(
      field->full_name(), ": ", AsAbsl(what), " is left to protobuf"));
}

}  // namespace

const FieldPlan* MessagePlan::Find(std::string_view name) const {
  auto it = by_name.find(AsAbsl(name));
  return it == by_name.end() ? nullptr : &fields[it->second];
}

const FieldPlan* MessagePlan::FindNext(std::string_view name,
                                       int* previous) const {
  // Scanning on from the previous field finds the next one present in a
  // text that skips the unset fields, as protobuf's printing does.
  for (int i = *previous + 1; i < static_cast<int>(fields.size()); ++i) {
    if (fields[i].json_name() == name || fields[i].proto_name() == name) {
      *previous = i;
      return &fields[i];
    }
    if (i - *previous >= 4) break;  // further: the hash is cheaper
  }
  const FieldPlan* field = Find(name);
  if (field != nullptr) *previous = static_cast<int>(field - fields.data());
  return field;
}

absl::StatusOr<std::shared_ptr<const Schema>> Schema::For(
    const Descriptor* descriptor) {
  std::shared_ptr<Schema> schema(new Schema());
  absl::StatusOr<const MessagePlan*> root = schema->Plan(descriptor);
  if (!root.ok()) return root.status();
  return std::shared_ptr<const Schema>(std::move(schema));
}

absl::StatusOr<const MessagePlan*> Schema::Plan(const Descriptor* descriptor) {
  auto known = by_descriptor_.find(descriptor);
  if (known != by_descriptor_.end()) return known->second;
  if (descriptor->file()->syntax() !=
      google::protobuf::FileDescriptor::SYNTAX_PROTO3) {
    return absl::UnimplementedError(
        absl::StrCat(descriptor->full_name(), ": proto2 is left to protobuf"));
  }
  if (descriptor->field_count() > kMaxFields) {
    return absl::UnimplementedError(absl::StrCat(
        descriptor->full_name(), ": more than 64 fields is left to protobuf"));
  }
  MessagePlan& plan = plans_.emplace_back();
  plan.descriptor = descriptor;
  // Registered before its fields are planned: a type may hold itself.
  by_descriptor_[descriptor] = &plan;
  std::vector<const FieldDescriptor*> fields;
  for (int i = 0; i < descriptor->field_count(); ++i) {
    fields.push_back(descriptor->field(i));
  }
  std::sort(fields.begin(), fields.end(),
            [](const FieldDescriptor* a, const FieldDescriptor* b) {
              return a->number() < b->number();
            });
  for (const FieldDescriptor* field : fields) {
    FieldPlan field_plan;
    if (absl::Status s = PlanField(field, &field_plan); !s.ok()) return s;
    int index = static_cast<int>(plan.fields.size());
    plan.by_name.emplace(field->name(), index);
    plan.by_name.emplace(field->json_name(), index);
    plan.fields.push_back(std::move(field_plan));
  }
  return &plan;
}

absl::Status Schema::PlanField(const FieldDescriptor* field, FieldPlan* plan) {
  if (field->is_map()) return Unsupported(field, "a map");
  if (field->real_containing_oneof() != nullptr) {
    return Unsupported(field, "a oneof");
  }
  plan->field = field;
  plan->repeated = field->is_repeated();
  plan->proto_key = absl::StrCat("\"", field->name(), "\":");
  plan->json_key = absl::StrCat("\"", field->json_name(), "\":");
  switch (field->type()) {
    case FieldDescriptor::TYPE_STRING:
      plan->kind = FieldPlan::Kind::kString;
      return absl::OkStatus();
    case FieldDescriptor::TYPE_ENUM: {
      plan->kind = FieldPlan::Kind::kEnum;
      const google::protobuf::EnumDescriptor* type = field->enum_type();
      auto& values = enum_values_[type];
      if (values == nullptr) {
        values = std::make_unique<absl::flat_hash_map<std::string, int>>();
        for (int i = 0; i < type->value_count(); ++i) {
          values->emplace(type->value(i)->name(), type->value(i)->number());
        }
      }
      plan->enum_values = values.get();
      return absl::OkStatus();
    }
    case FieldDescriptor::TYPE_INT32:
    case FieldDescriptor::TYPE_SINT32:
    case FieldDescriptor::TYPE_SFIXED32:
      plan->kind = FieldPlan::Kind::kInt32;
      return absl::OkStatus();
    case FieldDescriptor::TYPE_INT64:
    case FieldDescriptor::TYPE_SINT64:
    case FieldDescriptor::TYPE_SFIXED64:
      plan->kind = FieldPlan::Kind::kInt64;
      return absl::OkStatus();
    case FieldDescriptor::TYPE_DOUBLE:
      plan->kind = FieldPlan::Kind::kDouble;
      return absl::OkStatus();
    case FieldDescriptor::TYPE_BOOL:
      plan->kind = FieldPlan::Kind::kBool;
      return absl::OkStatus();
    case FieldDescriptor::TYPE_MESSAGE:
      break;
    default:
      return Unsupported(field, field->type_name());
  }
  const Descriptor* type = field->message_type();
  if (type == google::protobuf::Timestamp::descriptor()) {
    plan->kind = FieldPlan::Kind::kTimestamp;
    return absl::OkStatus();
  }
  if (type->file()->name().rfind("google/protobuf/", 0) == 0) {
    return Unsupported(field, type->full_name());
  }
  absl::StatusOr<const MessagePlan*> nested = Plan(type);
  if (!nested.ok()) return nested.status();
  plan->kind = FieldPlan::Kind::kMessage;
  plan->message = *nested;
  return absl::OkStatus();
}

}  // namespace maillage::protojson

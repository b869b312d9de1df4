#include "storage/suggestion_merge.h"

#include <cstdio>

#include "base/etag.h"
#include "google/protobuf/util/time_util.h"
#include "rocksdb/merge_operator.h"

namespace maillage::storage {
namespace {

using google::protobuf::util::TimeUtil;

class SuggestionMergeOperator : public rocksdb::MergeOperator {
 public:
  const char* Name() const override { return "maillage.SuggestionShown"; }

  // The record under the operands, with every operand applied in order.
  // Fails (RocksDB reports Corruption to the reader) only when the record
  // or an operand does not parse.
  bool FullMergeV2(const MergeOperationInput& in,
                   MergeOperationOutput* out) const override {
    if (in.existing_value == nullptr) {
      // Operands are written only over an existing record, under its
      // lock (see the header), and a later delete hides the operands
      // before it: a key with operands and no record is a broken store,
      // reported to the reader as corruption rather than made up.
      return false;
    }
    v1::Suggestion suggestion;
    if (!suggestion.ParseFromArray(in.existing_value->data(),
                                   static_cast<int>(in.existing_value->size()))) {
      return false;
    }
    // The operands combined first, so that the record is re-stamped once
    // (CombineShown's contract makes it the same record).
    SuggestionShown all;
    SuggestionShown next;
    for (const rocksdb::Slice& operand : in.operand_list) {
      if (!next.ParseFromArray(operand.data(),
                               static_cast<int>(operand.size()))) {
        return false;
      }
      CombineShown(next, &all);
    }
    ApplyShown(all, &suggestion);
    return suggestion.SerializeToString(&out->new_value);
  }

  // Two operands of one record folded into one: flushes and compactions
  // keep one operand per record instead of one per call.
  bool PartialMerge(const rocksdb::Slice& /*key*/,
                    const rocksdb::Slice& left_operand,
                    const rocksdb::Slice& right_operand,
                    std::string* new_value,
                    rocksdb::Logger* /*logger*/) const override {
    SuggestionShown older;
    SuggestionShown newer;
    if (!older.ParseFromArray(left_operand.data(),
                              static_cast<int>(left_operand.size())) ||
        !newer.ParseFromArray(right_operand.data(),
                              static_cast<int>(right_operand.size()))) {
      return false;
    }
    CombineShown(newer, &older);
    return older.SerializeToString(new_value);
  }
};

}  // namespace

void ApplyShown(const SuggestionShown& shown, v1::Suggestion* suggestion) {
  suggestion->set_times_shown(suggestion->times_shown() + shown.times());
  *suggestion->mutable_last_shown() = shown.last_shown();
  suggestion->set_requested_by(shown.requested_by());
  suggestion->set_requested_by_name(shown.requested_by_name());
  suggestion->set_requested_by_note(shown.requested_by_note());
  *suggestion->mutable_territory() = shown.territory();
  *suggestion->mutable_update_time() = shown.last_shown();
  suggestion->clear_etag();
  suggestion->set_etag(
      base::MakeEtag(suggestion->SerializeAsString(),
                     TimeUtil::TimestampToMicroseconds(shown.last_shown())));
}

void CombineShown(const SuggestionShown& newer, SuggestionShown* older) {
  const int32_t times = older->times() + newer.times();
  *older = newer;
  older->set_times(times);
}

std::shared_ptr<rocksdb::MergeOperator> NewSuggestionMergeOperator() {
  return std::make_shared<SuggestionMergeOperator>();
}

}  // namespace maillage::storage

#ifndef MAILLAGE_STORAGE_SUGGESTION_MERGE_H_
#define MAILLAGE_STORAGE_SUGGESTION_MERGE_H_

#include <memory>
#include <string>

#include "maillage/storage/records.pb.h"
#include "maillage/v1/lifecycle.pb.h"

namespace rocksdb {
class MergeOperator;
}  // namespace rocksdb

namespace maillage::storage {

// Showing a suggestion again as it was costs a dashboard's SuggestPartners
// one small merge operand (WriteBatch::Merge on Family::kSuggestions, about
// 80 bytes) instead of a rewrite of the whole record (about 1.5 KB). RocksDB
// folds the operands into the record with the operator below whenever the
// record is read (Get, MultiGet, iterators), flushed or compacted, so every
// reader sees a plain v1::Suggestion and nothing else in the server knows.
//
// Contract of an operand: the writer bounds how many it leaves over one
// record (a read folds them all); its record exists when it is written (the writer
// holds the record's lock and read it in the same critical section), so
// that there is always a record to fold it into (a delete hides the
// operands written before it).

// Applies `shown` to `suggestion`: times_shown grows by shown.times,
// last_shown and the last caller are replaced, update_time becomes
// last_shown and the etag is made again (base::MakeEtag), as a plain
// rewrite of the record would have done.
void ApplyShown(const SuggestionShown& shown, v1::Suggestion* suggestion);

// `newer` folded into `older` (the two operands of one record, in write
// order) so that applying the result equals applying both.
void CombineShown(const SuggestionShown& newer, SuggestionShown* older);

// The operator of Family::kSuggestions (storage/store.cc and the backup's
// read-only open register it). Its name is stored in the OPTIONS file:
// never rename it.
std::shared_ptr<rocksdb::MergeOperator> NewSuggestionMergeOperator();

}  // namespace maillage::storage

#endif  // MAILLAGE_STORAGE_SUGGESTION_MERGE_H_

#ifndef MAILLAGE_CORE_PERSONAL_DATA_H_
#define MAILLAGE_CORE_PERSONAL_DATA_H_

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "base/strings.h"
#include "google/protobuf/message.h"
#include "maillage/v1/privacy.pb.h"

// Personal data: the one inventory of the fields that can hold it, and the
// recognition of one person (a data subject) in them.
//
// The inventory (PersonalDataInventory) is the reference for
// docs/PRIVACY.md, for subject access and erasure (core/privacy.h, which
// walk records field by field with it) and for retention. A test checks
// that every string field of every stored message is either in it or known
// not to be personal, so that a new field cannot hold personal data
// unnoticed.
namespace maillage::core {

// How a field of the inventory holds personal data, which says how a
// subject is recognised in it and what erasure does with it.
enum class PersonalField {
  // A contact person (maillage.v1.Contact): the whole contact is the
  // subject's or not; erasure removes it.
  kContactPerson,
  // Free text written by people (descriptions, notes, reasons, labels):
  // erasure replaces each mention of the subject with kErasedMention.
  kFreeText,
  // A person's display name set by the server (a key's label, a token's
  // e-mail): erasure replaces it whole with the subject's pseudonym when it
  // mentions the subject.
  kDisplayName,
  // A principal id ("key:…", "oidc:<issuer>#<subject>"): replaced with the
  // pseudonym when it is one of the subject's principals.
  kPrincipalId,
  // The network address of a caller (audit trail): kept for the security
  // purpose until the audit trail's retention; never matched to a subject.
  kNetworkAddress,
};

struct InventoryItem {
  // Full name of the message ("maillage.v1.Suggestion") and the field's
  // name in it.
  std::string_view message;
  std::string_view field;
  PersonalField kind;
  // Where records holding it are stored (column families, storage/keys.h).
  std::string_view stored_in;
  std::string_view purpose;
  std::string_view retention;
};

// Every field that can hold personal data, in the order docs/PRIVACY.md
// lists them.
const std::vector<InventoryItem>& PersonalDataInventory();

// The inventory's entry for a field, or null when the field holds no
// personal data.
const InventoryItem* FindInventoryItem(
    const google::protobuf::FieldDescriptor* field);

// What replaces a mention of an erased person in free text.
inline constexpr std::string_view kErasedMention = "[effacé]";

// One person, as a subject access or erasure names them
// (maillage.v1.DataSubject explains the matching rules).
class DataSubject {
 public:
  // INVALID_ARGUMENT with a BadRequest naming the bad fields when none of
  // e-mail, phone and name is given or one is malformed. `path` prefixes the
  // fields' paths ("subject").
  static absl::StatusOr<DataSubject> From(const v1::DataSubject& subject,
                                          std::string_view path);

  // Whether the contact person is the subject.
  bool IsContact(const v1::Contact& contact) const;
  // The byte ranges of `text` (free text, or a record's raw bytes) that
  // mention the subject, in order, not overlapping.
  std::vector<std::pair<size_t, size_t>> Mentions(std::string_view text) const;
  bool IsMentionedIn(std::string_view text) const {
    return !Mentions(text).empty();
  }
  // A quick test, false only when `text` certainly does not mention the
  // subject (an ASCII search without decoding): what scans of many records
  // run first.
  bool MayBeMentionedIn(std::string_view text) const;
  // `text` with every mention replaced by kErasedMention.
  std::string Redact(std::string_view text) const;

  bool IsPrincipal(std::string_view principal_id) const {
    return principals_.contains(AsAbsl(principal_id));
  }
  void AddPrincipal(std::string_view principal_id) {
    principals_.insert(std::string(principal_id));
  }
  // Sorted.
  std::vector<std::string> principals() const;

  // A stable key of the subject (its normalised e-mail, phone and name),
  // for the pseudonym.
  std::string Fingerprint() const;

 private:
  DataSubject() = default;

  std::string email_;  // lower case
  std::u32string email_folded_;
  // Lower-case ASCII runs of the e-mail and of the name (the longest), for
  // MayBeMentionedIn; empty when there is none worth searching.
  std::string email_token_;
  std::string name_token_;
  std::string phone_;    // digits, national form ("0612345678")
  std::u32string name_;  // lower case code points, one space between words
  bool name_in_text_ = false;  // two words or more
  absl::flat_hash_set<std::string> principals_;
};

// "0612345678" for "+33 6 12 34 56 78", "06.12.34.56.78", "0033612345678";
// other numbers keep their digits. Empty when `phone` has no digit.
std::string NormalisePhone(std::string_view phone);

// Calls `visit(field_path, value)` for every string of `message` the
// inventory lists (recursively into sub-messages), and `visit_contact` for
// every contact person; `field_path` as in PersonalDataItem.field. Either
// may edit the value it is given (erasure does; subject access reads).
// `visit_contact` returns false to remove the contact from its list.
struct PersonalFieldVisitor {
  std::function<void(const std::string& path, const InventoryItem& item,
                     std::string* value)>
      string_field;
  std::function<bool(const std::string& path, v1::Contact* contact)> contact;
};
void VisitPersonalFields(google::protobuf::Message* message,
                         const PersonalFieldVisitor& visitor);

}  // namespace maillage::core

#endif  // MAILLAGE_CORE_PERSONAL_DATA_H_

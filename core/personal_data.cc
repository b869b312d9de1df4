#include "core/personal_data.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "core/errors.h"
#include "utf8proc.h"

namespace maillage::core {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

constexpr std::string_view kContactMessage = "maillage.v1.Contact";

// Bounds of a subject's fields: an e-mail, a phone and a name are short;
// more is a mistake, not a person.
constexpr size_t kEmailMax = 254;
constexpr size_t kPhoneMax = 40;
constexpr size_t kNameMax = 200;
constexpr int kPrincipalsMax = 20;
constexpr size_t kPrincipalIdMax = 300;
constexpr size_t kPhoneDigitsMin = 6;

// A text decoded for matching: one lower-case code point per element, with
// the byte range it came from. Runs of white space are one ' '. Bytes that
// are not UTF-8 are elements of their own (raw records are matched too).
struct Folded {
  std::u32string chars;
  std::vector<size_t> begin;  // byte offset of each element
  std::vector<size_t> end;    // byte offset just past it
};

bool IsSpace(char32_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0xA0;
}

Folded Fold(std::string_view text) {
  Folded out;
  const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  size_t at = 0;
  while (at < text.size()) {
    utf8proc_int32_t cp = 0;
    utf8proc_ssize_t n = utf8proc_iterate(
        bytes + at, static_cast<utf8proc_ssize_t>(text.size() - at), &cp);
    if (n <= 0) {  // not UTF-8: the byte stands for itself
      cp = static_cast<unsigned char>(text[at]);
      n = 1;
    }
    char32_t c = static_cast<char32_t>(utf8proc_tolower(cp));
    size_t next = at + static_cast<size_t>(n);
    if (IsSpace(c)) {
      if (!out.chars.empty() && out.chars.back() == U' ') {
        out.end.back() = next;  // the run goes on
        at = next;
        continue;
      }
      c = U' ';
    }
    out.chars.push_back(c);
    out.begin.push_back(at);
    out.end.push_back(next);
    at = next;
  }
  return out;
}

// Byte ranges of `text` where `needle` (folded) occurs.
void FindFolded(const Folded& text, const std::u32string& needle,
                std::vector<std::pair<size_t, size_t>>* out) {
  if (needle.empty() || needle.size() > text.chars.size()) return;
  size_t at = 0;
  while ((at = text.chars.find(needle, at)) != std::u32string::npos) {
    out->emplace_back(text.begin[at], text.end[at + needle.size() - 1]);
    at += needle.size();
  }
}

bool IsPhoneSeparator(char c) {
  return c == ' ' || c == '.' || c == '-' || c == '(' || c == ')';
}

// Byte ranges of `text` holding a phone number equal to `phone` (national
// form): runs of digits with single separators between them, an optional
// leading '+'.
void FindPhone(std::string_view text, std::string_view phone,
               std::vector<std::pair<size_t, size_t>>* out) {
  size_t at = 0;
  while (at < text.size()) {
    bool plus = text[at] == '+' && at + 1 < text.size() &&
                absl::ascii_isdigit(static_cast<unsigned char>(text[at + 1]));
    if (!plus && !absl::ascii_isdigit(static_cast<unsigned char>(text[at]))) {
      ++at;
      continue;
    }
    size_t start = at;
    size_t last_digit = at;
    size_t i = plus ? at + 1 : at;
    while (i < text.size()) {
      if (absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) {
        last_digit = i++;
      } else if (IsPhoneSeparator(text[i]) && i + 1 < text.size() &&
                 (absl::ascii_isdigit(
                      static_cast<unsigned char>(text[i + 1])) ||
                  IsPhoneSeparator(text[i + 1]))) {
        ++i;  // "06 12", "(0)6", "+33 (0)6"
      } else {
        break;
      }
    }
    std::string_view run = text.substr(start, last_digit + 1 - start);
    if (NormalisePhone(run) == phone) out->emplace_back(start, last_digit + 1);
    at = last_digit + 1;
  }
}

// Appends ".field" or "field[i]" to a path.
std::string FieldPath(const std::string& parent, const FieldDescriptor* field,
                      int index) {
  std::string path = parent.empty() ? std::string(field->name())
                                    : absl::StrCat(parent, ".", field->name());
  if (index >= 0) absl::StrAppend(&path, "[", index, "]");
  return path;
}

void VisitString(Message* message, const FieldDescriptor* field,
                 const std::string& parent, const InventoryItem& item,
                 const PersonalFieldVisitor& visitor) {
  const Reflection* reflection = message->GetReflection();
  if (!field->is_repeated()) {
    std::string value = reflection->GetString(*message, field);
    if (value.empty()) return;
    std::string before = value;
    visitor.string_field(FieldPath(parent, field, -1), item, &value);
    if (value != before) reflection->SetString(message, field, value);
    return;
  }
  for (int i = 0; i < reflection->FieldSize(*message, field); ++i) {
    std::string value = reflection->GetRepeatedString(*message, field, i);
    std::string before = value;
    visitor.string_field(FieldPath(parent, field, i), item, &value);
    if (value != before) {
      reflection->SetRepeatedString(message, field, i, value);
    }
  }
}

// Visits the contacts of a repeated Contact field; removes those the
// visitor refuses, keeping the others' order.
void VisitContacts(Message* message, const FieldDescriptor* field,
                   const std::string& parent,
                   const PersonalFieldVisitor& visitor) {
  const Reflection* reflection = message->GetReflection();
  int kept = 0;
  const int size = reflection->FieldSize(*message, field);
  for (int i = 0; i < size; ++i) {
    auto* contact = static_cast<v1::Contact*>(
        reflection->MutableRepeatedMessage(message, field, i));
    if (!visitor.contact(FieldPath(parent, field, i), contact)) continue;
    if (kept != i) reflection->SwapElements(message, field, kept, i);
    ++kept;
  }
  for (int i = kept; i < size; ++i) reflection->RemoveLast(message, field);
}

void Visit(Message* message, const std::string& path,
           const PersonalFieldVisitor& visitor) {
  const Reflection* reflection = message->GetReflection();
  const google::protobuf::Descriptor* type = message->GetDescriptor();
  for (int f = 0; f < type->field_count(); ++f) {
    const FieldDescriptor* field = type->field(f);
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (field->message_type()->full_name() == kContactMessage &&
          field->is_repeated()) {
        if (visitor.contact) VisitContacts(message, field, path, visitor);
        continue;
      }
      if (!field->is_repeated()) {
        if (!reflection->HasField(*message, field)) continue;
        Visit(reflection->MutableMessage(message, field),
              FieldPath(path, field, -1), visitor);
        continue;
      }
      for (int i = 0; i < reflection->FieldSize(*message, field); ++i) {
        Visit(reflection->MutableRepeatedMessage(message, field, i),
              FieldPath(path, field, i), visitor);
      }
      continue;
    }
    if (field->type() != FieldDescriptor::TYPE_STRING) continue;
    const InventoryItem* item = FindInventoryItem(field);
    if (item != nullptr && visitor.string_field) {
      VisitString(message, field, path, *item, visitor);
    }
  }
}

// Whether `text` contains `needle` (lower-case ASCII), ASCII case aside.
bool ContainsAsciiCaseless(std::string_view text, std::string_view needle) {
  if (needle.empty()) return true;
  struct Hash {
    size_t operator()(char c) const {
      return static_cast<size_t>(
          absl::ascii_tolower(static_cast<unsigned char>(c)));
    }
  };
  struct Equal {
    bool operator()(char a, char b) const {
      return absl::ascii_tolower(static_cast<unsigned char>(a)) ==
             absl::ascii_tolower(static_cast<unsigned char>(b));
    }
  };
  std::boyer_moore_horspool_searcher<std::string_view::const_iterator, Hash,
                                     Equal>
      searcher(needle.begin(), needle.end());
  return std::search(text.begin(), text.end(), searcher) != text.end();
}

// The longest run of ASCII letters, digits and e-mail punctuation of
// `text`, lower case.
std::string LongestAsciiRun(std::string_view text) {
  std::string best;
  std::string run;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (absl::ascii_isalnum(u) || c == '@' || c == '.' || c == '-' ||
        c == '_' || c == '+') {
      run += absl::ascii_tolower(u);
      continue;
    }
    if (run.size() > best.size()) best = run;
    run.clear();
  }
  if (run.size() > best.size()) best = run;
  return best;
}

}  // namespace

const std::vector<InventoryItem>& PersonalDataInventory() {
  using K = PersonalField;
  static const auto* const inventory = new std::vector<InventoryItem>{
      {"maillage.v1.Contact", "name", K::kContactPerson, "contacts",
       "reaching the right person in a partner organisation",
       "while the actor exists; erased with it or on request"},
      {"maillage.v1.Contact", "role", K::kContactPerson, "contacts",
       "knowing whom to ask for what",
       "while the actor exists; erased with it or on request"},
      {"maillage.v1.Contact", "email", K::kContactPerson, "contacts",
       "reaching the contact person",
       "while the actor exists; erased with it or on request"},
      {"maillage.v1.Contact", "phone", K::kContactPerson, "contacts",
       "reaching the contact person",
       "while the actor exists; erased with it or on request"},
      {"maillage.v1.Actor", "description", K::kFreeText, "actors",
       "presenting the organisation (may name people)",
       "while the actor exists"},
      {"maillage.v1.Exchange", "description", K::kFreeText, "actors",
       "detailing a need or an offer (may name people)",
       "while the actor exists"},
      {"maillage.v1.Suggestion", "requested_by", K::kPrincipalId,
       "suggestions, events",
       "knowing who asked for a suggestion (accountability)",
       "untouched suggestions deleted after --suggestion_retention_days; "
       "closed ones pseudonymised after "
       "--lifecycle_personal_data_retention_days; events deleted after "
       "--event_retention_days"},
      {"maillage.v1.Suggestion", "requested_by_name", K::kDisplayName,
       "suggestions, events", "showing who asked, in the pipeline",
       "as requested_by"},
      {"maillage.v1.Suggestion", "requested_by_note", K::kFreeText,
       "suggestions, events",
       "who asked at a shared dashboard, as the client said",
       "as requested_by"},
      {"maillage.v1.Suggestion", "dismiss_reason", K::kFreeText,
       "suggestions, events", "why an animator dismissed a suggestion",
       "as requested_by"},
      {"maillage.v1.SuggestionTransition", "performed_by", K::kPrincipalId,
       "suggestions, events", "who moved a suggestion (accountability)",
       "as requested_by"},
      {"maillage.v1.SuggestionTransition", "performed_by_name", K::kDisplayName,
       "suggestions, events", "showing who moved a suggestion",
       "as requested_by"},
      {"maillage.v1.SuggestionTransition", "performed_by_note", K::kFreeText,
       "suggestions, events",
       "who moved it at a shared dashboard, as the client said",
       "as requested_by"},
      {"maillage.v1.SuggestionTransition", "reason", K::kFreeText,
       "suggestions, events", "the animator's note on a move (meeting notes)",
       "as requested_by"},
      {"maillage.v1.Partnership", "description", K::kFreeText,
       "partnerships, events", "what a partnership is about (may name people)",
       "while the partnership is kept"},
      {"maillage.v1.Territory", "description", K::kFreeText, "territories",
       "what a custom zone is for", "while the zone exists"},
      {"maillage.v1.TerritoryFact", "title", K::kFreeText, "facts",
       "naming a fragility or an asset", "while the fact exists"},
      {"maillage.v1.TerritoryFact", "description", K::kFreeText, "facts",
       "detailing a fragility or an asset (may name people)",
       "while the fact exists"},
      {"maillage.v1.ApiKey", "label", K::kDisplayName, "api_keys",
       "naming a key's holder (often a person)",
       "while the key is kept (revoked keys included)"},
      {"maillage.v1.ApiKey", "created_by", K::kPrincipalId, "api_keys",
       "who created a key (accountability)", "as the key"},
      {"maillage.v1.AuditEntry", "principal_id", K::kPrincipalId, "audit",
       "who called (security, accountability)", "--audit_retention_days"},
      {"maillage.v1.AuditEntry", "peer", K::kNetworkAddress, "audit",
       "from where a call came (security)", "--audit_retention_days"},
      {"maillage.v1.AuditEntry", "note", K::kFreeText, "audit",
       "remarks the server adds (counts; no personal data by design)",
       "--audit_retention_days"},
  };
  return *inventory;
}

const InventoryItem* FindInventoryItem(const FieldDescriptor* field) {
  for (const InventoryItem& item : PersonalDataInventory()) {
    if (field->name() == item.field &&
        field->containing_type()->full_name() == item.message) {
      return &item;
    }
  }
  return nullptr;
}

std::string NormalisePhone(std::string_view phone) {
  std::string digits;
  for (char c : phone) {
    if (absl::ascii_isdigit(static_cast<unsigned char>(c))) digits += c;
  }
  absl::string_view trimmed = absl::StripLeadingAsciiWhitespace(AsAbsl(phone));
  if (!trimmed.empty() && trimmed.front() == '+' &&
      digits.rfind("33", 0) == 0) {
    digits = "0" + digits.substr(2);
  } else if (digits.rfind("0033", 0) == 0) {
    digits = "0" + digits.substr(4);
  }
  // "+33 (0)6 12 34 56 78"
  if (digits.size() == 11 && digits.rfind("00", 0) == 0) digits.erase(0, 1);
  return digits;
}

absl::StatusOr<DataSubject> DataSubject::From(const v1::DataSubject& subject,
                                              std::string_view path) {
  FieldViolations violations;
  auto at = [&](std::string_view field) {
    return absl::StrCat(AsAbsl(path), ".", AsAbsl(field));
  };
  DataSubject out;
  std::string email(absl::StripAsciiWhitespace(AsAbsl(subject.email())));
  if (!email.empty()) {
    if (email.size() > kEmailMax || email.find('@') == std::string::npos) {
      violations.Add(at("email"), "is not an e-mail address");
    }
    out.email_ = absl::AsciiStrToLower(email);
    out.email_folded_ = Fold(out.email_).chars;
    out.email_token_ = LongestAsciiRun(out.email_);
  }
  if (!subject.phone().empty()) {
    out.phone_ = NormalisePhone(subject.phone());
    if (subject.phone().size() > kPhoneMax ||
        out.phone_.size() < kPhoneDigitsMin) {
      violations.Add(at("phone"), "is not a phone number");
    }
  }
  std::string name(absl::StripAsciiWhitespace(AsAbsl(subject.name())));
  if (!name.empty()) {
    if (name.size() > kNameMax) violations.Add(at("name"), "is too long");
    out.name_ = Fold(name).chars;
    out.name_in_text_ = out.name_.find(U' ') != std::u32string::npos;
    out.name_token_ = LongestAsciiRun(name);
  }
  if (out.email_.empty() && out.phone_.empty() && out.name_.empty()) {
    violations.Add(std::string(path),
                   "name the person by e-mail, phone or name");
  }
  if (subject.principal_ids_size() > kPrincipalsMax) {
    violations.Add(at("principal_ids"),
                   absl::StrCat("at most ", kPrincipalsMax));
  }
  for (int i = 0; i < subject.principal_ids_size(); ++i) {
    const std::string& id = subject.principal_ids(i);
    if (id.empty() || id.size() > kPrincipalIdMax) {
      violations.Add(absl::StrCat(at("principal_ids"), "[", i, "]"),
                     "is not a principal id");
      continue;
    }
    out.principals_.insert(id);
  }
  RETURN_IF_ERROR(violations.ToStatus());
  return out;
}

bool DataSubject::IsContact(const v1::Contact& contact) const {
  if (!email_.empty() && absl::AsciiStrToLower(absl::StripAsciiWhitespace(
                             AsAbsl(contact.email()))) == email_) {
    return true;
  }
  if (!phone_.empty() && NormalisePhone(contact.phone()) == phone_) {
    return true;
  }
  return !name_.empty() && Fold(contact.name()).chars == name_;
}

bool DataSubject::MayBeMentionedIn(std::string_view text) const {
  if (!email_.empty() && ContainsAsciiCaseless(text, email_token_)) {
    return true;
  }
  if (name_in_text_ && ContainsAsciiCaseless(text, name_token_)) return true;
  if (phone_.empty()) return false;
  std::vector<std::pair<size_t, size_t>> spans;
  FindPhone(text, phone_, &spans);
  return !spans.empty();
}

std::vector<std::pair<size_t, size_t>> DataSubject::Mentions(
    std::string_view text) const {
  std::vector<std::pair<size_t, size_t>> spans;
  if (text.empty() || !MayBeMentionedIn(text)) return spans;
  if (!email_.empty() || name_in_text_) {
    Folded folded = Fold(text);
    if (!email_.empty()) FindFolded(folded, email_folded_, &spans);
    if (name_in_text_) FindFolded(folded, name_, &spans);
  }
  if (!phone_.empty()) FindPhone(text, phone_, &spans);
  std::sort(spans.begin(), spans.end());
  // Merge overlapping ranges (a name inside an e-mail address...).
  std::vector<std::pair<size_t, size_t>> merged;
  for (const auto& span : spans) {
    if (!merged.empty() && span.first < merged.back().second) {
      merged.back().second = std::max(merged.back().second, span.second);
    } else {
      merged.push_back(span);
    }
  }
  return merged;
}

std::string DataSubject::Redact(std::string_view text) const {
  std::string out;
  size_t at = 0;
  for (const auto& [begin, end] : Mentions(text)) {
    out.append(text.substr(at, begin - at));
    out.append(kErasedMention);
    at = end;
  }
  out.append(text.substr(at));
  return out;
}

std::vector<std::string> DataSubject::principals() const {
  std::vector<std::string> out(principals_.begin(), principals_.end());
  std::sort(out.begin(), out.end());
  return out;
}

std::string DataSubject::Fingerprint() const {
  std::string name;
  for (char32_t c : name_) {
    utf8proc_uint8_t buffer[4];
    utf8proc_ssize_t n =
        utf8proc_encode_char(static_cast<utf8proc_int32_t>(c), buffer);
    name.append(reinterpret_cast<const char*>(buffer), static_cast<size_t>(n));
  }
  return absl::StrCat("email:", email_, "\nphone:", phone_, "\nname:", name);
}

void VisitPersonalFields(Message* message,
                         const PersonalFieldVisitor& visitor) {
  Visit(message, "", visitor);
}

}  // namespace maillage::core

#include "importer/directory_reader.h"

#include <cctype>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/strings.h"
#include "importer/formats.h"

namespace maillage::importer {

std::string_view FormatName(Format format) {
  switch (format) {
    case Format::kSirene:
      return "sirene";
    case Format::kRna:
      return "rna";
    case Format::kJsonl:
      return "jsonl";
    case Format::kCsv:
      return "csv";
  }
  return "?";
}

std::optional<Format> ParseFormat(std::string_view name) {
  for (Format f :
       {Format::kSirene, Format::kRna, Format::kJsonl, Format::kCsv}) {
    if (FormatName(f) == name) return f;
  }
  return std::nullopt;
}

absl::StatusOr<ColumnMapping> ParseColumnMapping(std::string_view text) {
  size_t eq = text.rfind('=');
  if (eq == std::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "column mapping '", AsAbsl(text), "': expected column=field"));
  }
  ColumnMapping mapping;
  mapping.column = std::string(internal::Trim(text.substr(0, eq)));
  mapping.field = std::string(internal::Trim(text.substr(eq + 1)));
  if (mapping.column.empty() || mapping.field.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "column mapping '", AsAbsl(text), "': expected column=field"));
  }
  return mapping;
}

absl::StatusOr<std::unique_ptr<ByteSource>> OpenInput(
    const DirectoryOptions& options) {
  if (options.content != nullptr) {
    return SharedStringSource(options.content, options.path);
  }
  return OpenFile(options.path);
}

absl::StatusOr<std::unique_ptr<DirectoryReader>> DirectoryReader::Open(
    const DirectoryOptions& options) {
  if (options.format != Format::kJsonl &&
      (options.mappings == nullptr || options.geography == nullptr)) {
    return absl::InvalidArgumentError(
        absl::StrCat("the ", AsAbsl(FormatName(options.format)),
                     " format needs the mappings and the geography"));
  }
  absl::StatusOr<std::unique_ptr<DirectoryReader>> reader;
  switch (options.format) {
    case Format::kSirene:
      reader = internal::OpenSirene(options);
      break;
    case Format::kRna:
      reader = internal::OpenRna(options);
      break;
    case Format::kJsonl:
      reader = internal::OpenJsonl(options);
      break;
    case Format::kCsv:
      reader = internal::OpenLabCsv(options);
      break;
  }
  if (reader.ok()) (*reader)->keep_raw_ = options.keep_raw;
  return reader;
}

DirectoryReader::~DirectoryReader() = default;

bool DirectoryReader::Next(Row* row) {
  row->field.clear();
  row->reason.clear();
  row->raw.clear();
  row->encoded = false;
  if (!ReadRow(row)) return false;
  ++counters_.rows;
  switch (row->outcome) {
    case Row::Outcome::kActor:
      ++counters_.actors;
      break;
    case Row::Outcome::kSkipped: {
      ++counters_.skipped;
      auto it = counters_.skipped_by_reason.find(row->reason);
      if (it == counters_.skipped_by_reason.end()) {
        counters_.skipped_by_reason.emplace(row->reason, 1);
      } else {
        ++it->second;
      }
      break;
    }
    case Row::Outcome::kRejected:
      ++counters_.rejected;
      break;
  }
  counters_.encoding = encoding();
  return true;
}

namespace internal {

bool CsvFormatReader::StartRow(Row* row) {
  if (!csv_->Next(&record_)) {
    status_ = csv_->status();
    return false;
  }
  row->row_number = record_.row_number;
  row->outcome = Row::Outcome::kActor;
  row->actor.Clear();
  if (keep_raw_) row->raw.assign(record_.raw.data(), record_.raw.size());
  if (!record_.ok()) Reject(row, -1, record_.error);
  return true;
}

void CsvFormatReader::Reject(Row* row, int column, std::string reason) {
  row->outcome = Row::Outcome::kRejected;
  if (column >= 0) row->field = csv_->header()[column];
  row->reason = std::move(reason);
  row->raw.assign(record_.raw.data(), record_.raw.size());
}

void CsvFormatReader::Skip(Row* row, std::string_view reason) {
  row->outcome = Row::Outcome::kSkipped;
  row->reason.assign(reason.data(), reason.size());
}

namespace {

// Spaces and the ASCII control characters, which SetText turns into spaces.
bool IsBlankByte(char c) {
  auto u = static_cast<unsigned char>(c);
  return u <= 0x20 || u == 0x7F;
}

}  // namespace

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsBlankByte(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsBlankByte(s.back())) s.remove_suffix(1);
  return s;
}

void SetText(std::string_view text, size_t max_chars, bool multiline,
             std::string* out) {
  text = Trim(text);
  bool plain = text.size() <= max_chars;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) {
      plain = false;
      break;
    }
  }
  if (plain) {
    out->assign(text.data(), text.size());
    return;
  }
  out->clear();
  size_t chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    auto u = static_cast<unsigned char>(text[i]);
    if ((u & 0xC0) != 0x80) {  // a character starts here
      if (chars == max_chars) break;
      ++chars;
    }
    if (u < 0x20 || u == 0x7F) {
      bool keep = multiline && (u == '\n' || u == '\t');
      if (u == '\r' && multiline) continue;  // CRLF -> LF
      out->push_back(keep ? static_cast<char>(u) : ' ');
    } else {
      out->push_back(static_cast<char>(u));
    }
  }
  while (!out->empty() && out->back() == ' ') out->pop_back();
}

bool NormalizeWebsite(std::string_view text, std::string* out) {
  text = Trim(text);
  if (text.empty() || text.size() > kUrlMax - 8) return false;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7F) return false;
  }
  auto starts = [&](std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    for (size_t i = 0; i < prefix.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) {
        return false;
      }
    }
    return true;
  };
  if (starts("http://") || starts("https://")) {
    out->assign(text.data(), text.size());
    // The API wants the scheme in lower case.
    for (size_t i = 0; i < 5; ++i) {
      (*out)[i] = static_cast<char>(
          std::tolower(static_cast<unsigned char>((*out)[i])));
    }
    return true;
  }
  if (text.find('.') == std::string_view::npos ||
      text.find("://") != std::string_view::npos) {
    return false;
  }
  out->assign("http://");
  out->append(text.data(), text.size());
  return true;
}

void ApplyActivity(const ActivityRule& rule, v1::Actor* actor) {
  for (const std::string& theme : rule.themes) {
    bool has = false;
    for (const std::string& t : actor->themes()) {
      if (t == theme) {
        has = true;
        break;
      }
    }
    if (!has) actor->add_themes(theme);
  }
  for (const OfferRule& offer : rule.offers) {
    bool has = false;
    for (const v1::Exchange& e : actor->offers()) {
      if (e.resource() == offer.resource && e.theme() == offer.theme) {
        has = true;
        break;
      }
    }
    if (has) continue;
    v1::Exchange* e = actor->add_offers();
    e->set_resource(offer.resource);
    e->set_theme(offer.theme);
  }
}

}  // namespace internal
}  // namespace maillage::importer

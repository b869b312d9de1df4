#include "importer/mappings.h"

#include <cctype>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "maillage/v1/actor_subtypes.h"
#include "territory/name_folding.h"

namespace maillage::importer {
namespace {

struct Line {
  int number = 0;
  std::vector<std::string> fields;
};

// A mapping file: '#' comments and blank lines ignored, then a header line
// that must be exactly `columns`, then data lines of at most that many
// tab-separated fields (missing trailing fields are empty).
class TsvFile {
 public:
  static absl::StatusOr<TsvFile> Read(const std::string& path,
                                      const std::vector<std::string>& columns) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
    std::ostringstream contents;
    contents << in.rdbuf();
    if (in.bad()) {
      return absl::DataLossError(absl::StrCat("cannot read ", path));
    }
    TsvFile file;
    file.path_ = path;
    bool header_seen = false;
    int number = 0;
    for (absl::string_view raw : absl::StrSplit(contents.str(), '\n')) {
      ++number;
      if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
      if (absl::StripAsciiWhitespace(raw).empty() || raw[0] == '#') continue;
      std::vector<std::string> fields = absl::StrSplit(raw, '\t');
      for (std::string& f : fields) {
        f = std::string(absl::StripAsciiWhitespace(f));
      }
      if (!header_seen) {
        if (fields != columns) {
          return file.Error(
              number, absl::StrCat("expected the header line \"",
                                   absl::StrJoin(columns, "<TAB>"), "\""));
        }
        header_seen = true;
        continue;
      }
      if (fields.size() > columns.size()) {
        return file.Error(
            number, absl::StrCat("expected at most ", columns.size(),
                                 " tab-separated fields, got ", fields.size()));
      }
      fields.resize(columns.size());
      file.lines_.push_back({number, std::move(fields)});
    }
    if (!header_seen) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": no header line"));
    }
    return file;
  }

  absl::Status Error(int line, std::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat(path_, ":", line, ": ", AsAbsl(what)));
  }
  const std::vector<Line>& lines() const { return lines_; }

 private:
  std::string path_;
  std::vector<Line> lines_;
};

bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return !s.empty();
}

absl::StatusOr<v1::ActorKind> ParseKind(const TsvFile& file, const Line& line,
                                        std::string_view text,
                                        bool allow_empty) {
  if (text.empty() && allow_empty) return v1::ACTOR_KIND_UNSPECIFIED;
  v1::ActorKind kind;
  if (!v1::ActorKind_Parse(
          absl::StrCat("ACTOR_KIND_", absl::AsciiStrToUpper(AsAbsl(text))),
          &kind) ||
      kind == v1::ACTOR_KIND_UNSPECIFIED) {
    return file.Error(
        line.number,
        absl::StrCat("unknown kind \"", AsAbsl(text),
                     "\" (association, company, public_body, academic, "
                     "media)"));
  }
  return kind;
}

absl::StatusOr<v1::ActorSubtype> ParseSubtype(const TsvFile& file,
                                              const Line& line,
                                              std::string_view text,
                                              v1::ActorKind kind) {
  if (text.empty() || text == "-") return v1::ACTOR_SUBTYPE_UNSPECIFIED;
  v1::ActorSubtype subtype;
  if (!v1::ActorSubtype_Parse(
          absl::StrCat("ACTOR_SUBTYPE_", absl::AsciiStrToUpper(AsAbsl(text))),
          &subtype) ||
      subtype == v1::ACTOR_SUBTYPE_UNSPECIFIED) {
    return file.Error(line.number,
                      absl::StrCat("unknown subtype \"", AsAbsl(text), "\""));
  }
  if (!v1::SubtypeFitsKind(kind, subtype)) {
    return file.Error(line.number, absl::StrCat("subtype \"", AsAbsl(text),
                                                "\" does not apply to kind ",
                                                v1::ActorKind_Name(kind)));
  }
  return subtype;
}

absl::Status ParseThemes(const TsvFile& file, const Line& line,
                         const matcher::Vocabulary& vocabulary,
                         std::string_view text, std::vector<std::string>* out) {
  if (text.empty() || text == "-") return absl::OkStatus();
  for (absl::string_view theme : absl::StrSplit(AsAbsl(text), '|')) {
    theme = absl::StripAsciiWhitespace(theme);
    std::string_view code(theme.data(), theme.size());
    if (!vocabulary.Theme(code).has_value()) {
      return file.Error(line.number,
                        absl::StrCat("unknown theme \"", theme,
                                     "\" (not in the vocabulary, "
                                     "reference/vocab/themes.tsv)"));
    }
    out->emplace_back(code);
  }
  return absl::OkStatus();
}

absl::Status ParseOffers(const TsvFile& file, const Line& line,
                         const matcher::Vocabulary& vocabulary,
                         std::string_view text, std::vector<OfferRule>* out) {
  if (text.empty() || text == "-") return absl::OkStatus();
  for (absl::string_view item : absl::StrSplit(AsAbsl(text), '|')) {
    std::pair<absl::string_view, absl::string_view> parts =
        absl::StrSplit(item, absl::MaxSplits(':', 1));
    OfferRule rule;
    rule.resource = std::string(absl::StripAsciiWhitespace(parts.first));
    rule.theme = std::string(absl::StripAsciiWhitespace(parts.second));
    if (!vocabulary.Resource(rule.resource).has_value()) {
      return file.Error(line.number,
                        absl::StrCat("unknown resource \"", rule.resource,
                                     "\" (not in the vocabulary, "
                                     "reference/vocab/resources.tsv)"));
    }
    if (!rule.theme.empty() && !vocabulary.Theme(rule.theme).has_value()) {
      return file.Error(line.number,
                        absl::StrCat("unknown theme \"", rule.theme,
                                     "\" (not in the vocabulary, "
                                     "reference/vocab/themes.tsv)"));
    }
    out->push_back(std::move(rule));
  }
  return absl::OkStatus();
}

absl::Status CheckPrefix(const TsvFile& file, const Line& line,
                         std::string_view prefix, size_t min_length,
                         size_t max_length, std::string_view what) {
  if (prefix.size() < min_length || prefix.size() > max_length ||
      !AllDigits(prefix)) {
    return file.Error(
        line.number,
        absl::StrCat("invalid ", AsAbsl(what), " \"", AsAbsl(prefix), "\" (",
                     min_length, " to ", max_length, " digits)"));
  }
  return absl::OkStatus();
}

}  // namespace

std::optional<std::string> NormalizeNaf(std::string_view code) {
  std::string out;
  for (char c : code) {
    if (c == '.' || c == ' ') continue;
    out.push_back(
        static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  if (out.size() != 5 || !AllDigits(std::string_view(out).substr(0, 4)) ||
      out[4] < 'A' || out[4] > 'Z') {
    return std::nullopt;
  }
  return out;
}

absl::StatusOr<std::unique_ptr<Mappings>> Mappings::Load(
    const std::string& reference_dir) {
  ASSIGN_OR_RETURN(matcher::Vocabulary vocabulary,
                   matcher::Vocabulary::LoadFromDir(reference_dir + "/vocab"));
  return LoadFrom(reference_dir + "/mappings", vocabulary);
}

absl::StatusOr<std::unique_ptr<Mappings>> Mappings::LoadFrom(
    const std::string& dir, const matcher::Vocabulary& vocabulary) {
  std::unique_ptr<Mappings> m(new Mappings(vocabulary));
  m->AddVocabularyNames();
  RETURN_IF_ERROR(m->LoadLegalCategories(dir + "/legal_categories.tsv"));
  RETURN_IF_ERROR(m->LoadNaf(dir + "/naf.tsv"));
  RETURN_IF_ERROR(m->LoadPurposes(dir + "/rna_purposes.tsv"));
  RETURN_IF_ERROR(m->LoadHeadCounts(dir + "/head_counts.tsv"));
  RETURN_IF_ERROR(m->LoadKindWords(dir + "/kind_words.tsv"));
  return m;
}

void Mappings::AddVocabularyNames() {
  for (size_t i = 0; i < vocabulary_.theme_count(); ++i) {
    auto t = static_cast<uint8_t>(i);
    std::string code(vocabulary_.ThemeCode(t));
    for (std::string_view name :
         {vocabulary_.ThemeCode(t), vocabulary_.ThemeLabel(t),
          vocabulary_.ThemeLabelEn(t)}) {
      theme_names_.emplace(territory::FoldName(name), code);
    }
  }
  for (size_t i = 0; i < vocabulary_.resource_count(); ++i) {
    auto r = static_cast<uint8_t>(i);
    std::string code(vocabulary_.ResourceCode(r));
    for (std::string_view name :
         {vocabulary_.ResourceCode(r), vocabulary_.ResourceLabel(r),
          vocabulary_.ResourceLabelEn(r)}) {
      resource_names_.emplace(territory::FoldName(name), code);
    }
  }
}

absl::Status Mappings::LoadLegalCategories(const std::string& path) {
  ASSIGN_OR_RETURN(TsvFile file,
                   TsvFile::Read(path, {"code", "kind", "subtype", "label"}));
  absl::flat_hash_map<std::string, const LegalCategoryRule*> by_prefix;
  for (const Line& line : file.lines()) {
    auto rule = std::make_unique<LegalCategoryRule>();
    rule->prefix = line.fields[0];
    RETURN_IF_ERROR(
        CheckPrefix(file, line, rule->prefix, 1, 4, "legal category prefix"));
    if (line.fields[1] == "skip") {
      rule->skip = true;
    } else {
      ASSIGN_OR_RETURN(rule->kind,
                       ParseKind(file, line, line.fields[1], false));
      ASSIGN_OR_RETURN(rule->subtype,
                       ParseSubtype(file, line, line.fields[2], rule->kind));
    }
    rule->label = line.fields[3];
    if (rule->skip && rule->label.empty()) {
      return file.Error(line.number,
                        "a skip rule needs a label: it is the reason "
                        "reported for the skipped rows");
    }
    if (!by_prefix.emplace(rule->prefix, rule.get()).second) {
      return file.Error(line.number,
                        absl::StrCat("duplicate code \"", rule->prefix, "\""));
    }
    legal_rules_.push_back(std::move(rule));
  }
  for (int code = 0; code < 10000; ++code) {
    std::string digits =
        absl::StrCat(code / 1000, code / 100 % 10, code / 10 % 10, code % 10);
    for (size_t length = 4; length >= 1; --length) {
      auto it = by_prefix.find(digits.substr(0, length));
      if (it != by_prefix.end()) {
        legal_by_code_[code] = it->second;
        break;
      }
    }
  }
  return absl::OkStatus();
}

absl::Status Mappings::LoadNaf(const std::string& path) {
  ASSIGN_OR_RETURN(
      TsvFile file,
      TsvFile::Read(path, {"code", "themes", "offers", "kind", "label"}));
  for (const Line& line : file.lines()) {
    ActivityRule rule;
    rule.prefix = line.fields[0];
    std::string key;
    for (char c : rule.prefix) {
      if (c != '.') key.push_back(c);
    }
    bool shape = key.size() >= 2 && key.size() <= 5 &&
                 AllDigits(std::string_view(key).substr(
                     0, std::min<size_t>(key.size(), 4)));
    if (key.size() == 5) shape = shape && key[4] >= 'A' && key[4] <= 'Z';
    if (!shape) {
      return file.Error(line.number,
                        absl::StrCat("invalid NAF prefix \"", rule.prefix,
                                     "\" (\"88\", \"88.9\", \"88.99\" or "
                                     "\"88.99B\")"));
    }
    RETURN_IF_ERROR(
        ParseThemes(file, line, vocabulary_, line.fields[1], &rule.themes));
    RETURN_IF_ERROR(
        ParseOffers(file, line, vocabulary_, line.fields[2], &rule.offers));
    ASSIGN_OR_RETURN(rule.kind, ParseKind(file, line, line.fields[3], true));
    if (!naf_.emplace(key, std::move(rule)).second) {
      return file.Error(
          line.number, absl::StrCat("duplicate code \"", line.fields[0], "\""));
    }
  }
  return absl::OkStatus();
}

absl::Status Mappings::LoadPurposes(const std::string& path) {
  ASSIGN_OR_RETURN(TsvFile file,
                   TsvFile::Read(path, {"code", "themes", "offers", "label"}));
  for (const Line& line : file.lines()) {
    ActivityRule rule;
    rule.prefix = line.fields[0];
    RETURN_IF_ERROR(
        CheckPrefix(file, line, rule.prefix, 3, 6, "purpose code prefix"));
    RETURN_IF_ERROR(
        ParseThemes(file, line, vocabulary_, line.fields[1], &rule.themes));
    RETURN_IF_ERROR(
        ParseOffers(file, line, vocabulary_, line.fields[2], &rule.offers));
    std::string key = rule.prefix;
    if (!purposes_.emplace(key, std::move(rule)).second) {
      return file.Error(line.number,
                        absl::StrCat("duplicate code \"", key, "\""));
    }
  }
  return absl::OkStatus();
}

absl::Status Mappings::LoadHeadCounts(const std::string& path) {
  ASSIGN_OR_RETURN(TsvFile file,
                   TsvFile::Read(path, {"code", "size_band", "label"}));
  for (const Line& line : file.lines()) {
    v1::SizeBand band;
    if (!v1::SizeBand_Parse(
            absl::StrCat("SIZE_BAND_", absl::AsciiStrToUpper(line.fields[1])),
            &band)) {
      return file.Error(line.number,
                        absl::StrCat("unknown size band \"", line.fields[1],
                                     "\" (none, micro, small, medium, "
                                     "large, very_large, unspecified)"));
    }
    if (line.fields[0].empty() ||
        !head_counts_.emplace(line.fields[0], band).second) {
      return file.Error(line.number, absl::StrCat("duplicate or empty code \"",
                                                  line.fields[0], "\""));
    }
  }
  return absl::OkStatus();
}

absl::Status Mappings::LoadKindWords(const std::string& path) {
  ASSIGN_OR_RETURN(TsvFile file,
                   TsvFile::Read(path, {"word", "kind", "subtype"}));
  for (const Line& line : file.lines()) {
    KindWord word;
    ASSIGN_OR_RETURN(word.kind, ParseKind(file, line, line.fields[1], false));
    ASSIGN_OR_RETURN(word.subtype,
                     ParseSubtype(file, line, line.fields[2], word.kind));
    std::string folded = territory::FoldName(line.fields[0]);
    if (folded.empty() || !kind_words_.emplace(folded, word).second) {
      return file.Error(line.number, absl::StrCat("duplicate or empty word \"",
                                                  line.fields[0], "\""));
    }
  }
  // The API names always work.
  for (int k = v1::ActorKind_MIN; k <= v1::ActorKind_MAX; ++k) {
    if (!v1::ActorKind_IsValid(k) || k == v1::ACTOR_KIND_UNSPECIFIED) continue;
    auto kind = static_cast<v1::ActorKind>(k);
    std::string name = v1::ActorKind_Name(kind);
    kind_words_.emplace(territory::FoldName(name), KindWord{kind, {}});
    kind_words_.emplace(territory::FoldName(name.substr(11)),
                        KindWord{kind, {}});
  }
  return absl::OkStatus();
}

const LegalCategoryRule* Mappings::LegalCategory(std::string_view code) const {
  if (code.size() != 4 || !AllDigits(code)) return nullptr;
  int n = (code[0] - '0') * 1000 + (code[1] - '0') * 100 +
          (code[2] - '0') * 10 + (code[3] - '0');
  return legal_by_code_[n];
}

const ActivityRule* Mappings::Longest(
    const absl::flat_hash_map<std::string, ActivityRule>& rules,
    std::string_view code, size_t min_length) {
  for (size_t length = code.size(); length >= min_length && length > 0;
       --length) {
    auto it = rules.find(AsAbsl(code.substr(0, length)));
    if (it != rules.end()) return &it->second;
  }
  return nullptr;
}

const ActivityRule* Mappings::Naf(std::string_view code) const {
  char key[5];
  size_t n = 0;
  for (char c : code) {
    if (c == '.' || c == ' ') continue;
    if (n == 5) return nullptr;
    key[n++] = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  if (n != 5) return nullptr;
  return Longest(naf_, std::string_view(key, n), 2);
}

const ActivityRule* Mappings::Purpose(std::string_view code) const {
  if (code.size() > 6 || !AllDigits(code)) return nullptr;
  return Longest(purposes_, code, 3);
}

std::optional<v1::SizeBand> Mappings::HeadCount(std::string_view code) const {
  auto it = head_counts_.find(AsAbsl(code));
  if (it == head_counts_.end()) return std::nullopt;
  return it->second;
}

std::optional<KindWord> Mappings::Kind(std::string_view word) const {
  auto it = kind_words_.find(territory::FoldName(word));
  if (it == kind_words_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string_view> Mappings::Theme(std::string_view text) const {
  auto it = theme_names_.find(territory::FoldName(text));
  if (it == theme_names_.end()) return std::nullopt;
  return std::string_view(it->second);
}

std::optional<std::string_view> Mappings::Resource(
    std::string_view text) const {
  auto it = resource_names_.find(territory::FoldName(text));
  if (it == resource_names_.end()) return std::nullopt;
  return std::string_view(it->second);
}

}  // namespace maillage::importer

#include "importer/legal_units.h"

#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"

namespace maillage::importer {
namespace {

constexpr uint64_t kSocialEconomyBit = uint64_t{1} << 63;
constexpr uint64_t kRnaMask = (uint64_t{1} << 47) - 1;
constexpr char kBase36[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

int Base36Digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  return -1;
}

// "W751234567" -> base-36 value of "751234567" plus one; 0 when malformed.
uint64_t EncodeRna(std::string_view rna) {
  if (rna.size() != 10 || (rna[0] != 'W' && rna[0] != 'w')) return 0;
  uint64_t value = 0;
  for (size_t i = 1; i < 10; ++i) {
    int d = Base36Digit(rna[i]);
    if (d < 0) return 0;
    value = value * 36 + static_cast<uint64_t>(d);
  }
  return value + 1;
}

std::string DecodeRna(uint64_t encoded) {
  std::string out(10, '0');
  out[0] = 'W';
  uint64_t value = encoded - 1;
  for (size_t i = 9; i >= 1; --i) {
    out[i] = kBase36[value % 36];
    value /= 36;
  }
  return out;
}

uint16_t ParseCategory(std::string_view code) {
  if (code.size() != 4) return 0;
  unsigned n = 0;
  for (char c : code) {
    if (c < '0' || c > '9') return 0;
    n = n * 10 + static_cast<unsigned>(c - '0');
  }
  return static_cast<uint16_t>(n);
}

std::string_view Usable(std::string_view s) {
  return s == "[ND]" ? std::string_view() : s;
}

}  // namespace

std::optional<uint32_t> ParseSiren(std::string_view siren) {
  if (siren.size() != 9) return std::nullopt;
  uint32_t n = 0;
  for (char c : siren) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<uint32_t>(c - '0');
  }
  return n;
}

absl::StatusOr<std::unique_ptr<LegalUnitTable>> LegalUnitTable::Load(
    const std::string& path, const CsvOptions& options) {
  ASSIGN_OR_RETURN(auto source, OpenFile(path));
  return Load(std::move(source), options);
}

absl::StatusOr<std::unique_ptr<LegalUnitTable>> LegalUnitTable::Load(
    std::unique_ptr<ByteSource> source, const CsvOptions& options) {
  ASSIGN_OR_RETURN(auto reader,
                   CsvReader::FromSource(std::move(source), options));
  const std::string& path = reader->name();
  const int siren = reader->Column("siren");
  const int state = reader->Column("etatAdministratifUniteLegale");
  const int name = reader->Column("denominationUniteLegale");
  const int usual_name = reader->Column("denominationUsuelle1UniteLegale");
  const int acronym = reader->Column("sigleUniteLegale");
  const int category = reader->Column("categorieJuridiqueUniteLegale");
  const int ess = reader->Column("economieSocialeSolidaireUniteLegale");
  const int rna = reader->Column("identifiantAssociationUniteLegale");
  std::vector<std::string> missing;
  if (siren < 0) missing.push_back("siren");
  if (name < 0) missing.push_back("denominationUniteLegale");
  if (category < 0) missing.push_back("categorieJuridiqueUniteLegale");
  if (!missing.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": not a SIRENE legal-unit file (StockUniteLegale): no column ",
        absl::StrJoin(missing, ", ")));
  }

  std::unique_ptr<LegalUnitTable> table(new LegalUnitTable());
  CsvRecord record;
  while (reader->Next(&record)) {
    ++table->stats_.rows;
    if (!record.ok()) {
      ++table->stats_.rejected;
      continue;
    }
    if (record.field(state) == "C") {
      ++table->stats_.ceased;
      continue;
    }
    std::optional<uint32_t> number = ParseSiren(record.field(siren));
    if (!number) {
      ++table->stats_.rejected;
      continue;
    }
    std::string_view label = Usable(record.field(name));
    if (label.empty()) label = Usable(record.field(usual_name));
    if (label.empty()) label = Usable(record.field(acronym));
    if (label.size() > std::numeric_limits<uint16_t>::max()) {
      label = label.substr(0, std::numeric_limits<uint16_t>::max());
    }
    if (table->names_.size() + label.size() >
        std::numeric_limits<uint32_t>::max()) {
      return absl::ResourceExhaustedError(absl::StrCat(
          path, ": more than 4 GiB of legal-unit names; split the file"));
    }
    Packed unit;
    unit.name_offset = static_cast<uint32_t>(table->names_.size());
    unit.name_length = static_cast<uint16_t>(label.size());
    unit.category = ParseCategory(record.field(category));
    unit.rna_and_flags = EncodeRna(record.field(rna)) & kRnaMask;
    if (record.field(ess) == "O") unit.rna_and_flags |= kSocialEconomyBit;
    auto [it, inserted] = table->index_.emplace(
        *number, static_cast<uint32_t>(table->units_.size()));
    if (!inserted) {
      // A SIREN twice: the later row wins (the name bytes of the first stay
      // unused; duplicates are rare in INSEE stocks).
      table->units_[it->second] = unit;
    } else {
      table->units_.push_back(unit);
    }
    table->names_.append(label);
    ++table->stats_.kept;
  }
  if (!reader->status().ok()) return reader->status();
  table->units_.shrink_to_fit();
  table->names_.shrink_to_fit();
  return table;
}

std::optional<LegalUnitTable::Unit> LegalUnitTable::Find(
    std::string_view siren) const {
  std::optional<uint32_t> number = ParseSiren(siren);
  if (!number) return std::nullopt;
  return Find(*number);
}

std::optional<LegalUnitTable::Unit> LegalUnitTable::Find(uint32_t siren) const {
  auto it = index_.find(siren);
  if (it == index_.end()) return std::nullopt;
  const Packed& p = units_[it->second];
  Unit unit;
  unit.name = std::string_view(names_.data() + p.name_offset, p.name_length);
  unit.category = p.category;
  unit.social_economy = (p.rna_and_flags & kSocialEconomyBit) != 0;
  if ((p.rna_and_flags & kRnaMask) != 0) {
    unit.rna = DecodeRna(p.rna_and_flags & kRnaMask);
  }
  return unit;
}

size_t LegalUnitTable::MemoryUsage() const {
  // flat_hash_map: one slot (key + value) and one control byte per bucket.
  size_t index_bytes =
      index_.bucket_count() * (sizeof(std::pair<uint32_t, uint32_t>) + 1);
  return index_bytes + units_.capacity() * sizeof(Packed) + names_.capacity();
}

}  // namespace maillage::importer

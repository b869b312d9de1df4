#ifndef MAILLAGE_IMPORTER_LEGAL_UNITS_H_
#define MAILLAGE_IMPORTER_LEGAL_UNITS_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "importer/byte_source.h"
#include "importer/csv_reader.h"

namespace maillage::importer {

// The legal units of a SIRENE StockUniteLegale file, kept in a compact table
// to join establishments with by SIREN.
//
// Only what the establishment mapping needs is kept: the name
// (denominationUniteLegale, else denominationUsuelle1UniteLegale, else
// sigleUniteLegale), the legal category, the social-economy flag and the RNA
// number; units that ceased (etatAdministratifUniteLegale "C") are left out
// (their establishments are closed too). Natural persons' names (nom,
// prénom) are never read.
//
// Memory: 16 bytes per unit in a vector, 8 bytes per slot of the SIREN
// index (load factor 7/16 to 7/8) and the name bytes: about 40 bytes plus
// the name, so roughly 1.2 GB for the ~16 million active units of the
// national file (name ~30 bytes). MemoryUsage() gives the exact figure.
//
// Immutable after Load; safe to share between threads.
class LegalUnitTable {
 public:
  struct Unit {
    std::string_view name;        // empty for natural persons
    uint16_t category = 0;        // categorieJuridiqueUniteLegale; 0 unknown
    bool social_economy = false;  // economieSocialeSolidaireUniteLegale "O"
    std::string rna;              // "W…" or empty
  };
  struct Stats {
    int64_t rows = 0;  // data rows read
    int64_t kept = 0;
    int64_t ceased = 0;    // left out: etatAdministratifUniteLegale "C"
    int64_t rejected = 0;  // malformed rows or SIREN
  };

  // Reads a StockUniteLegale file (',' separated, UTF-8, possibly gzip'd).
  // InvalidArgument when a needed column is missing; malformed rows are
  // counted in stats().rejected and otherwise ignored.
  static absl::StatusOr<std::unique_ptr<LegalUnitTable>> Load(
      const std::string& path, const CsvOptions& options = {});
  // The same from any source of bytes (an upload, a string).
  static absl::StatusOr<std::unique_ptr<LegalUnitTable>> Load(
      std::unique_ptr<ByteSource> source, const CsvOptions& options = {});

  // The unit with this SIREN (9 digits), or nullopt.
  std::optional<Unit> Find(std::string_view siren) const;
  std::optional<Unit> Find(uint32_t siren) const;

  size_t size() const { return units_.size(); }
  const Stats& stats() const { return stats_; }
  // Heap bytes held.
  size_t MemoryUsage() const;

 private:
  struct Packed {
    uint32_t name_offset;
    uint16_t name_length;
    uint16_t category;
    // Bits 0-46: the 9 characters after the "W" of the RNA number read in
    // base 36, plus one (0: none). Bit 63: social economy.
    uint64_t rna_and_flags;
  };
  static_assert(sizeof(Packed) == 16, "keep units compact");

  LegalUnitTable() = default;

  absl::flat_hash_map<uint32_t, uint32_t> index_;  // SIREN -> units_ index
  std::vector<Packed> units_;
  std::string names_;
  Stats stats_;
};

// A 9-digit SIREN as a number, or nullopt.
std::optional<uint32_t> ParseSiren(std::string_view siren);

}  // namespace maillage::importer

#endif  // MAILLAGE_IMPORTER_LEGAL_UNITS_H_

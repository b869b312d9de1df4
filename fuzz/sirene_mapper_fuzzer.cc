// The SIRENE row mapper (--format sirene: importer/sirene_format.cc) on
// arbitrary establishment files, with the real mappings and geography.
//
// Each input is read twice: alone (kind from the NAF code, name from the
// establishment) and joined with the legal units of
// importer/testdata/sirene_unites_legales.csv (name, legal category,
// social-economy flag, RNA number: the "rna:" ids of associations). It is
// also loaded as a legal-unit file (StockUniteLegale), the other input of
// a SIRENE import.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "fuzz/fuzz_support.h"
#include "importer/legal_units.h"

namespace {

const maillage::importer::LegalUnitTable* legal_units = nullptr;

// An establishment's actor has a name (rows without one are rejected) and
// is named after its SIRET, or its association's RNA number.
void CheckSireneRow(const maillage::importer::Row& row) {
  if (row.outcome != maillage::importer::Row::Outcome::kActor) return;
  const maillage::v1::Actor& actor = row.actor;
  FUZZ_CHECK(!actor.name().empty());
  FUZZ_CHECK(actor.id() == "siret:" + actor.legal_ids().siret() ||
             actor.id() == "rna:" + actor.legal_ids().rna());
}

// Loading counts every data row once.
void LoadLegalUnits(const uint8_t* data, size_t size) {
  auto units =
      maillage::importer::LegalUnitTable::Load(maillage::importer::StringSource(
          std::string(reinterpret_cast<const char*>(data), size)));
  if (!units.ok()) return;
  const auto& stats = (*units)->stats();
  FUZZ_CHECK(stats.rows == stats.kept + stats.ceased + stats.rejected);
  FUZZ_CHECK((*units)->size() <= static_cast<size_t>(stats.kept));
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  maillage::fuzz::ReferenceGeography();
  maillage::fuzz::ReferenceMappings();
  auto units = maillage::importer::LegalUnitTable::Load(
      maillage::fuzz::TestdataPath("sirene_unites_legales.csv"));
  FUZZ_CHECK(units.ok());
  legal_units = units->release();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static maillage::fuzz::ScratchFile file(".csv");
  maillage::importer::DirectoryOptions options;
  maillage::fuzz::UseAsInput(data, size, file, &options);
  options.format = maillage::importer::Format::kSirene;
  options.mappings = &maillage::fuzz::ReferenceMappings();
  options.geography = &maillage::fuzz::ReferenceGeography();
  maillage::fuzz::ReadAndCheckRows(options, CheckSireneRow);
  options.legal_units = legal_units;
  maillage::fuzz::ReadAndCheckRows(options, CheckSireneRow);
  LoadLegalUnits(data, size);
  return 0;
}

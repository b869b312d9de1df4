// The RNA row mapper (--format rna: importer/rna_format.cc) on arbitrary
// rna_waldec files, with the real mappings and geography. Every actor it
// makes is an association named "rna:W…", with a name (rows without one
// are rejected).

#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  maillage::fuzz::ReferenceGeography();
  maillage::fuzz::ReferenceMappings();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static maillage::fuzz::ScratchFile file(".csv");
  maillage::importer::DirectoryOptions options;
  maillage::fuzz::UseAsInput(data, size, file, &options);
  options.format = maillage::importer::Format::kRna;
  options.mappings = &maillage::fuzz::ReferenceMappings();
  options.geography = &maillage::fuzz::ReferenceGeography();
  maillage::fuzz::ReadAndCheckRows(
      options, [](const maillage::importer::Row& row) {
        if (row.outcome != maillage::importer::Row::Outcome::kActor) return;
        FUZZ_CHECK(row.actor.id().rfind("rna:W", 0) == 0);
        FUZZ_CHECK(row.actor.kind() == maillage::v1::ACTOR_KIND_ASSOCIATION);
        FUZZ_CHECK(!row.actor.name().empty());
      });
  return 0;
}

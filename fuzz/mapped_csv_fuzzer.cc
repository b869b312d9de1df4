// The lab spreadsheet format (--format csv --map column=field ...:
// importer/csv_format.cc) on arbitrary mappings and files, with the real
// mappings and geography.
//
// Input: the column mapping, one `column=field` a line as on the command
// line, then a line "--", then the file (split at the first "--" line). Inputs
// without the "--" line are read with the mapping of
// importer/testdata/lab_directory.csv.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_support.h"

namespace maillage::fuzz {
namespace {

constexpr std::string_view kDefaultMapping =
    "Identifiant=key\nnom de la structure=name\nTYPE=kind\n"
    "Code INSEE=home_commune\ncode_postal=postal_code\nCommune=commune_name\n"
    "Thematiques=themes\nOffres=offers\nBesoins=needs\nSite web=website\n"
    "Référent=contacts.name\nCourriel=contacts.email\n"
    "Description=description\n";

// Splits the input into its mapping and its file; false when a mapping
// line is malformed (the CLI refuses it before reading the file).
bool ParseInput(std::string_view input, importer::DirectoryOptions* options,
                std::string_view* file) {
  std::string_view mapping = kDefaultMapping;
  *file = input;
  size_t mapping_end = input.rfind("--\n", 0) == 0 ? 0 : input.find("\n--\n");
  if (mapping_end != std::string_view::npos) {
    mapping = input.substr(0, mapping_end);
    *file = input.substr(input.find("--\n", mapping_end) + 3);
  }
  while (!mapping.empty()) {
    size_t end = mapping.find('\n');
    std::string_view line = mapping.substr(0, end);
    mapping.remove_prefix(end == std::string_view::npos ? mapping.size()
                                                        : end + 1);
    if (line.empty()) continue;
    auto column = importer::ParseColumnMapping(line);
    if (!column.ok()) return false;
    options->columns.push_back(*std::move(column));
  }
  return true;
}

}  // namespace
}  // namespace maillage::fuzz

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  maillage::fuzz::ReferenceGeography();
  maillage::fuzz::ReferenceMappings();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static maillage::fuzz::ScratchFile file(".csv");
  maillage::importer::DirectoryOptions options;
  std::string_view content;
  if (!maillage::fuzz::ParseInput(
          std::string_view(reinterpret_cast<const char*>(data), size), &options,
          &content)) {
    return 0;
  }
  maillage::fuzz::UseAsInput(reinterpret_cast<const uint8_t*>(content.data()),
                             content.size(), file, &options);
  options.format = maillage::importer::Format::kCsv;
  options.source = "fuzz";
  options.default_kind = maillage::v1::ACTOR_KIND_ASSOCIATION;
  options.mappings = &maillage::fuzz::ReferenceMappings();
  options.geography = &maillage::fuzz::ReferenceGeography();
  maillage::fuzz::ReadAndCheckRows(options);
  return 0;
}

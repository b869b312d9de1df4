#include "fuzz/fuzz_support.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <utility>
#include <vector>

#include "base/utf8.h"
#include "importer/formats.h"

namespace maillage::fuzz {
namespace {

// The loaded value, moved to the heap for the life of the process.
template <typename T>
const T& LoadedOrDie(absl::StatusOr<T> loaded, const char* what) {
  if (!loaded.ok()) {
    std::fprintf(stderr, "cannot load %s: %s\n", what,
                 loaded.status().ToString().c_str());
    std::abort();
  }
  return *new T(std::move(*loaded));
}
template <typename T>
const T& LoadedOrDie(absl::StatusOr<std::unique_ptr<T>> loaded,
                     const char* what) {
  if (!loaded.ok()) {
    std::fprintf(stderr, "cannot load %s: %s\n", what,
                 loaded.status().ToString().c_str());
    std::abort();
  }
  return *loaded->release();
}

bool FieldIsUtf8(const google::protobuf::Message& message,
                 const google::protobuf::FieldDescriptor* field) {
  using google::protobuf::FieldDescriptor;
  const auto* reflection = message.GetReflection();
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING &&
      field->type() == FieldDescriptor::TYPE_STRING) {
    if (!field->is_repeated()) {
      return IsValidUtf8(reflection->GetString(message, field));
    }
    for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
      if (!IsValidUtf8(reflection->GetRepeatedString(message, field, i))) {
        return false;
      }
    }
    return true;
  }
  if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) return true;
  if (!field->is_repeated()) {
    return StringsAreUtf8(reflection->GetMessage(message, field));
  }
  for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
    if (!StringsAreUtf8(reflection->GetRepeatedMessage(message, field, i))) {
      return false;
    }
  }
  return true;
}

// What the CSV formats promise of an actor on top of valid UTF-8.
void CheckCsvActor(const v1::Actor& actor) {
  FUZZ_CHECK(!actor.id().empty());
  FUZZ_CHECK(CodePointCount(actor.name()) <= importer::internal::kNameMax);
  FUZZ_CHECK(CodePointCount(actor.description()) <=
             importer::internal::kDescriptionMax);
  const territory::Geography& geography = ReferenceGeography();
  auto commune =
      geography.Find(territory::Level::kCommune, actor.home_commune());
  FUZZ_CHECK(commune.has_value());
  FUZZ_CHECK(geography.Code(territory::Level::kCommune, *commune) ==
             actor.home_commune());
}

}  // namespace

void Fail(const char* condition, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, condition);
  std::abort();
}

const territory::Geography& ReferenceGeography() {
  static const territory::Geography& geography =
      LoadedOrDie(territory::Geography::Load(MAILLAGE_REFERENCE_DIR "/geo"),
                  "the geography");
  return geography;
}

const matcher::Vocabulary& ReferenceVocabulary() {
  static const matcher::Vocabulary& vocabulary = LoadedOrDie(
      matcher::Vocabulary::LoadFromDir(MAILLAGE_REFERENCE_DIR "/vocab"),
      "the vocabulary");
  return vocabulary;
}

const importer::Mappings& ReferenceMappings() {
  static const importer::Mappings& mappings = LoadedOrDie(
      importer::Mappings::Load(MAILLAGE_REFERENCE_DIR), "the mappings");
  return mappings;
}

std::string TestdataPath(std::string_view name) {
  return std::string(MAILLAGE_IMPORTER_TESTDATA "/").append(name);
}

ScratchFile::ScratchFile(std::string_view suffix) {
  const char* dir = std::getenv("TMPDIR");
  path_ = std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp")
              .append("/maillage-fuzz-")
              .append(std::to_string(getpid()))
              .append(suffix);
}

ScratchFile::~ScratchFile() { std::remove(path_.c_str()); }

void ScratchFile::Write(const uint8_t* data, size_t size) {
  std::FILE* file = std::fopen(path_.c_str(), "wb");
  bool written = file != nullptr && std::fwrite(data, 1, size, file) == size;
  if (file == nullptr || std::fclose(file) != 0 || !written) {
    std::perror(path_.c_str());
    std::abort();
  }
}

void UseAsInput(const uint8_t* data, size_t size, ScratchFile& file,
                importer::DirectoryOptions* options) {
  if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) {
    file.Write(data, size);
    options->path = file.path();
    options->content = nullptr;
    return;
  }
  options->path = "fuzz-input";
  options->content = std::make_shared<const std::string>(
      reinterpret_cast<const char*>(data), size);
}

bool StringsAreUtf8(const google::protobuf::Message& message) {
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  message.GetReflection()->ListFields(message, &fields);
  for (const auto* field : fields) {
    if (!FieldIsUtf8(message, field)) return false;
  }
  return true;
}

int64_t ReadAndCheckRows(
    const importer::DirectoryOptions& options,
    const std::function<void(const importer::Row&)>& check) {
  auto reader = importer::DirectoryReader::Open(options);
  if (!reader.ok()) return 0;
  importer::Row row;
  int64_t last_row_number = 0;
  while ((*reader)->Next(&row)) {
    FUZZ_CHECK(row.row_number > last_row_number);
    last_row_number = row.row_number;
    switch (row.outcome) {
      case importer::Row::Outcome::kActor:
        FUZZ_CHECK(StringsAreUtf8(row.actor));
        if (options.format != importer::Format::kJsonl) {
          CheckCsvActor(row.actor);
        }
        break;
      case importer::Row::Outcome::kSkipped:
        FUZZ_CHECK(!row.reason.empty());
        break;
      case importer::Row::Outcome::kRejected:
        FUZZ_CHECK(!row.reason.empty());
        break;
    }
    if (check) check(row);
  }
  const importer::Counters& counters = (*reader)->counters();
  FUZZ_CHECK(counters.rows ==
             counters.actors + counters.skipped + counters.rejected);
  return counters.rows;
}

}  // namespace maillage::fuzz

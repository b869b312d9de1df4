#include "territory/geography.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "territory/name_folding.h"

namespace maillage::territory {
namespace {

constexpr int kLevelCount = 5;

// Levels from the finest to the coarsest: the order in which a territory can
// be inside another (an EPT lies inside the Métropole du Grand Paris).
constexpr Level kByRank[kLevelCount] = {Level::kCommune, Level::kEpt,
                                        Level::kEpci, Level::kDepartement,
                                        Level::kRegion};

bool IsStandard(Level level) {
  return level >= Level::kCommune && level <= Level::kRegion;
}

int Slot(Level level) { return static_cast<int>(level) - 1; }

void SetAt(Place& place, Level level, uint32_t id) {
  switch (level) {
    case Level::kCommune:
      place.commune = id;
      break;
    case Level::kEpci:
      place.epci = id;
      break;
    case Level::kEpt:
      place.ept = id;
      break;
    case Level::kDepartement:
      place.departement = id;
      break;
    case Level::kRegion:
      place.region = id;
      break;
    default:
      break;
  }
}

[[noreturn]] void DieOutOfRange(Level level, uint32_t id) {
  std::fprintf(stderr, "territory::Geography: no %s number %u\n",
               std::string(LevelName(level)).c_str(), id);
  std::abort();
}

// Strings of one column, concatenated: compact and a single allocation.
class StringColumn {
 public:
  void Add(std::string_view s) {
    blob_.append(s);
    offsets_.push_back(static_cast<uint32_t>(blob_.size()));
  }
  std::string_view Get(uint32_t i) const {
    return std::string_view(blob_).substr(offsets_[i],
                                          offsets_[i + 1] - offsets_[i]);
  }
  uint32_t size() const { return static_cast<uint32_t>(offsets_.size() - 1); }
  void ShrinkToFit() {
    blob_.shrink_to_fit();
    offsets_.shrink_to_fit();
  }
  size_t Bytes() const {
    return blob_.capacity() + offsets_.capacity() * sizeof(uint32_t);
  }

 private:
  std::string blob_;
  std::vector<uint32_t> offsets_{0};
};

template <typename T>
size_t VectorBytes(const std::vector<T>& v) {
  return v.capacity() * sizeof(T);
}

// Five ASCII digits ("01400") as a number; nullopt otherwise.
std::optional<uint32_t> ParsePostalCode(std::string_view s) {
  if (s.size() != 5) return std::nullopt;
  uint32_t value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  return value;
}

std::vector<std::string_view> Split(std::string_view s, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == separator) {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

std::string FormatPostalCode(uint32_t value) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "%05u", value);
  return buf;
}

// One TSV file of reference/geo, read whole: comment lines ("#...") skipped,
// the header checked, every row split into exactly as many fields.
class Table {
 public:
  struct Row {
    int line;
    std::vector<std::string_view> fields;
  };

  static absl::StatusOr<Table> Read(const std::string& dir,
                                    const std::string& name,
                                    std::string_view header) {
    Table table;
    table.path_ = dir + "/" + name;
    std::ifstream in(table.path_, std::ios::binary);
    if (!in) {
      return absl::NotFoundError(
          absl::StrCat("reference geography: cannot open ", table.path_, ": ",
                       std::strerror(errno)));
    }
    std::ostringstream content;
    content << in.rdbuf();
    if (in.bad()) {
      return absl::DataLossError(
          absl::StrCat("reference geography: cannot read ", table.path_));
    }
    table.content_ = std::make_unique<std::string>(std::move(content).str());

    bool header_seen = false;
    size_t columns = 0;
    int line_number = 0;
    for (std::string_view line : Split(*table.content_, '\n')) {
      ++line_number;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.empty() || line.front() == '#') continue;
      std::vector<std::string_view> fields = Split(line, '\t');
      if (!header_seen) {
        if (line != header) {
          std::string expected(header);
          std::replace(expected.begin(), expected.end(), '\t', ' ');
          return absl::DataLossError(absl::StrCat(
              table.path_, ":", line_number, ": expected the columns \"",
              expected, "\" (a file of another format version?)"));
        }
        header_seen = true;
        columns = std::count(header.begin(), header.end(), '\t') + 1;
        continue;
      }
      if (fields.size() != columns) {
        return absl::DataLossError(
            absl::StrCat(table.path_, ":", line_number, ": ", fields.size(),
                         " fields instead of ", columns));
      }
      table.rows_.push_back({line_number, std::move(fields)});
    }
    if (!header_seen) {
      return absl::DataLossError(
          absl::StrCat(table.path_, ": empty or no header"));
    }
    return table;
  }

  const std::vector<Row>& rows() const { return rows_; }

  absl::Status Error(const Row& row, std::string_view message) const {
    return absl::DataLossError(
        absl::StrCat(path_, ":", row.line, ": ", AsAbsl(message)));
  }

 private:
  std::string path_;
  // rows_ point into it; on the heap so that moving a Table keeps them valid.
  std::unique_ptr<std::string> content_;
  std::vector<Row> rows_;
};

// Slots of the two-digit départements, then of 2A and 2B (Corsica).
constexpr size_t kDigitDepartements = 100;
constexpr size_t kCommunesPerDepartement = 1000;
constexpr size_t kCommuneCodeSlots =
    (kDigitDepartements + 2) * kCommunesPerDepartement;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Where a commune code goes in Geography::commune_by_code_: a current
// INSEE code is a département (two digits, 2A or 2B) then three digits, so
// the slot is the code read as a number (2A/2B after the others). nullopt
// for a code of any other form.
std::optional<size_t> CommuneCodeSlot(std::string_view code) {
  if (code.size() != 5 || !IsDigit(code[0]) || !IsDigit(code[2]) ||
      !IsDigit(code[3]) || !IsDigit(code[4])) {
    return std::nullopt;
  }
  size_t departement;
  if (IsDigit(code[1])) {
    departement = (code[0] - '0') * 10 + (code[1] - '0');
  } else if (code[0] == '2' && (code[1] == 'A' || code[1] == 'B')) {
    departement = kDigitDepartements + (code[1] - 'A');
  } else {
    return std::nullopt;
  }
  return departement * kCommunesPerDepartement + (code[2] - '0') * 100 +
         (code[3] - '0') * 10 + (code[4] - '0');
}

// SearchByName's order: population descending, then dense number (which
// follows the code).
bool MorePopulous(const std::vector<uint32_t>& population, uint32_t a,
                  uint32_t b) {
  return population[a] != population[b] ? population[a] > population[b] : a < b;
}

}  // namespace

struct Geography::LevelData {
  StringColumn codes;  // sorted (byte order): dense number = rank of code
  StringColumn names;
  StringColumn folded;              // FoldName(name)
  std::vector<uint32_t> by_folded;  // dense numbers sorted by (folded, code)
  // Dense numbers sorted by population descending, then by code: the order
  // of SearchByName's answers, walked when a short prefix matches many.
  std::vector<uint32_t> by_population;
  std::vector<uint32_t> population;
  std::vector<Place> places;
  // Communes inside each territory, CSR; unused for the commune level.
  std::vector<uint32_t> member_offsets;
  std::vector<uint32_t> members;

  uint32_t size() const { return codes.size(); }

  std::optional<uint32_t> Find(std::string_view code) const {
    uint32_t lo = 0, hi = size();
    while (lo < hi) {
      uint32_t mid = lo + (hi - lo) / 2;
      if (codes.Get(mid) < code) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    if (lo < size() && codes.Get(lo) == code) return lo;
    return std::nullopt;
  }

  size_t Bytes() const {
    return codes.Bytes() + names.Bytes() + folded.Bytes() +
           VectorBytes(by_folded) + VectorBytes(by_population) +
           VectorBytes(population) + VectorBytes(places) +
           VectorBytes(member_offsets) + VectorBytes(members);
  }
};

struct Geography::CommuneAlias {
  std::array<char, 5> code;
  CommuneResolution::Via via;
  uint32_t commune;

  std::string_view code_view() const {
    return std::string_view(code.data(), code.size());
  }
};

struct Geography::Relation {
  Level parent;
  Level child;
  std::vector<uint32_t> offsets;  // per parent, CSR into children
  std::vector<uint32_t> children;
};

// Builds a Geography from the files, checking each reference as it goes.
class Geography::Loader {
 public:
  explicit Loader(std::string dir)
      : dir_(std::move(dir)), geo_(new Geography()) {}

  absl::StatusOr<std::unique_ptr<Geography>> Run() {
    for (auto& level : geo_->levels_) level = std::make_unique<LevelData>();
    RETURN_IF_ERROR(LoadRegions());
    RETURN_IF_ERROR(LoadDepartements());
    RETURN_IF_ERROR(LoadEpcis());
    RETURN_IF_ERROR(LoadEpts());
    RETURN_IF_ERROR(LoadCommunes());
    BuildCommuneCodeTable();
    RETURN_IF_ERROR(LoadAliases());
    RETURN_IF_ERROR(BuildMembersAndPlaces());
    BuildRelations();
    BuildNameIndex();
    return std::move(geo_);
  }

 private:
  LevelData& At(Level level) { return *geo_->levels_[Slot(level)]; }

  void BuildCommuneCodeTable() {
    const LevelData& communes = At(Level::kCommune);
    geo_->commune_by_code_.assign(kCommuneCodeSlots, kNone);
    for (uint32_t c = 0; c < communes.size(); ++c) {
      // A code of another form (none in the official geography) is found
      // by the binary search of FindCurrentCommune.
      if (auto slot = CommuneCodeSlot(communes.codes.Get(c))) {
        geo_->commune_by_code_[*slot] = c;
      }
    }
  }

  // Appends the code (checking order) and the name of a row.
  absl::Status AddTerritory(const Table& table, const Table::Row& row,
                            Level level, std::string_view code,
                            std::string_view name) {
    LevelData& data = At(level);
    if (code.empty()) return table.Error(row, "empty code");
    if (data.size() > 0 && !(data.codes.Get(data.size() - 1) < code)) {
      return table.Error(row, absl::StrCat("code ", AsAbsl(code),
                                           " is not after the previous one"));
    }
    if (name.empty()) return table.Error(row, "empty name");
    data.codes.Add(code);
    data.names.Add(name);
    return absl::OkStatus();
  }

  absl::Status LoadRegions() {
    ASSIGN_OR_RETURN(Table table,
                     Table::Read(dir_, "regions.tsv", "code\tzone\tname"));
    for (const Table::Row& row : table.rows()) {
      std::string_view zone = row.fields[1];
      Zone parsed;
      if (zone == "metro") {
        parsed = Zone::kMetropole;
      } else if (zone == "drom") {
        parsed = Zone::kOverseasDepartment;
      } else if (zone == "com") {
        parsed = Zone::kOverseasCollectivity;
      } else {
        return table.Error(row, absl::StrCat("unknown zone ", AsAbsl(zone)));
      }
      RETURN_IF_ERROR(AddTerritory(table, row, Level::kRegion, row.fields[0],
                                   row.fields[2]));
      geo_->region_zones_.push_back(parsed);
    }
    return absl::OkStatus();
  }

  absl::Status LoadDepartements() {
    ASSIGN_OR_RETURN(Table table, Table::Read(dir_, "departements.tsv",
                                              "code\tregion\tname"));
    for (const Table::Row& row : table.rows()) {
      std::optional<uint32_t> region = At(Level::kRegion).Find(row.fields[1]);
      if (!region) {
        return table.Error(
            row, absl::StrCat("unknown région ", AsAbsl(row.fields[1])));
      }
      RETURN_IF_ERROR(AddTerritory(table, row, Level::kDepartement,
                                   row.fields[0], row.fields[2]));
      departement_region_.push_back(*region);
    }
    return absl::OkStatus();
  }

  absl::Status LoadEpcis() {
    ASSIGN_OR_RETURN(Table table,
                     Table::Read(dir_, "epci.tsv", "code\ttype\tname"));
    for (const Table::Row& row : table.rows()) {
      std::string_view type = row.fields[1];
      EpciType parsed;
      if (type == "CC") {
        parsed = EpciType::kCommunauteDeCommunes;
      } else if (type == "CA") {
        parsed = EpciType::kCommunauteAgglomeration;
      } else if (type == "CU") {
        parsed = EpciType::kCommunauteUrbaine;
      } else if (type == "METRO") {
        parsed = EpciType::kMetropole;
      } else if (type == "MET69") {
        parsed = EpciType::kMetropoleDeLyon;
      } else {
        return table.Error(row,
                           absl::StrCat("unknown EPCI type ", AsAbsl(type)));
      }
      RETURN_IF_ERROR(
          AddTerritory(table, row, Level::kEpci, row.fields[0], row.fields[2]));
      geo_->epci_types_.push_back(parsed);
    }
    return absl::OkStatus();
  }

  absl::Status LoadEpts() {
    ASSIGN_OR_RETURN(Table table, Table::Read(dir_, "ept.tsv", "code\tname"));
    for (const Table::Row& row : table.rows()) {
      RETURN_IF_ERROR(
          AddTerritory(table, row, Level::kEpt, row.fields[0], row.fields[1]));
    }
    return absl::OkStatus();
  }

  // An optional reference to a territory: "" is kNone.
  absl::StatusOr<uint32_t> Reference(const Table& table, const Table::Row& row,
                                     Level level, std::string_view code) {
    if (code.empty()) return kNone;
    std::optional<uint32_t> id = At(level).Find(code);
    if (!id) {
      return table.Error(row, absl::StrCat("unknown ", AsAbsl(LevelName(level)),
                                           " ", AsAbsl(code)));
    }
    return *id;
  }

  absl::Status LoadCommunes() {
    ASSIGN_OR_RETURN(
        Table table,
        Table::Read(
            dir_, "communes.tsv",
            "code\tdepartement\tepci\tept\tpopulation\tname\tpostal_codes"));
    LevelData& communes = At(Level::kCommune);
    geo_->postal_offsets_.push_back(0);
    for (const Table::Row& row : table.rows()) {
      const auto& f = row.fields;
      const uint32_t id = communes.size();
      if (f[0].size() != 5) {
        return table.Error(row, absl::StrCat("commune code ", AsAbsl(f[0]),
                                             " is not five characters"));
      }
      if (f[1].empty()) return table.Error(row, "no département");
      Place place;
      place.commune = id;
      ASSIGN_OR_RETURN(place.departement,
                       Reference(table, row, Level::kDepartement, f[1]));
      place.region = departement_region_[place.departement];
      ASSIGN_OR_RETURN(place.epci, Reference(table, row, Level::kEpci, f[2]));
      ASSIGN_OR_RETURN(place.ept, Reference(table, row, Level::kEpt, f[3]));
      uint32_t population = 0;
      // Bounded so that sums over a région cannot overflow 32 bits.
      if (!f[4].empty() && (!absl::SimpleAtoi(AsAbsl(f[4]), &population) ||
                            population > 10000000)) {
        return table.Error(row, absl::StrCat("bad population ", AsAbsl(f[4])));
      }
      RETURN_IF_ERROR(AddTerritory(table, row, Level::kCommune, f[0], f[5]));
      communes.places.push_back(place);
      communes.population.push_back(population);

      if (!f[6].empty()) {
        uint32_t previous = 0;
        bool first = true;
        for (std::string_view code : Split(f[6], ',')) {
          std::optional<uint32_t> postal = ParsePostalCode(code);
          if (!postal || (!first && *postal <= previous)) {
            return table.Error(row, absl::StrCat("bad or unsorted postal code ",
                                                 AsAbsl(code)));
          }
          first = false;
          previous = *postal;
          geo_->postal_codes_.push_back(*postal);
          geo_->postal_index_.emplace_back(*postal, id);
        }
      }
      geo_->postal_offsets_.push_back(
          static_cast<uint32_t>(geo_->postal_codes_.size()));
    }
    std::sort(geo_->postal_index_.begin(), geo_->postal_index_.end());
    return absl::OkStatus();
  }

  absl::Status LoadAliases() {
    ASSIGN_OR_RETURN(Table table,
                     Table::Read(dir_, "aliases.tsv", "code\tcommune\tkind"));
    const LevelData& communes = At(Level::kCommune);
    auto& aliases = geo_->aliases_;
    for (const Table::Row& row : table.rows()) {
      const auto& f = row.fields;
      CommuneAlias alias;
      if (f[0].size() != alias.code.size()) {
        return table.Error(row, absl::StrCat("alias ", AsAbsl(f[0]),
                                             " is not five characters"));
      }
      std::copy(f[0].begin(), f[0].end(), alias.code.begin());
      if (!aliases.empty() && !(aliases.back().code_view() < f[0])) {
        return table.Error(row, absl::StrCat("code ", AsAbsl(f[0]),
                                             " is not after the previous one"));
      }
      if (communes.Find(f[0])) {
        return table.Error(row, absl::StrCat("alias ", AsAbsl(f[0]),
                                             " is a current commune code"));
      }
      std::optional<uint32_t> target = communes.Find(f[1]);
      if (!target) {
        return table.Error(row, absl::StrCat("unknown commune ", AsAbsl(f[1])));
      }
      alias.commune = *target;
      if (f[2] == "former") {
        alias.via = CommuneResolution::Via::kFormerCode;
      } else if (f[2] == "arrondissement") {
        alias.via = CommuneResolution::Via::kMunicipalArrondissement;
      } else {
        return table.Error(row,
                           absl::StrCat("unknown alias kind ", AsAbsl(f[2])));
      }
      aliases.push_back(alias);
    }
    return absl::OkStatus();
  }

  // Members (CSR), populations and places of the levels above the commune.
  // Fails when a territory has no commune: every accessor may assume one.
  absl::Status BuildMembersAndPlaces() {
    const LevelData& communes = At(Level::kCommune);
    for (int r = 1; r < kLevelCount; ++r) {
      const Level level = kByRank[r];
      LevelData& data = At(level);
      const uint32_t n = data.size();
      data.member_offsets.assign(n + 1, 0);
      for (const Place& p : communes.places) {
        uint32_t t = p.At(level);
        if (t != kNone) ++data.member_offsets[t + 1];
      }
      for (uint32_t t = 0; t < n; ++t) {
        data.member_offsets[t + 1] += data.member_offsets[t];
      }
      data.members.resize(data.member_offsets[n]);
      std::vector<uint32_t> next(data.member_offsets.begin(),
                                 data.member_offsets.end() - 1);
      // Communes in increasing order, so each member list comes out sorted.
      for (uint32_t c = 0; c < communes.size(); ++c) {
        uint32_t t = communes.places[c].At(level);
        if (t != kNone) data.members[next[t]++] = c;
      }

      data.population.assign(n, 0);
      data.places.assign(n, Place{});
      for (uint32_t t = 0; t < n; ++t) {
        if (data.member_offsets[t] == data.member_offsets[t + 1]) {
          return absl::DataLossError(absl::StrCat(
              "reference geography ", dir_, ": ", AsAbsl(LevelName(level)), " ",
              AsAbsl(data.codes.Get(t)), " has no commune"));
        }
        Place& place = data.places[t];
        SetAt(place, level, t);
        uint64_t population = 0;
        const uint32_t begin = data.member_offsets[t];
        const uint32_t end = data.member_offsets[t + 1];
        for (uint32_t i = begin; i < end; ++i) {
          population += communes.population[data.members[i]];
        }
        data.population[t] = static_cast<uint32_t>(population);
        for (int coarser = r + 1; coarser < kLevelCount; ++coarser) {
          const Level up = kByRank[coarser];
          uint32_t common = communes.places[data.members[begin]].At(up);
          for (uint32_t i = begin + 1; i < end && common != kNone; ++i) {
            if (communes.places[data.members[i]].At(up) != common) {
              common = kNone;
            }
          }
          SetAt(place, up, common);
        }
      }
    }
    return absl::OkStatus();
  }

  void BuildRelations() {
    const LevelData& communes = At(Level::kCommune);
    for (int parent_rank = 2; parent_rank < kLevelCount; ++parent_rank) {
      for (int child_rank = 1; child_rank < parent_rank; ++child_rank) {
        Relation relation;
        relation.parent = kByRank[parent_rank];
        relation.child = kByRank[child_rank];
        std::vector<std::pair<uint32_t, uint32_t>> pairs;
        for (const Place& p : communes.places) {
          uint32_t parent = p.At(relation.parent);
          uint32_t child = p.At(relation.child);
          if (parent != kNone && child != kNone) {
            pairs.emplace_back(parent, child);
          }
        }
        std::sort(pairs.begin(), pairs.end());
        pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
        const uint32_t n = At(relation.parent).size();
        relation.offsets.assign(n + 1, 0);
        for (const auto& [parent, child] : pairs) {
          ++relation.offsets[parent + 1];
          relation.children.push_back(child);
        }
        for (uint32_t t = 0; t < n; ++t) {
          relation.offsets[t + 1] += relation.offsets[t];
        }
        geo_->relations_.push_back(std::move(relation));
      }
    }
  }

  void BuildNameIndex() {
    for (auto& level : geo_->levels_) {
      LevelData& data = *level;
      for (uint32_t i = 0; i < data.size(); ++i) {
        data.folded.Add(FoldName(data.names.Get(i)));
      }
      data.by_folded.resize(data.size());
      for (uint32_t i = 0; i < data.size(); ++i) data.by_folded[i] = i;
      std::sort(data.by_folded.begin(), data.by_folded.end(),
                [&data](uint32_t a, uint32_t b) {
                  std::string_view fa = data.folded.Get(a);
                  std::string_view fb = data.folded.Get(b);
                  return fa != fb ? fa < fb : a < b;
                });
      data.by_population.resize(data.size());
      for (uint32_t i = 0; i < data.size(); ++i) data.by_population[i] = i;
      std::sort(data.by_population.begin(), data.by_population.end(),
                [&data](uint32_t a, uint32_t b) {
                  return MorePopulous(data.population, a, b);
                });
      data.codes.ShrinkToFit();
      data.names.ShrinkToFit();
      data.folded.ShrinkToFit();
      data.population.shrink_to_fit();
      data.places.shrink_to_fit();
    }
    geo_->aliases_.shrink_to_fit();
    geo_->postal_index_.shrink_to_fit();
    geo_->postal_codes_.shrink_to_fit();
    geo_->postal_offsets_.shrink_to_fit();
  }

  std::string dir_;
  std::unique_ptr<Geography> geo_;
  std::vector<uint32_t> departement_region_;
};

std::string_view EpciTypeCode(EpciType type) {
  switch (type) {
    case EpciType::kCommunauteDeCommunes:
      return "CC";
    case EpciType::kCommunauteAgglomeration:
      return "CA";
    case EpciType::kCommunauteUrbaine:
      return "CU";
    case EpciType::kMetropole:
      return "METRO";
    case EpciType::kMetropoleDeLyon:
      return "MET69";
  }
  return "";
}

Geography::Geography() = default;
Geography::~Geography() = default;

absl::StatusOr<std::unique_ptr<Geography>> Geography::Load(
    const std::string& dir) {
  return Loader(dir).Run();
}

const Geography::LevelData& Geography::Data(Level level, uint32_t id) const {
  if (!IsStandard(level) || id >= levels_[Slot(level)]->size()) {
    DieOutOfRange(level, id);
  }
  return *levels_[Slot(level)];
}

uint32_t Geography::Count(Level level) const {
  return IsStandard(level) ? levels_[Slot(level)]->size() : 0;
}

std::optional<uint32_t> Geography::Find(Level level,
                                        std::string_view code) const {
  if (level == Level::kCommune) {
    std::optional<CommuneResolution> resolved = ResolveCommune(code);
    if (!resolved) return std::nullopt;
    return resolved->commune;
  }
  if (!IsStandard(level)) return std::nullopt;
  return levels_[Slot(level)]->Find(code);
}

std::optional<uint32_t> Geography::FindCurrentCommune(
    std::string_view code) const {
  if (std::optional<size_t> slot = CommuneCodeSlot(code)) {
    const uint32_t commune = commune_by_code_[*slot];
    if (commune == kNone) return std::nullopt;
    return commune;
  }
  return levels_[Slot(Level::kCommune)]->Find(code);
}

std::optional<CommuneResolution> Geography::ResolveCommune(
    std::string_view code) const {
  if (std::optional<uint32_t> id = FindCurrentCommune(code)) {
    return CommuneResolution{*id, CommuneResolution::Via::kCurrentCode};
  }
  auto it = std::lower_bound(aliases_.begin(), aliases_.end(), code,
                             [](const CommuneAlias& a, std::string_view c) {
                               return a.code_view() < c;
                             });
  if (it == aliases_.end() || it->code_view() != code) return std::nullopt;
  return CommuneResolution{it->commune, it->via};
}

std::string_view Geography::Code(Level level, uint32_t id) const {
  return Data(level, id).codes.Get(id);
}

std::string_view Geography::Name(Level level, uint32_t id) const {
  return Data(level, id).names.Get(id);
}

uint64_t Geography::Population(Level level, uint32_t id) const {
  return Data(level, id).population[id];
}

EpciType Geography::EpciTypeOf(uint32_t epci) const {
  Data(Level::kEpci, epci);  // checks the number
  return epci_types_[epci];
}

Zone Geography::ZoneOf(Level level, uint32_t id) const {
  uint32_t region = Data(level, id).places[id].region;
  if (region == kNone) {
    // A territory over two régions still lies in one zone: ask a commune.
    uint32_t commune = Communes(level, id).front();
    region = levels_[Slot(Level::kCommune)]->places[commune].region;
  }
  return region_zones_[region];
}

Place Geography::PlaceOf(Level level, uint32_t id) const {
  return Data(level, id).places[id];
}

absl::Span<const uint32_t> Geography::Communes(Level level, uint32_t id) const {
  const LevelData& data = Data(level, id);
  if (level == Level::kCommune) {
    return absl::Span<const uint32_t>(&data.places[id].commune, 1);
  }
  return absl::Span<const uint32_t>(data.members)
      .subspan(data.member_offsets[id],
               data.member_offsets[id + 1] - data.member_offsets[id]);
}

bool Geography::Contains(Level level, uint32_t id, uint32_t commune) const {
  Data(level, id);  // checks the number
  return Data(Level::kCommune, commune).places[commune].At(level) == id;
}

absl::Span<const uint32_t> Geography::Children(Level parent_level,
                                               uint32_t parent,
                                               Level child_level) const {
  Data(parent_level, parent);  // checks the number
  if (child_level == Level::kCommune && parent_level != Level::kCommune) {
    return Communes(parent_level, parent);
  }
  for (const Relation& relation : relations_) {
    if (relation.parent == parent_level && relation.child == child_level) {
      return absl::Span<const uint32_t>(relation.children)
          .subspan(relation.offsets[parent],
                   relation.offsets[parent + 1] - relation.offsets[parent]);
    }
  }
  return {};
}

std::vector<uint32_t> Geography::ResolvePostalCode(
    std::string_view postal_code) const {
  std::vector<uint32_t> communes;
  std::optional<uint32_t> postal = ParsePostalCode(postal_code);
  if (!postal) return communes;
  auto it = std::lower_bound(postal_index_.begin(), postal_index_.end(),
                             std::make_pair(*postal, uint32_t{0}));
  for (; it != postal_index_.end() && it->first == *postal; ++it) {
    communes.push_back(it->second);
  }
  return communes;
}

std::vector<std::string> Geography::PostalCodes(uint32_t commune) const {
  Data(Level::kCommune, commune);  // checks the number
  std::vector<std::string> codes;
  for (uint32_t i = postal_offsets_[commune]; i < postal_offsets_[commune + 1];
       ++i) {
    codes.push_back(FormatPostalCode(postal_codes_[i]));
  }
  return codes;
}

std::vector<NameMatch> Geography::SearchByName(std::optional<Level> level,
                                               std::string_view prefix,
                                               size_t limit) const {
  std::vector<NameMatch> matches;
  const std::string folded_prefix = FoldName(prefix);
  auto starts_with_prefix = [&folded_prefix](std::string_view folded) {
    return folded.substr(0, folded_prefix.size()) == folded_prefix;
  };
  for (Level l : {Level::kCommune, Level::kEpci, Level::kEpt,
                  Level::kDepartement, Level::kRegion}) {
    if (matches.size() >= limit) break;
    if (level && *level != l) continue;
    const LevelData& data = *levels_[Slot(l)];
    auto first = std::lower_bound(data.by_folded.begin(), data.by_folded.end(),
                                  folded_prefix,
                                  [&data](uint32_t id, const std::string& p) {
                                    return data.folded.Get(id) < p;
                                  });
    auto last = std::partition_point(
        first, data.by_folded.end(), [&data, &starts_with_prefix](uint32_t id) {
          return starts_with_prefix(data.folded.Get(id));
        });
    const size_t found = static_cast<size_t>(last - first);
    const size_t take = std::min(found, limit - matches.size());
    if (take <= found / 16) {
      // A short prefix ("s", or none) matching many more territories than
      // wanted: the most populous come first in by_population, so walking it
      // finds them after about take * size / found steps, where sorting the
      // matches would cost all of them (35,000 communes for an empty prefix).
      size_t taken = 0;
      for (uint32_t id : data.by_population) {
        if (taken == take) break;
        if (!starts_with_prefix(data.folded.Get(id))) continue;
        matches.push_back({l, id});
        ++taken;
      }
      continue;
    }
    std::vector<uint32_t> ids(first, last);
    const std::vector<uint32_t>& population = data.population;
    std::partial_sort(ids.begin(), ids.begin() + take, ids.end(),
                      [&population](uint32_t a, uint32_t b) {
                        return MorePopulous(population, a, b);
                      });
    for (size_t i = 0; i < take; ++i) matches.push_back({l, ids[i]});
  }
  return matches;
}

size_t Geography::MemoryUsage() const {
  size_t bytes = sizeof(Geography);
  for (const auto& level : levels_) bytes += sizeof(LevelData) + level->Bytes();
  bytes += VectorBytes(aliases_) + VectorBytes(commune_by_code_) +
           VectorBytes(epci_types_) + VectorBytes(region_zones_) +
           VectorBytes(postal_index_) + VectorBytes(postal_offsets_) +
           VectorBytes(postal_codes_);
  for (const Relation& relation : relations_) {
    bytes += sizeof(Relation) + VectorBytes(relation.offsets) +
             VectorBytes(relation.children);
  }
  return bytes;
}

}  // namespace maillage::territory

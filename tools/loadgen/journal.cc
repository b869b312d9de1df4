#include "tools/loadgen/journal.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "tools/loadgen/actor_state.h"

namespace maillage::loadgen {

std::string FormatEntry(const JournalEntry& entry) {
  std::string line(1, entry.verb);
  absl::StrAppend(&line, " ", entry.group);
  for (const JournalChange& c : entry.changes) {
    absl::StrAppend(&line, " ", c.key);
    if (entry.verb == 'D') absl::StrAppend(&line, " ", c.before);
    absl::StrAppend(&line, " ", c.after);
  }
  line.push_back('\n');
  return line;
}

absl::StatusOr<JournalEntry> ParseEntry(std::string_view line) {
  std::vector<absl::string_view> words =
      absl::StrSplit(AsAbsl(line), ' ', absl::SkipEmpty());
  if (words.size() < 2 || words[0].size() != 1 ||
      std::string_view("DAX").find(words[0][0]) == std::string_view::npos) {
    return absl::DataLossError(
        absl::StrCat("not a journal line: '", AsAbsl(line), "'"));
  }
  JournalEntry entry;
  entry.verb = words[0][0];
  entry.group = std::string(words[1]);
  const size_t width = entry.verb == 'D' ? 3 : 2;
  if ((words.size() - 2) % width != 0) {
    return absl::DataLossError(absl::StrCat(
        "journal line with a partial change: '", AsAbsl(line), "'"));
  }
  for (size_t i = 2; i < words.size(); i += width) {
    JournalChange c;
    c.key = std::string(words[i]);
    if (width == 3) c.before = std::string(words[i + 1]);
    c.after = std::string(words[i + width - 1]);
    entry.changes.push_back(std::move(c));
  }
  return entry;
}

absl::StatusOr<std::unique_ptr<JournalWriter>> JournalWriter::Open(
    const std::string& path) {
  int fd =
      ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot open journal ", path, ": ", std::strerror(errno)));
  }
  return std::unique_ptr<JournalWriter>(new JournalWriter(fd));
}

JournalWriter::~JournalWriter() { ::close(fd_); }

absl::Status JournalWriter::Append(const JournalEntry& entry, bool durable) {
  const std::string line = FormatEntry(entry);
  std::lock_guard lock(mu_);
  size_t done = 0;
  while (done < line.size()) {
    ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return absl::UnavailableError(
          absl::StrCat("journal write: ", std::strerror(errno)));
    }
    done += static_cast<size_t>(n);
  }
  if (durable && ::fdatasync(fd_) != 0) {
    return absl::UnavailableError(
        absl::StrCat("journal fdatasync: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::StatusOr<Ledger> Ledger::Replay(const std::string& path) {
  Ledger ledger;
  std::ifstream in(path);
  if (!in) return ledger;  // nothing written yet
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    auto entry = ParseEntry(line);
    absl::Status applied =
        entry.ok() ? ledger.Apply(*entry) : std::move(entry).status();
    if (!applied.ok()) {
      return absl::DataLossError(
          absl::StrCat(path, ":", number, ": ", applied.message()));
    }
  }
  return ledger;
}

absl::Status Ledger::Apply(const JournalEntry& entry) {
  for (const JournalChange& c : entry.changes) {
    Key& key = keys_[c.key];
    if (entry.verb != 'D') {
      key.settled = c.after;
      key.doubt.reset();
      key.group.clear();
      continue;
    }
    if (key.doubt.has_value() || key.settled != c.before) {
      return absl::FailedPreconditionError(absl::StrCat(
          c.key, " sent from ", c.before, " but the journal has it in ",
          key.settled, key.doubt.has_value() ? " or in doubt" : ""));
    }
    key.doubt = c.after;
    key.group = entry.group;
  }
  if (entry.verb == 'A') ++answered_writes_;
  return absl::OkStatus();
}

std::vector<std::string> Ledger::KeysWithPrefix(std::string_view prefix) const {
  std::vector<std::string> out;
  for (auto it = keys_.lower_bound(std::string(prefix));
       it != keys_.end() && it->first.compare(0, prefix.size(), prefix) == 0;
       ++it) {
    out.push_back(it->first);
  }
  return out;
}

bool Ledger::HasDoubts() const {
  for (const auto& [_, key] : keys_) {
    if (key.doubt.has_value()) return true;
  }
  return false;
}

Outcome Ledger::OutcomeOf(const std::string& name,
                          const std::string& observed) const {
  auto it = keys_.find(name);
  const Key no_key;
  const Key& key = it == keys_.end() ? no_key : it->second;
  if (!key.doubt.has_value()) {
    return observed == key.settled ? Outcome::kNotApplied : Outcome::kNeither;
  }
  if (observed != key.settled && observed != *key.doubt) {
    return Outcome::kNeither;
  }
  if (key.settled == *key.doubt) return Outcome::kUndecidable;
  return observed == *key.doubt ? Outcome::kApplied : Outcome::kNotApplied;
}

namespace {

// Why `observed` is in none of the allowed states, with the half-applied
// case (record of one write, contacts of another) named.
std::string Explain(const Ledger::Key& key, const std::string& observed) {
  std::vector<std::string> allowed = {key.settled};
  if (key.doubt.has_value()) allowed.push_back(*key.doubt);
  std::string message = absl::StrCat(
      "found ", observed, ", expected ", absl::StrJoin(allowed, " or "),
      key.doubt.has_value() ? " (last write unanswered)" : "");
  // Which allowed state, if any, has the observed record part, and which
  // has the observed contacts part.
  std::optional<size_t> record_from, contacts_from;
  for (size_t i = 0; i < allowed.size(); ++i) {
    if (!RecordPart(allowed[i]).empty() &&
        RecordPart(allowed[i]) == RecordPart(observed)) {
      record_from = i;
    }
    if (!ContactsPart(allowed[i]).empty() &&
        ContactsPart(allowed[i]) == ContactsPart(observed)) {
      contacts_from = i;
    }
  }
  if (record_from.has_value() && contacts_from.has_value()) {
    absl::StrAppend(&message,
                    ": the record of one write with the contacts of the "
                    "other (half applied)");
  } else if (record_from.has_value()) {
    absl::StrAppend(&message, ": the record is right, the contacts are not");
  } else if (contacts_from.has_value()) {
    absl::StrAppend(&message, ": the contacts are right, the record is not");
  }
  return message;
}

}  // namespace

std::vector<Finding> Ledger::Check(const Observer& observed) const {
  std::vector<Finding> out;
  for (const auto& [name, key] : keys_) {
    std::string state = observed(name);
    if (OutcomeOf(name, state) == Outcome::kNeither) {
      out.push_back({name, Explain(key, state)});
    }
  }
  CheckGroups(observed, &out);
  return out;
}

void Ledger::CheckGroups(const Observer& observed,
                         std::vector<Finding>* out) const {
  struct Tally {
    int applied = 0, not_applied = 0;
  };
  std::map<std::string, Tally> groups;
  for (const auto& [name, key] : keys_) {
    if (!key.doubt.has_value() || key.group == "-") continue;
    Tally& tally = groups[key.group];
    Outcome outcome = OutcomeOf(name, observed(name));
    if (outcome == Outcome::kApplied) ++tally.applied;
    if (outcome == Outcome::kNotApplied) ++tally.not_applied;
  }
  std::map<std::string, Outcome> outcomes;
  for (const auto& [group, tally] : groups) {
    if (tally.applied > 0 && tally.not_applied > 0) {
      out->push_back(
          {group, absl::StrCat("unanswered batch half applied: ", tally.applied,
                               " rows applied, ", tally.not_applied, " not")});
    }
    outcomes[group] = tally.applied > 0       ? Outcome::kApplied
                      : tally.not_applied > 0 ? Outcome::kNotApplied
                                              : Outcome::kUndecidable;
  }
  CheckStreams(outcomes, out);
}

void Ledger::CheckStreams(const std::map<std::string, Outcome>& group_outcomes,
                          std::vector<Finding>* out) const {
  // stream -> batch number -> outcome, for the groups named "S#N".
  std::map<std::string, std::map<int, Outcome>> streams;
  for (const auto& [group, outcome] : group_outcomes) {
    size_t hash = group.rfind('#');
    int batch = 0;
    if (hash == std::string::npos ||
        !absl::SimpleAtoi(group.substr(hash + 1), &batch)) {
      continue;
    }
    streams[group.substr(0, hash)][batch] = outcome;
  }
  for (const auto& [stream, batches] : streams) {
    std::optional<int> first_lost;
    for (const auto& [batch, outcome] : batches) {
      if (outcome == Outcome::kNotApplied && !first_lost.has_value()) {
        first_lost = batch;
      }
      if (outcome == Outcome::kApplied && first_lost.has_value()) {
        out->push_back({stream, absl::StrCat("batch ", batch,
                                             " applied but earlier batch ",
                                             *first_lost, " not")});
      }
    }
  }
}

JournalEntry Ledger::Settle(const Observer& observed) const {
  JournalEntry entry;
  entry.verb = 'X';
  for (const auto& [name, key] : keys_) {
    if (key.doubt.has_value())
      entry.changes.push_back({name, "", observed(name)});
  }
  return entry;
}

}  // namespace maillage::loadgen

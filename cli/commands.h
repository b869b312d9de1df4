#ifndef MAILLAGE_CLI_COMMANDS_H_
#define MAILLAGE_CLI_COMMANDS_H_

#include "cli/command.h"

// The command groups, one file each.
namespace maillage::cli {

CommandGroup ActorsGroup();        // actors.cc
CommandGroup ImportGroup();        // directory.cc
CommandGroup ExportGroup();        // directory.cc
CommandGroup TerritoriesGroup();   // territories.cc
CommandGroup ZonesGroup();         // zones.cc
CommandGroup ThemesGroup();        // vocabulary.cc
CommandGroup ResourcesGroup();     // vocabulary.cc
CommandGroup DiagnosisGroup();     // diagnosis.cc
CommandGroup FragilitiesGroup();   // fragilities.cc
CommandGroup FactsGroup();         // facts.cc
CommandGroup SuggestGroup();       // suggest.cc
CommandGroup ExplainGroup();       // suggest.cc
CommandGroup WeightsGroup();       // weights.cc
CommandGroup SuggestionsGroup();   // lifecycle.cc
CommandGroup PartnershipsGroup();  // partnerships.cc
CommandGroup WatchGroup();         // lifecycle.cc
CommandGroup MetricsGroup();       // lifecycle.cc
CommandGroup HealthGroup();        // health.cc
CommandGroup AdminKeysGroup();     // admin.cc
CommandGroup AdminAuditGroup();    // audit.cc
CommandGroup AdminPrivacyGroup();  // privacy.cc
CommandGroup AdminBackupGroup();   // backup.cc

// `suggest territory`, in the suggest group but on LifecycleService
// (lifecycle.cc).
Command SuggestTerritoryCommand();

}  // namespace maillage::cli

#endif  // MAILLAGE_CLI_COMMANDS_H_

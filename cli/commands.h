#ifndef MAILLAGE_CLI_COMMANDS_H_
#define MAILLAGE_CLI_COMMANDS_H_

#include "cli/command.h"

// The command groups, one file each.
namespace maillage::cli {

CommandGroup ActorsGroup();       // actors.cc
CommandGroup TerritoriesGroup();  // territories.cc
CommandGroup DiagnosisGroup();    // diagnosis.cc
CommandGroup FragilitiesGroup();  // fragilities.cc
CommandGroup FactsGroup();        // facts.cc

}  // namespace maillage::cli

#endif  // MAILLAGE_CLI_COMMANDS_H_

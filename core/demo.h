#ifndef MAILLAGE_CORE_DEMO_H_
#define MAILLAGE_CORE_DEMO_H_

#include "absl/status/statusor.h"
#include "core/maillage.h"

namespace maillage::core {

// A synthetic demonstration territory for a newcomer's first minutes: a few
// hundred fictitious actors of every kind spread over the communes of the
// Val-de-Marne (94) in proportion to population, with themes, needs and
// offers typical of their kind, and fictitious fragilities and assets.
// Everything is clearly labelled: ids "ext:demo:…", names ending in
// "(démo)", source "demo", fact sources "Données fictives (démo)".
// Deterministic: the same data on every machine.
struct DemoSummary {
  int actors = 0;
  int facts = 0;
};

// Loads the demo into `maillage` when it holds no actor; does nothing (and
// returns zeros) otherwise, so a real store is never touched.
absl::StatusOr<DemoSummary> LoadDemoIfEmpty(Maillage& maillage);

}  // namespace maillage::core

#endif  // MAILLAGE_CORE_DEMO_H_

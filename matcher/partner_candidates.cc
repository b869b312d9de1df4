#include "matcher/partner_candidates.h"

#include <algorithm>

namespace maillage::matcher::internal {

std::vector<Probe> MakeProbes(const ActorProfile& actor) {
  std::vector<Probe> probes;
  auto add_side = [&](const std::vector<Exchange>& exchanges, bool to_actor) {
    // The actor's needs meet offers, and its offers meet needs.
    const Side other = to_actor ? Side::kOffer : Side::kNeed;
    for (const Exchange& e : exchanges) {
      if (e.resource >= 32) continue;
      auto add = [&](bool implied, uint8_t theme, uint8_t tenths) {
        probes.push_back(Probe{ExchangeKey(other, implied, e.resource, theme),
                               tenths, e.resource, to_actor});
      };
      if (e.theme != Exchange::kAnyTheme) {
        if (e.theme >= 64) continue;
        add(false, e.theme, 10);
        add(true, e.theme, 8);
      } else if (actor.themes != 0) {
        for (int t = 0; t < 64; ++t) {
          if (!(actor.themes >> t & 1)) continue;
          add(false, static_cast<uint8_t>(t), 8);
          add(true, static_cast<uint8_t>(t), 7);
        }
      } else {
        add(true, kNoTheme, 5);
      }
    }
  };
  add_side(actor.needs, true);
  add_side(actor.offers, false);
  std::sort(probes.begin(), probes.end(), [](const Probe& a, const Probe& b) {
    if (a.to_actor != b.to_actor) return a.to_actor;
    if (a.key != b.key) return a.key < b.key;
    return a.tenths > b.tenths;
  });
  probes.erase(std::unique(probes.begin(), probes.end(),
                           [](const Probe& a, const Probe& b) {
                             return a.to_actor == b.to_actor && a.key == b.key;
                           }),
               probes.end());
  std::stable_sort(
      probes.begin(), probes.end(),
      [](const Probe& a, const Probe& b) { return a.tenths > b.tenths; });
  return probes;
}

}  // namespace maillage::matcher::internal

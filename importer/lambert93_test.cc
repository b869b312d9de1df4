#include "importer/lambert93.h"

#include <random>

#include "gtest/gtest.h"

namespace maillage::importer {
namespace {

TEST(Lambert93Test, OriginIsTheProjectionCentre) {
  LatLon p = Lambert93ToWgs84(700000, 6600000);
  EXPECT_NEAR(p.latitude, 46.5, 1e-12);
  EXPECT_NEAR(p.longitude, 3.0, 1e-12);
}

TEST(Lambert93Test, KnownPoints) {
  // Eiffel Tower: IGN Lambert-93 648237.3 / 6862271.7 is 48.85837°N
  // 2.29448°E.
  LatLon eiffel = Lambert93ToWgs84(648237.3, 6862271.7);
  EXPECT_NEAR(eiffel.latitude, 48.85837, 1e-4);
  EXPECT_NEAR(eiffel.longitude, 2.29448, 1e-4);
  // 652469 / 6862035, often quoted for "Paris centre": the square in front
  // of the Hôtel de Ville, 48.8566°N 2.3522°E (Notre-Dame, 48.8530°N
  // 2.3499°E, lies 400 m south-west of it).
  LatLon centre = Lambert93ToWgs84(652469, 6862035);
  EXPECT_NEAR(centre.latitude, 48.8566, 1e-4);
  EXPECT_NEAR(centre.longitude, 2.3522, 1e-4);
  // Strasbourg cathedral, 48.5819°N 7.7510°E; Brest harbour, 48.3826°N
  // -4.4958°E; Ajaccio, 41.9192°N 8.7386°E: forward then inverse.
  for (LatLon place : {LatLon{48.5819, 7.7510}, LatLon{48.3826, -4.4958},
                       LatLon{41.9192, 8.7386}}) {
    double x, y;
    Wgs84ToLambert93(place, &x, &y);
    LatLon back = Lambert93ToWgs84(x, y);
    EXPECT_NEAR(back.latitude, place.latitude, 1e-10);
    EXPECT_NEAR(back.longitude, place.longitude, 1e-10);
  }
}

TEST(Lambert93Test, ForwardMatchesPublishedConstants) {
  // The projection centre maps to the false easting and northing.
  double x, y;
  Wgs84ToLambert93({46.5, 3.0}, &x, &y);
  EXPECT_NEAR(x, 700000, 1e-6);
  EXPECT_NEAR(y, 6600000, 1e-6);
}

TEST(Lambert93Test, RoundTripOverMetropolitanFrance) {
  std::mt19937 rng(42);
  std::uniform_real_distribution<double> lat(41.3, 51.1), lon(-5.2, 9.6);
  for (int i = 0; i < 10000; ++i) {
    LatLon p{lat(rng), lon(rng)};
    double x, y;
    Wgs84ToLambert93(p, &x, &y);
    LatLon back = Lambert93ToWgs84(x, y);
    ASSERT_NEAR(back.latitude, p.latitude, 1e-10);
    ASSERT_NEAR(back.longitude, p.longitude, 1e-10);
  }
}

}  // namespace
}  // namespace maillage::importer

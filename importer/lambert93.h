#ifndef MAILLAGE_IMPORTER_LAMBERT93_H_
#define MAILLAGE_IMPORTER_LAMBERT93_H_

namespace maillage::importer {

struct LatLon {
  double latitude = 0;   // degrees north
  double longitude = 0;  // degrees east
};

// Converts Lambert-93 projected coordinates (EPSG:2154, metres: the
// coordonneeLambert* columns of SIRENE for metropolitan France) to
// geographic coordinates in degrees, with the exact inverse of the Lambert
// conformal conic projection on the GRS80 ellipsoid (standard parallels
// 44°N and 49°N, origin 46.5°N 3°E, false easting 700,000 m, false northing
// 6,600,000 m). The datum is RGF93, which agrees with WGS84 to a few
// centimetres, so no datum shift is applied. Accurate to far below 1e-9°;
// meaningless outside metropolitan France (overseas SIRENE coordinates use
// other projections).
LatLon Lambert93ToWgs84(double x, double y);

// The forward projection, for tests and generators.
void Wgs84ToLambert93(LatLon point, double* x, double* y);

}  // namespace maillage::importer

#endif  // MAILLAGE_IMPORTER_LAMBERT93_H_

#include "importer/lambert93.h"

#include <cmath>

namespace maillage::importer {
namespace {

// GRS80 and the Lambert-93 parameters (IGN, NTG_71 / ALG0054 notation).
constexpr double kA = 6378137.0;
constexpr double kF = 1.0 / 298.257222101;
constexpr double kX0 = 700000.0;
constexpr double kY0 = 6600000.0;
constexpr double kPi = 3.14159265358979323846;
constexpr double kDeg = kPi / 180.0;

struct Constants {
  double e;     // first eccentricity
  double n;     // cone constant
  double c;     // a * F, the projection constant
  double rho0;  // radius at the latitude of origin
  double lambda0;
};

// Isometric latitude term t(phi) = tan(pi/4 - phi/2) / ((1 - e sin)/(1 + e
// sin))^(e/2).
double T(double phi, double e) {
  double s = e * std::sin(phi);
  return std::tan(kPi / 4 - phi / 2) / std::pow((1 - s) / (1 + s), e / 2);
}

double M(double phi, double e) {
  double s = e * std::sin(phi);
  return std::cos(phi) / std::sqrt(1 - s * s);
}

const Constants& Lambert93() {
  static const Constants constants = [] {
    Constants k;
    k.e = std::sqrt(kF * (2 - kF));
    double phi1 = 44 * kDeg, phi2 = 49 * kDeg, phi0 = 46.5 * kDeg;
    double m1 = M(phi1, k.e), m2 = M(phi2, k.e);
    double t1 = T(phi1, k.e), t2 = T(phi2, k.e), t0 = T(phi0, k.e);
    k.n = (std::log(m1) - std::log(m2)) / (std::log(t1) - std::log(t2));
    k.c = kA * m1 / (k.n * std::pow(t1, k.n));
    k.rho0 = k.c * std::pow(t0, k.n);
    k.lambda0 = 3 * kDeg;
    return k;
  }();
  return constants;
}

}  // namespace

LatLon Lambert93ToWgs84(double x, double y) {
  const Constants& k = Lambert93();
  double dx = x - kX0;
  double dy = k.rho0 - (y - kY0);
  double rho = std::sqrt(dx * dx + dy * dy);  // n > 0
  double t = std::pow(rho / k.c, 1 / k.n);
  double theta = std::atan2(dx, dy);
  double lambda = theta / k.n + k.lambda0;
  // phi = pi/2 - 2 atan(t ((1 - e sin phi)/(1 + e sin phi))^(e/2)), by
  // fixed-point iteration from the spherical value; converges to 1e-14 rad
  // in 5 or 6 steps.
  double phi = kPi / 2 - 2 * std::atan(t);
  for (int i = 0; i < 20; ++i) {
    double s = k.e * std::sin(phi);
    double next =
        kPi / 2 - 2 * std::atan(t * std::pow((1 - s) / (1 + s), k.e / 2));
    if (std::fabs(next - phi) < 1e-14) {
      phi = next;
      break;
    }
    phi = next;
  }
  return {phi / kDeg, lambda / kDeg};
}

void Wgs84ToLambert93(LatLon point, double* x, double* y) {
  const Constants& k = Lambert93();
  double phi = point.latitude * kDeg;
  double lambda = point.longitude * kDeg;
  double rho = k.c * std::pow(T(phi, k.e), k.n);
  double theta = k.n * (lambda - k.lambda0);
  *x = kX0 + rho * std::sin(theta);
  *y = kY0 + k.rho0 - rho * std::cos(theta);
}

}  // namespace maillage::importer

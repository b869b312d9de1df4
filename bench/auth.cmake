# Bearer JWT verification (auth/jwt.h): cold (a full verification) against
# cached (a repeated token), RS256 and ES256.
maillage_bench(auth_bench
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/auth_bench.cc
  DEPS maillage_jwt_testing)

// Force-included (-include) into every C++ file of a ThreadSanitizer build
// with gcc (MAILLAGE_SANITIZE=thread, see CMakeLists.txt).
//
// protobuf 3.21's map_field.h gives MapFieldBase two more members (seq1_,
// seq2_, a race detector of its own) when __SANITIZE_THREAD__ is defined,
// which gcc does under -fsanitize=thread. Debian's libprotobuf is built
// without it, so code compiled here and the library disagree on the layout
// of every map field: google.protobuf.Struct's fields (openapi_gen crashed on
// its first Struct), google.rpc.ErrorInfo's metadata, anything reflection or
// the JSON printer touches inside libprotobuf. This header includes
// map_field.h with the macro hidden, so that our code sees the library's
// layout, then defines it again. libstdc++ (_GLIBCXX_TSAN) and Abseil
// (ABSL_HAVE_THREAD_SANITIZER) read it first, so their accommodations of
// TSan stay on.
#ifndef MAILLAGE_CMAKE_TSAN_PROTOBUF_ABI_H_
#define MAILLAGE_CMAKE_TSAN_PROTOBUF_ABI_H_

#include <cstddef>
#include <memory>

#include "absl/base/config.h"

#ifdef __SANITIZE_THREAD__
#undef __SANITIZE_THREAD__
#include <google/protobuf/map_field.h>
#define __SANITIZE_THREAD__ 1
#endif

#endif  // MAILLAGE_CMAKE_TSAN_PROTOBUF_ABI_H_

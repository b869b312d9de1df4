# maillage_proto_library(name ROOT dir PROTOS a.proto ... [GRPC a.proto ...]
#                        [DEPS target ...])
# Generates C++ messages for PROTOS (paths relative to ROOT) and gRPC stubs
# for the GRPC subset, into a static library whose headers are found as
# "path/file.pb.h". Generated code is compiled without our warning flags.
find_program(GRPC_CPP_PLUGIN grpc_cpp_plugin REQUIRED)

function(maillage_proto_library name)
  cmake_parse_arguments(ARG "" "ROOT" "PROTOS;GRPC;DEPS;IMPORTS" ${ARGN})
  set(gen_dir ${CMAKE_CURRENT_BINARY_DIR}/gen)
  file(MAKE_DIRECTORY ${gen_dir})
  set(includes -I ${ARG_ROOT} -I ${Protobuf_INCLUDE_DIRS})
  foreach(extra ${ARG_IMPORTS})
    list(APPEND includes -I ${extra})
  endforeach()
  set(srcs)
  foreach(p ${ARG_PROTOS})
    string(REGEX REPLACE "\\.proto$" "" base ${p})
    add_custom_command(
      OUTPUT ${gen_dir}/${base}.pb.cc ${gen_dir}/${base}.pb.h
      COMMAND protobuf::protoc ARGS --cpp_out=${gen_dir} ${includes} ${ARG_ROOT}/${p}
      DEPENDS ${ARG_ROOT}/${p} protobuf::protoc
      COMMENT "protoc ${p}")
    list(APPEND srcs ${gen_dir}/${base}.pb.cc)
  endforeach()
  foreach(p ${ARG_GRPC})
    string(REGEX REPLACE "\\.proto$" "" base ${p})
    add_custom_command(
      OUTPUT ${gen_dir}/${base}.grpc.pb.cc ${gen_dir}/${base}.grpc.pb.h
      COMMAND protobuf::protoc
      ARGS --grpc_out=${gen_dir} --plugin=protoc-gen-grpc=${GRPC_CPP_PLUGIN}
           ${includes} ${ARG_ROOT}/${p}
      DEPENDS ${ARG_ROOT}/${p} protobuf::protoc
      COMMENT "grpc_cpp_plugin ${p}")
    list(APPEND srcs ${gen_dir}/${base}.grpc.pb.cc)
  endforeach()
  add_library(${name} STATIC ${srcs})
  target_include_directories(${name} SYSTEM PUBLIC ${gen_dir} ${Protobuf_INCLUDE_DIRS})
  target_link_libraries(${name} PUBLIC protobuf::libprotobuf ${ARG_DEPS})
  if(ARG_GRPC)
    target_link_libraries(${name} PUBLIC gRPC::grpc++)
  endif()
endfunction()

# Defines the target `newsflow_plugin_sdk`: what a stage plugin links.
#
#   newsflow_define_plugin_sdk(INCLUDE_DIR <dir with newsflow/*.h>
#                              PROTO_DIR <dir with newsflow/v1/article.proto>)
#
# The message classes are generated here, with the plugin's own protoc and
# linked against the shared protobuf runtime it finds, so a plugin never
# depends on how newsflow itself was built. Used by newsflow's own build
# (plugins/) and by the installed CMake package (find_package(newsflow)).
function(newsflow_define_plugin_sdk)
  cmake_parse_arguments(ARG "" "INCLUDE_DIR;PROTO_DIR" "" ${ARGN})
  if(TARGET newsflow_plugin_sdk)
    return()
  endif()
  find_library(_newsflow_protobuf_shared NAMES protobuf REQUIRED)
  set(_generated "${CMAKE_BINARY_DIR}/newsflow_plugin_sdk")
  set(_protos "${ARG_PROTO_DIR}/newsflow/v1/article.proto"
              "${ARG_PROTO_DIR}/newsflow/options.proto")
  # options.proto imports google/protobuf/descriptor.proto.
  set(_imports -I "${ARG_PROTO_DIR}")
  foreach(_dir IN LISTS Protobuf_INCLUDE_DIRS)
    list(APPEND _imports -I "${_dir}")
  endforeach()
  file(MAKE_DIRECTORY "${_generated}")
  add_custom_command(
    OUTPUT "${_generated}/newsflow/v1/article.pb.h"
           "${_generated}/newsflow/v1/article.pb.cc"
           "${_generated}/newsflow/options.pb.h"
           "${_generated}/newsflow/options.pb.cc"
    COMMAND protobuf::protoc --cpp_out "${_generated}" ${_imports} ${_protos}
    DEPENDS ${_protos} protobuf::protoc
    COMMENT "Generating the plugin SDK's newsflow message classes")
  add_library(newsflow_plugin_sdk STATIC
    "${_generated}/newsflow/v1/article.pb.cc"
    "${_generated}/newsflow/options.pb.cc")
  # Where a plugin's own options proto finds newsflow/options.proto.
  set_property(TARGET newsflow_plugin_sdk PROPERTY
    NEWSFLOW_PROTO_DIR "${ARG_PROTO_DIR}")
  set_target_properties(newsflow_plugin_sdk PROPERTIES
    POSITION_INDEPENDENT_CODE ON
    CXX_VISIBILITY_PRESET hidden)
  target_compile_features(newsflow_plugin_sdk PUBLIC cxx_std_17)
  target_compile_options(newsflow_plugin_sdk PRIVATE -w)
  target_include_directories(newsflow_plugin_sdk PUBLIC
    "${_generated}" "${ARG_INCLUDE_DIR}")
  target_link_libraries(newsflow_plugin_sdk PUBLIC
    "${_newsflow_protobuf_shared}" absl::status absl::statusor)
endfunction()

# newsflow_add_plugin(NAME SOURCES...): a stage plugin library (MODULE),
# with hidden symbols except its entry point.
function(newsflow_add_plugin name)
  add_library(${name} MODULE ${ARGN})
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  target_link_libraries(${name} PRIVATE newsflow_plugin_sdk)
endfunction()

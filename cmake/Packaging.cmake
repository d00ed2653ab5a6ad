# The Debian package (scripts/package): CPack's DEB generator over the same
# install rules as `cmake --install`. Files specific to the package (systemd
# unit, system user, maintainer scripts, copyright) live in packaging/.
set(NEWSFLOW_PACKAGING_DIR "${CMAKE_SOURCE_DIR}/packaging")

# Documentation every Debian package carries; man pages made from --help.
set(NEWSFLOW_DOCDIR "share/doc/newsflow")
install(FILES README.md "${NEWSFLOW_PACKAGING_DIR}/copyright"
        DESTINATION "${NEWSFLOW_DOCDIR}")
# A native package (no Debian revision): its changelog is changelog.gz.
configure_file("${NEWSFLOW_PACKAGING_DIR}/changelog.in"
               "${CMAKE_BINARY_DIR}/packaging/changelog" @ONLY)
add_custom_command(
  OUTPUT "${CMAKE_BINARY_DIR}/packaging/changelog.gz"
  COMMAND gzip -9nf -k "${CMAKE_BINARY_DIR}/packaging/changelog"
  DEPENDS "${CMAKE_BINARY_DIR}/packaging/changelog")
install(FILES "${CMAKE_BINARY_DIR}/packaging/changelog.gz"
        DESTINATION "${NEWSFLOW_DOCDIR}")

find_program(HELP2MAN_EXECUTABLE help2man REQUIRED)
set(_newsflow_manpages "")
foreach(program newsflow newsflow-stage)
  set(_page "${CMAKE_BINARY_DIR}/packaging/${program}.1")
  add_custom_command(
    OUTPUT "${_page}.gz"
    COMMAND "${HELP2MAN_EXECUTABLE}" --no-info --no-discard-stderr
            --version-string=${PROJECT_VERSION}
            --name=${program} --output=${_page} $<TARGET_FILE:${program}>
    COMMAND gzip -9nf "${_page}"
    DEPENDS ${program}
    COMMENT "man page of ${program} from its --help")
  list(APPEND _newsflow_manpages "${_page}.gz")
endforeach()
add_custom_target(newsflow_package_docs ALL
  DEPENDS ${_newsflow_manpages}
          "${CMAKE_BINARY_DIR}/packaging/changelog.gz")
install(FILES ${_newsflow_manpages}
        DESTINATION "${CMAKE_INSTALL_MANDIR}/man1")

# The example pipeline and its articles, to try an installation with.
install(FILES examples/pipeline.yaml
        DESTINATION "${NEWSFLOW_INSTALL_DATADIR}/examples")
install(DIRECTORY examples/articles
        DESTINATION "${NEWSFLOW_INSTALL_DATADIR}/examples")

# Running pipelines as a service (README, "Run as a service").
install(FILES "${NEWSFLOW_PACKAGING_DIR}/newsflow@.service"
        DESTINATION "lib/systemd/system")
install(FILES "${NEWSFLOW_PACKAGING_DIR}/sysusers.conf"
        DESTINATION "lib/sysusers.d" RENAME newsflow.conf)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME newsflow)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "newsflow maintainers <maintainers@newsflow.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "streaming news pipeline of independent stage processes")
# CPack adds the summary as the synopsis and formats the lines.
set(CPACK_PACKAGE_DESCRIPTION
"newsflow ingests news from files, feeds and web pages, cleans away site
boilerplate, tags language, entities, keywords and same-story clusters,
and stores articles in a searchable database. Each stage is its own
process; stages exchange Protocol Buffers messages over ZeroMQ, and a
crash in one never takes down another.

This package holds the runner, the stage host with the built-in stages,
the shipped plugins and models, the plugin SDK (headers, CMake package,
pkg-config file, a plugin template) and a systemd unit template,
newsflow@.service.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# adduser: the postinst's fallback when systemd-sysusers is absent.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
# A plugin author builds against the SDK with these.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS
    "cmake, g++, protobuf-compiler, libprotobuf-dev, libabsl-dev, graphviz")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${NEWSFLOW_PACKAGING_DIR}/postinst;${NEWSFLOW_PACKAGING_DIR}/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_DIRECTORY "${CMAKE_BINARY_DIR}/package")
include(CPack)

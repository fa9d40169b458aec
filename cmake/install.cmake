# install.cmake - what `cmake --install BUILD [--prefix DIR]` puts where; the
# Debian packages (debian/rules) are made from the same rules. Paths below the
# prefix follow GNUInstallDirs (prefix /usr: configuration in /etc):
#
#   sbin/refgwd, sbin/refgw-ca         bin/refgw
#   share/man/man{1,5,8}/...           share/bash-completion/completions/refgw
#   lib/systemd/system/refgwd.service, refgw-check-store.service, .timer
#     (+ refgw-ca-crl.service, .timer)
#   lib/sysusers.d/refgw.conf          etc/refgw/ (empty, mode 0750)
#   share/doc/refgw/: the docs, examples/refgwd.json, prometheus/
#
# The certificate authority's files (certs/refgw-ca, its man page and units)
# are installed when they are in the tree.
include(GNUInstallDirs)

# Not below CMAKE_INSTALL_LIBDIR: units and sysusers.d are never multiarch.
set(REFGW_SYSTEMD_UNITDIR "lib/systemd/system" CACHE STRING
    "systemd system units: relative to the prefix, or absolute")
set(REFGW_SYSUSERSDIR "lib/sysusers.d" CACHE STRING
    "sysusers.d(5) files: relative to the prefix, or absolute")

if(TARGET refgwd)
  install(TARGETS refgwd DESTINATION ${CMAKE_INSTALL_SBINDIR})
endif()
if(TARGET refgw)
  install(TARGETS refgw DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
if(EXISTS ${CMAKE_SOURCE_DIR}/certs/refgw-ca)
  install(PROGRAMS certs/refgw-ca DESTINATION ${CMAKE_INSTALL_SBINDIR})
endif()

file(GLOB refgw_man_pages CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/docs/man/*.[1-8])
foreach(page ${refgw_man_pages})
  string(REGEX REPLACE ".*\\.([1-8])$" "\\1" section ${page})
  install(FILES ${page} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
endforeach()

install(FILES cli/completion/refgw.bash RENAME refgw
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)

# refgwd.service and the configuration folder (etc/refgw, empty: the
# operator writes refgwd.json and the keys there; the package gives it to
# group refgw) depend on the prefix, known at install time.
install(CODE "
  set(REFGW_DIST \"${CMAKE_SOURCE_DIR}/dist\")
  set(REFGW_WORK \"${CMAKE_BINARY_DIR}/dist\")
  set(REFGW_SBINDIR \"${CMAKE_INSTALL_SBINDIR}\")
  set(REFGW_SYSCONFDIR \"${CMAKE_INSTALL_SYSCONFDIR}\")
  set(REFGW_SYSTEMD_UNITDIR \"${REFGW_SYSTEMD_UNITDIR}\")")
install(SCRIPT cmake/install-paths.cmake)
file(GLOB refgw_ca_units ${CMAKE_SOURCE_DIR}/certs/systemd/*.service
     ${CMAKE_SOURCE_DIR}/certs/systemd/*.timer)
if(refgw_ca_units)
  install(FILES ${refgw_ca_units} DESTINATION ${REFGW_SYSTEMD_UNITDIR})
endif()
install(FILES dist/refgw-check-store.timer DESTINATION ${REFGW_SYSTEMD_UNITDIR})
install(FILES dist/refgw.sysusers RENAME refgw.conf DESTINATION ${REFGW_SYSUSERSDIR})

file(GLOB refgw_docs CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/docs/*.md)
install(FILES ${refgw_docs} DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES dist/refgwd.json DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
install(DIRECTORY docs/prometheus DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/ui DESTINATION ${CMAKE_INSTALL_DOCDIR}) # ui.md's screenshots

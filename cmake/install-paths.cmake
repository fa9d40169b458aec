# install-paths.cmake - run by `cmake --install` (see install.cmake) for what
# depends on the prefix, known only now (--prefix):
#   - refgwd.service and refgw-check-store.service, from dist/*.service.in
#     with the full paths of refgwd and of its configuration;
#   - the configuration folder, empty, mode 0750, in the folder the unit
#     names (below the prefix /usr, /etc, as GNUInstallDirs says).
#
# In: REFGW_DIST, REFGW_WORK, and REFGW_SBINDIR, REFGW_SYSCONFDIR,
# REFGW_SYSTEMD_UNITDIR, each relative to the prefix or absolute.

# A folder relative to the prefix, made full; an absolute one as it is.
function(refgw_full_path dir out)
  if(IS_ABSOLUTE "${dir}")
    set(${out} "${dir}" PARENT_SCOPE)
  else()
    set(${out} "${CMAKE_INSTALL_PREFIX}/${dir}" PARENT_SCOPE)
  endif()
endfunction()

refgw_full_path("${REFGW_SBINDIR}" SBINDIR)
if(NOT IS_ABSOLUTE "${REFGW_SYSCONFDIR}" AND CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(SYSCONFDIR "/${REFGW_SYSCONFDIR}")
else()
  refgw_full_path("${REFGW_SYSCONFDIR}" SYSCONFDIR)
endif()
refgw_full_path("${REFGW_SYSTEMD_UNITDIR}" unit_dir)

foreach(unit refgwd.service refgw-check-store.service)
  configure_file("${REFGW_DIST}/${unit}.in" "${REFGW_WORK}/${unit}" @ONLY)
  file(INSTALL DESTINATION "${unit_dir}" TYPE FILE FILES "${REFGW_WORK}/${unit}")
endforeach()

file(MAKE_DIRECTORY "${REFGW_WORK}/refgw")
file(INSTALL DESTINATION "${SYSCONFDIR}" TYPE DIRECTORY FILES "${REFGW_WORK}/refgw"
     DIR_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE)

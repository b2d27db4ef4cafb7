# Installs the libraries, headers and an sfarConfig.cmake so that other CMake projects can
# `find_package(sfar)` and link sfar::core, sfar::models, ...
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS ${SFAR_EXPORTED_TARGETS} sfar_torch EXPORT sfarTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/include/sfar DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT sfarTargets NAMESPACE sfar:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/sfar)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/sfarConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/sfarConfig.cmake.in
  ${CMAKE_BINARY_DIR}/sfarConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/sfar)
install(FILES ${CMAKE_BINARY_DIR}/sfarConfig.cmake ${CMAKE_BINARY_DIR}/sfarConfigVersion.cmake
  ${CMAKE_SOURCE_DIR}/cmake/SfarOpenCV.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/sfar)

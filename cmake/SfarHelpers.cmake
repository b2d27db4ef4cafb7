# sfar_add_module(<name> SOURCES ... [TORCH_SOURCES ...] [PUBLIC_DEPS ...] [PRIVATE_DEPS ...])
# Creates library sfar_<name> with alias sfar::<name>. Public headers live in include/sfar/<name>/.
# TORCH_SOURCES are the files that include LibTorch: they reuse one precompiled LibTorch header
# (sfar_torch_pch below). Other SOURCES skip it, since loading it costs more than they do.
set(SFAR_INCLUDE_DIR ${CMAKE_SOURCE_DIR}/include)
set(SFAR_EXPORTED_TARGETS "" CACHE INTERNAL "")

function(sfar_apply_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter)
  if(SFAR_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# One precompiled header for every translation unit that includes LibTorch. Heavy LibTorch
# headers dominate build time on small machines; compiling them once saves minutes.
if(SFAR_USE_PCH)
  add_library(sfar_torch_pch OBJECT ${CMAKE_SOURCE_DIR}/cmake/pch_anchor.cpp)
  target_link_libraries(sfar_torch_pch PRIVATE sfar_torch)
  target_precompile_headers(sfar_torch_pch PRIVATE ${CMAKE_SOURCE_DIR}/cmake/sfar_torch_pch.h)
endif()

function(sfar_use_torch_pch target)
  if(SFAR_USE_PCH)
    target_precompile_headers(${target} REUSE_FROM sfar_torch_pch)
  endif()
endfunction()

# Adds SOURCES (no LibTorch, no PCH) and TORCH_SOURCES (PCH) to a target.
function(sfar_target_sources target)
  cmake_parse_arguments(ARG "" "" "SOURCES;TORCH_SOURCES" ${ARGN})
  target_sources(${target} PRIVATE ${ARG_SOURCES} ${ARG_TORCH_SOURCES})
  if(ARG_TORCH_SOURCES)
    sfar_use_torch_pch(${target})
  endif()
  if(ARG_TORCH_SOURCES AND ARG_SOURCES)
    set_source_files_properties(${ARG_SOURCES} TARGET_DIRECTORY ${target}
      PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
  endif()
endfunction()

function(sfar_add_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;TORCH_SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  set(target sfar_${name})
  add_library(${target} STATIC)
  sfar_target_sources(${target} SOURCES ${ARG_SOURCES} TORCH_SOURCES ${ARG_TORCH_SOURCES})
  add_library(sfar::${name} ALIAS ${target})
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${name} OUTPUT_NAME sfar_${name})
  target_include_directories(${target} PUBLIC
    $<BUILD_INTERFACE:${SFAR_INCLUDE_DIR}>
    $<INSTALL_INTERFACE:include>)
  target_link_libraries(${target} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  sfar_apply_warnings(${target})
  set(SFAR_EXPORTED_TARGETS ${SFAR_EXPORTED_TARGETS} ${target} CACHE INTERNAL "")
endfunction()

# sfar_add_test(<name> SOURCES ... [TORCH_SOURCES ...] DEPS ... [LABELS unit;integration;slow;cuda]
#               [PROCESSORS n|ALL])
# (test cases named *RealData* get the label `extra` instead; see tests/CMakeLists.txt)
# One executable per module keeps link time low; gtest_discover_tests registers each case
# with CTest and labels it, so `ctest -L unit` selects quick tests.
function(sfar_add_test name)
  cmake_parse_arguments(ARG "" "PROCESSORS" "SOURCES;TORCH_SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name})
  sfar_target_sources(${name} SOURCES ${ARG_SOURCES} TORCH_SOURCES ${ARG_TORCH_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} sfar_test_support GTest::gtest GTest::gtest_main)
  if(NOT ARG_TORCH_SOURCES)
    # Suites that never touch LibTorch should not load it: ctest starts one process per test
    # case, and loading LibTorch costs about a second each time.
    target_link_options(${name} PRIVATE -Wl,--as-needed)
  endif()
  sfar_apply_warnings(${name})
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  # PROCESSORS: the cores each case keeps busy, ALL for a training run that uses every core of
  # this machine. `ctest -j N` then starts no other case beside it: two such runs on the same
  # cores each take longer than the two one after the other.
  if(NOT ARG_PROCESSORS)
    set(ARG_PROCESSORS 1)
  elseif(ARG_PROCESSORS STREQUAL "ALL")
    cmake_host_system_information(RESULT ARG_PROCESSORS QUERY NUMBER_OF_LOGICAL_CORES)
  endif()
  # Default suite: every case but the *RealData* ones, after the generated references exist.
  # FIXTURES_REQUIRED comes first: gtest_discover_tests flattens the PROPERTIES list, so a
  # property after a two-label LABELS would pair with the wrong value.
  gtest_discover_tests(${name}
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
    TEST_FILTER "-*RealData*"
    PROPERTIES FIXTURES_REQUIRED sfar_references PROCESSORS ${ARG_PROCESSORS} LABELS "${ARG_LABELS}"
    DISCOVERY_TIMEOUT 120)
  # The extra suite: cases named *RealData* read $SFAR_DATA_DIR and carry only the label extra.
  gtest_discover_tests(${name}
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
    TEST_FILTER "*RealData*"
    PROPERTIES FIXTURES_REQUIRED sfar_references LABELS extra
    DISCOVERY_TIMEOUT 120)
endfunction()

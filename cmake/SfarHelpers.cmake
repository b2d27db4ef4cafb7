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

# sfar_add_test(<name> SOURCES ... [TORCH_SOURCES ...] DEPS ... [LABELS <tier> [label...]]
#               [UNIT suite...] [INTEGRATION suite...] [SLOW suite...] [PROCESSORS n|ALL])
# One executable per module keeps link time low; gtest_discover_tests registers each case with
# CTest. Every case carries exactly one tier label, so that `ctest -L unit` selects the quick ones:
#   unit         fast and isolated: the library in-process, at most a second or so;
#   integration  the `sfar` binary end to end, training runs, other processes and tools;
#   slow         a case that takes more than about 20 s.
# LABELS names the tier of every case (unit when left out) and any further labels all cases
# carry (cuda); UNIT, INTEGRATION and SLOW name the test suites (the name before the '.',
# without a TEST_P prefix) whose cases take that tier instead. Cases named *RealData* carry
# `extra` too. The labels are set when CTest reads the tests (tests/support/test_labels.cmake),
# and CTest's python.test_labels checks that no test has two tiers or none.
function(sfar_add_test name)
  cmake_parse_arguments(ARG "" "PROCESSORS" "SOURCES;TORCH_SOURCES;DEPS;LABELS;UNIT;INTEGRATION;SLOW" ${ARGN})
  add_executable(${name})
  sfar_target_sources(${name} SOURCES ${ARG_SOURCES} TORCH_SOURCES ${ARG_TORCH_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} sfar_test_support GTest::gtest GTest::gtest_main)
  if(NOT ARG_TORCH_SOURCES)
    # Suites that never touch LibTorch should not load it: ctest starts one process per test
    # case, and loading LibTorch costs about a second each time.
    target_link_options(${name} PRIVATE -Wl,--as-needed)
  endif()
  sfar_apply_warnings(${name})
  # PROCESSORS: the cores each case keeps busy, ALL for a training run that uses every core of
  # this machine. `ctest -j N` then starts no other case beside it: two such runs on the same
  # cores each take longer than the two one after the other.
  if(NOT ARG_PROCESSORS)
    set(ARG_PROCESSORS 1)
  elseif(ARG_PROCESSORS STREQUAL "ALL")
    cmake_host_system_information(RESULT ARG_PROCESSORS QUERY NUMBER_OF_LOGICAL_CORES)
  endif()
  # Every case after the generated references exist. The labels are not set here:
  # gtest_discover_tests flattens its PROPERTIES list, so that a second label would pair with
  # nothing and be lost.
  gtest_discover_tests(${name}
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
    TEST_LIST ${name}_TESTS
    PROPERTIES FIXTURES_REQUIRED sfar_references PROCESSORS ${ARG_PROCESSORS}
    DISCOVERY_TIMEOUT 120)
  sfar_label_test_cases(${name} "${ARG_LABELS}" "${ARG_UNIT}" "${ARG_INTEGRATION}" "${ARG_SLOW}")
endfunction()

# The labelling of sfar_add_test: checks the declaration now, and has CTest include
# tests/support/test_labels.cmake after the executable's discovered cases.
function(sfar_label_test_cases name labels unit integration slow)
  set(tiers unit integration slow)
  set(tier "")
  set(more "")
  foreach(label IN LISTS labels)
    if(label IN_LIST tiers)
      list(APPEND tier ${label})
    else()
      list(APPEND more ${label})
    endif()
  endforeach()
  list(LENGTH tier count)
  if(count EQUAL 0)
    set(tier unit)
  elseif(count GREATER 1)
    message(FATAL_ERROR "sfar_add_test(${name}): LABELS names the tiers ${tier}; a case has exactly one "
                        "(name the suites of the others with UNIT, INTEGRATION or SLOW)")
  endif()
  set(named ${unit} ${integration} ${slow})
  list(REMOVE_DUPLICATES named)
  list(LENGTH named distinct)
  list(LENGTH unit a)
  list(LENGTH integration b)
  list(LENGTH slow c)
  math(EXPR listed "${a} + ${b} + ${c}")
  if(NOT distinct EQUAL listed)
    message(FATAL_ERROR "sfar_add_test(${name}): a suite is named under two of UNIT, INTEGRATION and SLOW "
                        "(${unit} | ${integration} | ${slow})")
  endif()
  set(file ${CMAKE_CURRENT_BINARY_DIR}/${name}_labels.cmake)
  file(WRITE ${file}
    "set(sfar_owner \"${name}\")\n"
    "set(sfar_cases \"\${${name}_TESTS}\")\n"
    "set(sfar_tier \"${tier}\")\n"
    "set(sfar_more_labels \"${more}\")\n"
    "set(sfar_unit \"${unit}\")\n"
    "set(sfar_integration \"${integration}\")\n"
    "set(sfar_slow \"${slow}\")\n"
    "set(sfar_cmake \"${CMAKE_COMMAND}\")\n"
    "include(\"${CMAKE_SOURCE_DIR}/tests/support/test_labels.cmake\")\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${file})
endfunction()

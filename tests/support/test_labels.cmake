# Labels the cases of one test executable when CTest reads the tests: included from the
# CTestTestfile after gtest_discover_tests' list of the executable's cases. sfar_add_test
# (cmake/SfarHelpers.cmake) writes the variables before the include:
#   sfar_owner        the executable
#   sfar_cases        its cases, as gtest_discover_tests listed them
#   sfar_tier         the tier of every case whose suite is not named below
#   sfar_unit, sfar_integration, sfar_slow   the suites whose cases take that tier instead
#   sfar_more_labels  labels every case carries besides its tier (cuda)
#   sfar_cmake        the cmake that reports a suite named in CMakeLists.txt but never seen
# A case's suite is its name up to the first '.', without the prefix of a parameterised
# instantiation (`Generated/SharedVideo`) or the index of a typed test (`Suite/0`); CMake names
# an instantiated typed test `<Prefix>.<Test><type>`, so such a suite is labelled by its prefix.
# Cases named *RealData* carry `extra` too: the suite that reads $SFAR_DATA_DIR.

set(sfar_seen "")
foreach(sfar_case IN LISTS sfar_cases)
  string(REGEX REPLACE "\\..*$" "" sfar_suite "${sfar_case}")
  string(REGEX REPLACE "/[0-9]+$" "" sfar_suite "${sfar_suite}")
  string(REGEX REPLACE "^.*/" "" sfar_suite "${sfar_suite}")
  set(sfar_labels ${sfar_tier})
  foreach(sfar_named unit integration slow)
    list(FIND sfar_${sfar_named} "${sfar_suite}" sfar_at)
    if(NOT sfar_at EQUAL -1)
      set(sfar_labels ${sfar_named})
      list(APPEND sfar_seen "${sfar_suite}")
    endif()
  endforeach()
  list(APPEND sfar_labels ${sfar_more_labels})
  if(sfar_case MATCHES "RealData")
    list(APPEND sfar_labels extra)
  endif()
  set_tests_properties("${sfar_case}" PROPERTIES LABELS "${sfar_labels}")
endforeach()

# A suite named in CMakeLists.txt that no case has (renamed, or a typo) would leave its cases
# in the executable's tier without a word: that is a failing test, naming it. An executable
# not built yet has no cases, and gtest_discover_tests reports that itself.
if(sfar_cases)
  foreach(sfar_suite IN LISTS sfar_unit sfar_integration sfar_slow)
    list(FIND sfar_seen "${sfar_suite}" sfar_at)
    if(sfar_at EQUAL -1)
      add_test("${sfar_owner}.labels.${sfar_suite}" "${sfar_cmake}" -E echo
               "${sfar_owner}: the suite ${sfar_suite} that its CMakeLists.txt labels matches no test case")
      set_tests_properties("${sfar_owner}.labels.${sfar_suite}" PROPERTIES
                           LABELS "${sfar_tier}" FAIL_REGULAR_EXPRESSION "matches no test case")
    endif()
  endforeach()
endif()

# Every third-party package sfar uses is found here, once.
# LibTorch: the one inside the project's Python environment (the pinned PyTorch wheel, which
# scripts/build.sh passes through CMAKE_PREFIX_PATH), or any official 2.x build given there.
#
# Protobuf comes first: when no protobuf::libprotobuf target exists yet, the wheel's
# Caffe2Config.cmake defines that name as an empty stand-in, and the real library would never
# be linked. (TensorBoard event files need libprotobuf-dev and protoc, protobuf-compiler.)
find_package(Protobuf REQUIRED)
if(NOT Protobuf_PROTOC_EXECUTABLE)
  message(FATAL_ERROR "protoc not found: install protobuf-compiler (Debian) to compile sfar's TensorBoard event protos")
endif()
find_package(Torch 2.4 REQUIRED)
# TorchConfig finds libc10 with find_library, which looks in the system's directories before
# LibTorch's own: with Debian's libtorch-dev installed it picks /usr/lib/.../libc10.so (1.13),
# and a process then loads both c10s and aborts in static initialisation. Every libc10/libtorch*
# file in TORCH_LIBRARIES must come from the LibTorch that was found.
get_filename_component(SFAR_TORCH_LIB_DIR "${TORCH_INSTALL_PREFIX}/lib" REALPATH)
set(SFAR_TORCH_LIBRARIES)
foreach(lib IN LISTS TORCH_LIBRARIES)
  get_filename_component(name "${lib}" NAME)
  if(IS_ABSOLUTE "${lib}" AND name MATCHES "^lib(c10|torch)[A-Za-z0-9_]*\\.so$")
    get_filename_component(dir "${lib}" DIRECTORY)
    get_filename_component(dir "${dir}" REALPATH)
    if(NOT dir STREQUAL SFAR_TORCH_LIB_DIR)
      if(NOT EXISTS "${SFAR_TORCH_LIB_DIR}/${name}")
        message(FATAL_ERROR "LibTorch at ${TORCH_INSTALL_PREFIX} has no ${name}; TorchConfig found ${lib} instead")
      endif()
      message(STATUS "Using ${SFAR_TORCH_LIB_DIR}/${name}, not the ${lib} that TorchConfig found")
      set(lib "${SFAR_TORCH_LIB_DIR}/${name}")
    endif()
  endif()
  list(APPEND SFAR_TORCH_LIBRARIES "${lib}")
endforeach()
set(TORCH_LIBRARIES ${SFAR_TORCH_LIBRARIES})
# LibTorch 2.14 and later refuse C++17 ("C++20 or later compatible compiler is required to use
# ATen", PyTorch PR #178150). sfar's sources compile as C++20 too (checked with GCC 12,
# -fsyntax-only over every translation unit), so they are built as C++20 there.
if(Torch_VERSION VERSION_GREATER_EQUAL 2.14)
  set(CMAKE_CXX_STANDARD 20)
endif()
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(ZLIB REQUIRED)
find_package(CURL REQUIRED)
pkg_check_modules(UTF8PROC REQUIRED IMPORTED_TARGET libutf8proc)
pkg_check_modules(SENTENCEPIECE REQUIRED IMPORTED_TARGET sentencepiece)

if(SFAR_WITH_VIDEO)
  pkg_check_modules(LIBAV REQUIRED IMPORTED_TARGET libavformat libavcodec libavutil libswscale)
endif()
include(SfarOpenCV)  # image files and the key-frame picture need it even without video

if(SFAR_BUILD_TESTS)
  find_package(GTest REQUIRED)
  include(GoogleTest)
endif()

# TORCH_LIBRARIES carries the CUDA libraries too when LibTorch was built with them.
add_library(sfar_torch INTERFACE)
target_link_libraries(sfar_torch INTERFACE ${TORCH_LIBRARIES})
# PyTorch's wheels link parts of a newer libstdc++ statically and export them (std::filesystem
# among them; PyTorch issue 133437). A program that lists libtorch before libstdc++ binds its
# own std::filesystem calls to those copies, and remove_all jumps to address 0. Naming libstdc++
# first, before any object, makes the dynamic linker find the system's definitions first.
target_link_options(sfar_torch INTERFACE "LINKER:--push-state,--no-as-needed,-lstdc++,--pop-state")
# Build-tree only: an installed sfar finds LibTorch again through find_dependency(Torch).
target_include_directories(sfar_torch SYSTEM INTERFACE $<BUILD_INTERFACE:${TORCH_INCLUDE_DIRS}>)
# A PyTorch wheel's include directory also holds copies of fmt 12 (and protobuf 3.13, kept out
# of the way in src/engine). Searched first, they would replace the Debian fmt 9 that spdlog is
# built for, and spdlog's headers stop compiling. So the translation units that see LibTorch see
# Debian's fmt first, through a directory that holds only a link to it.
find_path(SFAR_FMT_INCLUDE_DIR fmt/format.h PATHS /usr/include NO_CMAKE_PATH NO_CMAKE_ENVIRONMENT_PATH)
if(EXISTS "${TORCH_INCLUDE_DIRS}/fmt" OR EXISTS "${TORCH_INSTALL_PREFIX}/include/fmt")
  if(NOT SFAR_FMT_INCLUDE_DIR)
    message(FATAL_ERROR "fmt/format.h not found: install libfmt-dev (spdlog's fmt)")
  endif()
  set(SFAR_FMT_FIRST_DIR ${CMAKE_BINARY_DIR}/fmt-first)
  file(MAKE_DIRECTORY ${SFAR_FMT_FIRST_DIR})
  file(CREATE_LINK ${SFAR_FMT_INCLUDE_DIR}/fmt ${SFAR_FMT_FIRST_DIR}/fmt SYMBOLIC)
  target_include_directories(sfar_torch SYSTEM BEFORE INTERFACE $<BUILD_INTERFACE:${SFAR_FMT_FIRST_DIR}>)
endif()
target_compile_options(sfar_torch INTERFACE ${TORCH_CXX_FLAGS})

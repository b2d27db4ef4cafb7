# Every third-party package sfar uses is found here, once.
# LibTorch: Debian's libtorch-dev (1.13, CPU) by default, or an official 2.x build given
# through CMAKE_PREFIX_PATH (see third_party/README.md).
find_package(Torch REQUIRED)
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
# TensorBoard event files (sfar::train): libprotobuf-dev and protoc (protobuf-compiler).
find_package(Protobuf REQUIRED)
if(NOT Protobuf_PROTOC_EXECUTABLE)
  message(FATAL_ERROR "protoc not found: install protobuf-compiler (Debian) to compile sfar's TensorBoard event protos")
endif()
pkg_check_modules(UTF8PROC REQUIRED IMPORTED_TARGET libutf8proc)
pkg_check_modules(SENTENCEPIECE REQUIRED IMPORTED_TARGET sentencepiece)

if(SFAR_WITH_VIDEO)
  pkg_check_modules(LIBAV REQUIRED IMPORTED_TARGET libavformat libavcodec libavutil libswscale)
  find_package(OpenCV REQUIRED COMPONENTS core imgproc imgcodecs)
endif()

if(SFAR_BUILD_TESTS)
  find_package(GTest REQUIRED)
  include(GoogleTest)
endif()

# TORCH_LIBRARIES carries the CUDA libraries too when LibTorch was built with them.
add_library(sfar_torch INTERFACE)
target_link_libraries(sfar_torch INTERFACE ${TORCH_LIBRARIES})
target_include_directories(sfar_torch SYSTEM INTERFACE ${TORCH_INCLUDE_DIRS})
target_compile_options(sfar_torch INTERFACE ${TORCH_CXX_FLAGS})

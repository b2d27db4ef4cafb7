# OpenCV's core, imgproc and imgcodecs: all sfar uses (image files, the synthetic renderer, the
# key-frame picture). OpenCV's own CMake package comes first. Debian ships it only in
# libopencv-dev, which pulls every OpenCV module (and VTK) in; the three -dev packages of the
# modules sfar uses hold the headers and libraries but no package file. Without the package,
# this finds those three by hand and makes imported targets under OpenCV's own names
# (opencv_core, ...), so that the rest of the build, and an installed sfar's exported targets,
# name them the same way either way. Sets OpenCV_LIBS and OpenCV_FOUND.
set(SFAR_OPENCV_MODULES core imgproc imgcodecs)

find_package(OpenCV QUIET CONFIG COMPONENTS ${SFAR_OPENCV_MODULES})
if(NOT OpenCV_FOUND)
  find_path(SFAR_OPENCV_INCLUDE_DIR opencv2/core.hpp PATH_SUFFIXES opencv4)
  set(OpenCV_LIBS)
  set(_sfar_opencv_missing)
  if(NOT SFAR_OPENCV_INCLUDE_DIR)
    list(APPEND _sfar_opencv_missing "opencv2/core.hpp")
  endif()
  foreach(_module IN LISTS SFAR_OPENCV_MODULES)
    find_library(SFAR_OPENCV_${_module}_LIBRARY opencv_${_module})
    if(NOT SFAR_OPENCV_${_module}_LIBRARY)
      list(APPEND _sfar_opencv_missing "libopencv_${_module}")
    elseif(NOT TARGET opencv_${_module})
      add_library(opencv_${_module} SHARED IMPORTED)
      set_target_properties(opencv_${_module} PROPERTIES
        IMPORTED_LOCATION "${SFAR_OPENCV_${_module}_LIBRARY}"
        INTERFACE_INCLUDE_DIRECTORIES "${SFAR_OPENCV_INCLUDE_DIR}")
    endif()
    list(APPEND OpenCV_LIBS opencv_${_module})
  endforeach()
  if(_sfar_opencv_missing)
    message(FATAL_ERROR "OpenCV not found: no OpenCVConfig.cmake and no ${_sfar_opencv_missing}. On Debian: "
      "apt-get install libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev (scripts/install_deps.sh), "
      "or set OpenCV_DIR to an OpenCV build.")
  endif()
  set(OpenCV_FOUND TRUE)
  message(STATUS "OpenCV: ${SFAR_OPENCV_MODULES} from ${SFAR_OPENCV_INCLUDE_DIR} (no OpenCV package file)")
endif()

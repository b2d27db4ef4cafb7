// Exists only so that CMake has a translation unit to build the shared precompiled header from.

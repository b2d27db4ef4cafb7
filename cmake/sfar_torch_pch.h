// Precompiled for every sfar translation unit that uses LibTorch (see SfarHelpers.cmake).
#pragma once
#include <torch/torch.h>

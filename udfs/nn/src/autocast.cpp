// CPU (and CUDA) autocast to bfloat16 for training: tch exposes only CUDA autocast with the
// default fp16, so the two calls the trainer needs are made here against libtorch's C++ API.
#include <ATen/autocast_mode.h>

extern "C" int cyto_autocast_enter(int cuda) {
  try {
    auto dev = cuda ? at::kCUDA : at::kCPU;
    at::autocast::set_autocast_dtype(dev, at::kBFloat16);
    at::autocast::set_autocast_enabled(dev, true);
    at::autocast::increment_nesting();
    return 0;
  } catch (...) {
    return 1;
  }
}

extern "C" void cyto_autocast_exit(int cuda) {
  try {
    auto dev = cuda ? at::kCUDA : at::kCPU;
    at::autocast::set_autocast_enabled(dev, false);
    if (at::autocast::decrement_nesting() == 0) {
      at::autocast::clear_cache();
    }
  } catch (...) {
  }
}

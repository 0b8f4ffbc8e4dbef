// AdamW as one fused pass over every parameter (ATen's _fused_adamw_, what PyTorch runs for
// `AdamW(fused=True)`): libtorch's C++ torch::optim::AdamW, the one tch wraps, makes about ten
// elementwise passes per parameter. tch exposes neither the fused op nor setting gradients to
// none, so both calls are made here.
#include <ATen/ATen.h>
#include <ATen/ops/_foreach_add.h>
#include <ATen/ops/_fused_adamw.h>
#include <ATen/core/grad_mode.h>

#include <cstring>
#include <string>
#include <vector>

namespace {
thread_local std::string last_error;
}  // namespace

// One step over the parameters that have a gradient (each with its own step count, as
// torch::optim::AdamW). Returns 0, or 1 with the message kept for cyto_adamw_error.
extern "C" int cyto_fused_adamw(at::Tensor** params, at::Tensor** exp_avgs, at::Tensor** exp_avg_sqs,
                                at::Tensor** steps, size_t n, double lr, double beta1, double beta2,
                                double weight_decay, double eps) {
  try {
    at::NoGradGuard no_grad;
    std::vector<at::Tensor> p, g, m, v, s;
    for (size_t i = 0; i < n; ++i) {
      const at::Tensor& grad = params[i]->grad();
      if (!grad.defined()) continue;
      p.push_back(*params[i]);
      g.push_back(grad);
      m.push_back(*exp_avgs[i]);
      v.push_back(*exp_avg_sqs[i]);
      s.push_back(*steps[i]);
    }
    if (p.empty()) return 0;
    at::_foreach_add_(s, 1);
    at::_fused_adamw_(p, g, m, v, {}, s, lr, beta1, beta2, weight_decay, eps, false, false);
    return 0;
  } catch (const std::exception& e) {
    last_error = e.what();
    return 1;
  }
}

// Drops the gradients (PyTorch's zero_grad(set_to_none=True)): the next backward writes them
// afresh instead of adding into zeroed buffers.
extern "C" void cyto_grads_to_none(at::Tensor** params, size_t n) {
  for (size_t i = 0; i < n; ++i) params[i]->mutable_grad().reset();
}

// Copies the last error's first `cap - 1` bytes into `buf`, NUL-terminated.
extern "C" void cyto_adamw_error(char* buf, size_t cap) {
  if (cap == 0) return;
  size_t k = std::min(cap - 1, last_error.size());
  std::memcpy(buf, last_error.data(), k);
  buf[k] = 0;
}

#include "sfar/models/block_checkpoint.h"

#include <ATen/autocast_mode.h>

#include <vector>

namespace sfar::models {
namespace {

// Keeps the block (and so its parameters) alive inside the autograd node until backward, with
// the attention mask (not differentiated; possibly undefined, which autograd does not take as
// an input).
struct BlockHolder : torch::CustomClassHolder {
  BlockHolder(ResidualAttentionBlock b, torch::Tensor m) : block(std::move(b)), mask(std::move(m)) {}
  ResidualAttentionBlock block;
  torch::Tensor mask;
};

// Sets autocast for one device type as it was during the forward pass, and puts the previous
// state back on exit (backward runs outside the training step's autocast region).
class AutocastRestore {
 public:
  AutocastRestore(c10::DeviceType device, bool enabled, at::ScalarType dtype)
      : device_(device),
        was_enabled_(at::autocast::is_autocast_enabled(device)),
        was_dtype_(at::autocast::get_autocast_dtype(device)) {
    at::autocast::set_autocast_dtype(device, dtype);
    at::autocast::set_autocast_enabled(device, enabled);
  }
  ~AutocastRestore() {
    at::autocast::set_autocast_enabled(device_, was_enabled_);
    at::autocast::set_autocast_dtype(device_, was_dtype_);
  }
  AutocastRestore(const AutocastRestore&) = delete;
  AutocastRestore& operator=(const AutocastRestore&) = delete;

 private:
  c10::DeviceType device_;
  bool was_enabled_;
  at::ScalarType was_dtype_;
};

class CheckpointFunction : public torch::autograd::Function<CheckpointFunction> {
 public:
  // `params` are the block's parameters: passed so that autograd gives each a gradient slot.
  // Function::apply runs this with grad mode off, so no graph is recorded.
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                               at::TensorList params, c10::intrusive_ptr<BlockHolder> holder) {
    const auto device = x.device().type();
    ctx->saved_data["block"] = c10::IValue::make_capsule(holder);
    ctx->saved_data["autocast"] = at::autocast::is_autocast_enabled(device);
    ctx->saved_data["autocast_dtype"] = at::autocast::get_autocast_dtype(device);
    ctx->save_for_backward({x});
    return holder->block->forward(x, holder->mask);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_out) {
    const auto x_saved = ctx->get_saved_variables()[0];
    auto holder = c10::static_intrusive_pointer_cast<BlockHolder>(ctx->saved_data["block"].toCapsule());
    const auto params = holder->block->parameters();
    const auto x_wants = ctx->needs_input_grad(0);

    // Recompute with a graph, from a detached copy of the input.
    const auto x = x_saved.detach().requires_grad_(x_wants);
    torch::Tensor y;
    {
      torch::AutoGradMode grad(true);
      AutocastRestore autocast(x.device().type(), ctx->saved_data["autocast"].toBool(),
                               ctx->saved_data["autocast_dtype"].toScalarType());
      y = holder->block->forward(x, holder->mask);
    }
    std::vector<torch::Tensor> wrt;
    std::vector<std::size_t> slot;  // index in the returned list for each entry of `wrt`
    if (x_wants) {
      wrt.push_back(x);
      slot.push_back(0);
    }
    for (std::size_t i = 0; i < params.size(); ++i) {
      if (params[i].requires_grad()) {
        wrt.push_back(params[i]);
        slot.push_back(1 + i);
      }
    }
    // x, each parameter, the holder.
    torch::autograd::variable_list grads(1 + params.size() + 1);
    if (wrt.empty() || !grad_out[0].defined()) return grads;
    const auto computed = torch::autograd::grad({y}, wrt, {grad_out[0]}, /*retain_graph=*/false,
                                                /*create_graph=*/false, /*allow_unused=*/true);
    for (std::size_t i = 0; i < wrt.size(); ++i) grads[slot[i]] = computed[i];
    return grads;
  }
};

}  // namespace

torch::Tensor checkpointed_block(ResidualAttentionBlock block, const torch::Tensor& x,
                                 const torch::Tensor& mask) {
  const auto params = block->parameters();
  bool needs_grad = torch::GradMode::is_enabled() && x.requires_grad();
  for (const auto& p : params) needs_grad = needs_grad || (torch::GradMode::is_enabled() && p.requires_grad());
  if (!needs_grad) return block->forward(x, mask);
  return CheckpointFunction::apply(x, at::TensorList(params), c10::make_intrusive<BlockHolder>(block, mask));
}

}  // namespace sfar::models

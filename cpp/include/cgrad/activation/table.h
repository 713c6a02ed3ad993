#pragma once
// The vocabulary of the activation table (cgrad/activation/activation_ops.def). Plain
// data, read by the ops and the bindings alike, so it sits in the core layer.
//
// Note [Activation table]: an activation (cgrad.nn.functional's gelu, silu, softplus, ...)
// is a pointwise unary op with parameters, and is one row, as the pointwise ops are (Note
// [Pointwise op tables]): the row names the op, its parameters (C++ type, name, default),
// its dtype rule and the error that rule raises (the pointwise table's DtypeRule), its
// kernel (a kernels::UnaryOp picked by the parameters, and the constants it reads), torch's
// node name, what its backward reads and its backward formula in cgrad's own ops, whether
// nn.functional's form takes inplace=, and its docstring. Its first derivative is usually
// a fused kernel run as an op of its own (gelu_backward, torch's *_backward functions), a
// row of the second kind: its parameters, the op it is the backward of, its forward (a
// kernels::BinaryOp of the gradient and the saved input, or cgrad ops), torch's node name
// (GeluBackwardBackward0 & co.), what that node saves and the derivative along the saved
// input. That op is linear in the gradient, so its derivative along the gradient is
// itself applied to the incoming gradient, and is not a column. A row of the third kind
// exposes an op of the unary table (relu, sigmoid, tanh) in nn.functional. Every layer
// expands the same rows:
//   cgrad/ops/activation.h      the declarations (the C++ parameters and their defaults)
//   ops/activation.cpp          the definitions: an activation runs through the unary
//                               table's own driver (dtype rule, kernel, node), a backward
//                               row through one driver of its own
//   bindings/activation.cpp     cgrad.nn.functional.name with the Python form of the
//                               parameters (and inplace=), the row's docstring, and
//                               cgrad._C._activation_ops() for the tests
// The kernels are written in kernels/elementwise.cpp beside the other unary and binary
// kernels, with vector paths of their own, so they are not generated from the rows; a row
// names the one it runs. So adding an activation is its row (and its backward's row), its
// kernels (an enumerator in kernels/kernels.h and the formula in elementwise.cpp) and its
// test cases; tests/test_activation_table.py fails for a row without a parity case, a
// float64 gradcheck (a second-order one for a backward row), torch's node name, torch's
// parameters or inplace=, or a docstring. softmax and log_softmax reduce along a dim, so
// they are written and bound by hand beside the table.

namespace cgrad::activation {

// nn.functional's inplace= argument.
enum Inplace {
  kNoInplace,      // no inplace= (torch has none)
  kInplace,        // inplace=True overwrites the input and records the op's own node, as
                   // torch does (relu_, silu_)
  kInplaceSavesResult,  // as kInplace, but recording torch's other node for it, which
                        // differentiates from the result (LeakyReluBackward1): the op
                        // name##_saving_result (Note [In-place activations save the result])
};
// What a backward row's node saves besides its input: the incoming gradient, as
// `grad_output`, or nothing (torch keeps none for a piecewise-linear activation).
enum SavedGrad { kSavesGrad, kNoGrad };

}  // namespace cgrad::activation

// A row's parameters are a parenthesized list: (type, name, default, ...) for an
// activation, (type, name, ...) for a backward row, () for none. CGRAD_EACH_PARAM(M, params)
// and CGRAD_EACH_BACKWARD_PARAM(M, params) expand M(type, name, default) or M(type, name)
// for each, up to three.
#define CGRAD_PARAMS_UNPAREN(...) __VA_ARGS__
#define CGRAD_EACH_PARAM(M, params) CGRAD_EACH_PARAM_I(M, CGRAD_PARAMS_UNPAREN params)
#define CGRAD_EACH_PARAM_I(M, ...) \
  CGRAD_PICK_10TH(__VA_ARGS__, CGRAD_PARAM_3, _, _, CGRAD_PARAM_2, _, _, CGRAD_PARAM_1, _, \
                  CGRAD_PARAM_0, _)(M, __VA_ARGS__)
#define CGRAD_PICK_10TH(_1, _2, _3, _4, _5, _6, _7, _8, _9, pick, ...) pick
#define CGRAD_PARAM_0(M, ...)
#define CGRAD_PARAM_1(M, t1, n1, d1) M(t1, n1, d1)
#define CGRAD_PARAM_2(M, t1, n1, d1, t2, n2, d2) M(t1, n1, d1) M(t2, n2, d2)
#define CGRAD_PARAM_3(M, t1, n1, d1, t2, n2, d2, t3, n3, d3) \
  M(t1, n1, d1) M(t2, n2, d2) M(t3, n3, d3)
#define CGRAD_EACH_BACKWARD_PARAM(M, params) \
  CGRAD_EACH_BACKWARD_PARAM_I(M, CGRAD_PARAMS_UNPAREN params)
#define CGRAD_EACH_BACKWARD_PARAM_I(M, ...)                                             \
  CGRAD_PICK_7TH(__VA_ARGS__, CGRAD_BACKWARD_PARAM_3, _, CGRAD_BACKWARD_PARAM_2, _,     \
                 CGRAD_BACKWARD_PARAM_1, CGRAD_BACKWARD_PARAM_0, _)(M, __VA_ARGS__)
#define CGRAD_PICK_7TH(_1, _2, _3, _4, _5, _6, pick, ...) pick
#define CGRAD_BACKWARD_PARAM_0(M, ...)
#define CGRAD_BACKWARD_PARAM_1(M, t1, n1) M(t1, n1)
#define CGRAD_BACKWARD_PARAM_2(M, t1, n1, t2, n2) M(t1, n1) M(t2, n2)
#define CGRAD_BACKWARD_PARAM_3(M, t1, n1, t2, n2, t3, n3) M(t1, n1) M(t2, n2) M(t3, n3)

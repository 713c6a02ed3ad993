// Matrix products: mm, bmm, mv, dot, matmul (and @), outer, addmm/addmv/addr/baddbmm/
// addbmm (and their in-place methods), einsum, and nn.functional.linear.
#include "bindings.h"
#include "cgrad/errors.h"

namespace cgrad::bindings {

namespace {

// Products this large run with the GIL released, so other Python threads keep going.
constexpr int64_t kGilFreeElements = 1 << 16;

template <class F>
Tensor run_product(const Tensor& a, const Tensor& b, F&& f) {
  return without_gil_if_large(a->numel() + b->numel(), std::forward<F>(f), kGilFreeElements);
}

using ProductFn = Tensor (*)(const Tensor&, const Tensor&);
auto product(ProductFn fn) {
  return [fn](const Tensor& a, const Tensor& b) { return run_product(a, b, [&] { return fn(a, b); }); };
}

// `a @ b` takes tensors only; anything else returns NotImplemented (Python's TypeError).
auto matmul_operator(bool reflected) {
  return [reflected](const Tensor& self, py::handle other) -> py::object {
    if (!py::isinstance<TensorImpl>(other)) return not_implemented();
    Tensor o = other.cast<Tensor>();
    const Tensor& a = reflected ? o : self;
    const Tensor& b = reflected ? self : o;
    return py::cast(run_product(a, b, [&] { return matmul(a, b); }));
  };
}

}  // namespace

void init_linalg(py::module_& m, TensorClass& cls) {
  const std::tuple<const char*, ProductFn, const char*> products[] = {
      {"mm", &mm, "mat2"},      {"bmm", &bmm, "mat2"},     {"mv", &mv, "vec"},
      {"dot", &dot, "tensor"},  {"matmul", &matmul, "other"}, {"outer", &outer, "vec2"},
      {"ger", &outer, "vec2"}};
  for (auto [name, fn, other] : products)
    def_method_and_function(m, cls, name, product(fn), py::arg(other));
  cls.def("__matmul__", matmul_operator(false)).def("__rmatmul__", matmul_operator(true));

  // beta * input + alpha * product (Note [Adding a product]).
  using AddedProductFn = Tensor (*)(const Tensor&, const Tensor&, const Tensor&, const Scalar&,
                                    const Scalar&);
  const std::tuple<const char*, AddedProductFn, const char*, const char*> added_products[] = {
      {"addmm", &addmm, "mat1", "mat2"},         {"addmv", &addmv, "mat", "vec"},
      {"addr", &addr, "vec1", "vec2"},           {"baddbmm", &baddbmm, "batch1", "batch2"},
      {"addbmm", &addbmm, "batch1", "batch2"}};
  for (auto [name, fn, a_name, b_name] : added_products)
    def_method_and_function(
        m, cls, name,
        [name = name, fn = fn](const Tensor& input, const Tensor& a, const Tensor& b,
                               py::handle beta, py::handle alpha) {
          const Scalar beta_number = number_from_py(beta, name, "beta"),
                       alpha_number = number_from_py(alpha, name, "alpha");
          return run_product(a, b, [&] { return fn(input, a, b, beta_number, alpha_number); });
        },
        py::arg(a_name), py::arg(b_name), py::kw_only(), py::arg("beta") = 1,
        py::arg("alpha") = 1);

  // self.addmm_(mat1, mat2, *, beta=1, alpha=1) and its siblings: methods only, as in torch.
  using AddedProductInplaceFn = Tensor& (*)(Tensor&, const Tensor&, const Tensor&, const Scalar&,
                                            const Scalar&);
  const std::tuple<const char*, AddedProductInplaceFn, const char*, const char*>
      added_products_inplace[] = {{"addmm_", &addmm_, "mat1", "mat2"},
                                  {"addmv_", &addmv_, "mat", "vec"},
                                  {"addr_", &addr_, "vec1", "vec2"},
                                  {"baddbmm_", &baddbmm_, "batch1", "batch2"},
                                  {"addbmm_", &addbmm_, "batch1", "batch2"}};
  for (auto [name, fn, a_name, b_name] : added_products_inplace)
    cls.def(
        name,
        [name = name, fn = fn](py::object self_obj, const Tensor& a, const Tensor& b,
                               py::handle beta, py::handle alpha) {
          const Scalar beta_number = number_from_py(beta, name, "beta"),
                       alpha_number = number_from_py(alpha, name, "alpha");
          Tensor self = self_obj.cast<Tensor>();
          run_product(a, b, [&] { return fn(self, a, b, beta_number, alpha_number); });
          return self_obj;
        },
        py::arg(a_name), py::arg(b_name), py::kw_only(), py::arg("beta") = 1,
        py::arg("alpha") = 1);

  m.def("einsum", [](const std::string& equation, py::args args) {
    // einsum(eq, a, b) and einsum(eq, [a, b]) are both accepted, as in torch.
    py::sequence seq = args;
    if (args.size() == 1 && (py::isinstance<py::list>(args[0]) || py::isinstance<py::tuple>(args[0])))
      seq = args[0];
    TensorList operands;
    for (py::handle h : seq) {
      if (!py::isinstance<TensorImpl>(h))
        throw TypeError("einsum(): operands must be Tensors, got " + type_name(h));
      operands.push_back(h.cast<Tensor>());
    }
    int64_t elements = 0;
    for (const Tensor& t : operands) elements += t->numel();
    return without_gil_if_large(elements, [&] { return einsum(equation, operands); },
                                kGilFreeElements);
  }, py::arg("equation"));

  py::module_ nn = m.attr("_nn");
  nn.def("linear", [](const Tensor& input, const Tensor& weight, std::optional<Tensor> bias) {
    return run_product(input, weight, [&] { return linear(input, weight, bias ? *bias : Tensor()); });
  }, py::arg("input"), py::arg("weight"), py::arg("bias") = py::none());
}

}  // namespace cgrad::bindings

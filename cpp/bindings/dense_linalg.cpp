// cgrad.linalg's compiled functions, in the submodule _C._linalg (python/cgrad/linalg
// adds norm's dispatch), torch.linalg.LinAlgError as _C._LinAlgError, and the top-level
// aliases torch keeps: det, inverse, slogdet, logdet, matrix_power (functions and
// methods).
#include <cmath>

#include "bindings.h"
#include "cgrad/errors.h"

namespace cgrad::bindings {

namespace {
PyStructSequence_Field kEigh[] = {{"eigenvalues", nullptr}, {"eigenvectors", nullptr}, {nullptr, nullptr}};
PyStructSequence_Field kSlogdet[] = {{"sign", nullptr}, {"logabsdet", nullptr}, {nullptr, nullptr}};
PyStructSequence_Field kQr[] = {{"Q", nullptr}, {"R", nullptr}, {nullptr, nullptr}};
PyStructSequence_Field kSvd[] = {{"U", nullptr}, {"S", nullptr}, {"Vh", nullptr}, {nullptr, nullptr}};

bool upper_from_uplo(const std::string& uplo) {
  if (uplo != "L" && uplo != "U")
    throw std::runtime_error("Expected UPLO argument to be 'L' or 'U', but got " + uplo);
  return uplo == "U";
}

// Factorisations are O(n^3): release the GIL (Note [GIL release]) from a modest size on.
constexpr int64_t kFactorizationGilFree = 4096;
template <class F> auto without_gil(const Tensor& a, F&& f) {
  return without_gil_if_large(a->numel(), std::forward<F>(f), kFactorizationGilFree);
}

// A one-matrix function, without the GIL on large inputs.
auto unary(Tensor (*fn)(const Tensor&)) {
  return [fn](const Tensor& a) { return without_gil(a, [&] { return fn(a); }); };
}

// The factorisations and solves of cgrad.linalg; tuples come back as torch.return_types.
void def_factorizations(py::module_& la, py::module_& types) {
  py::object eigh_type = make_return_type("cgrad.return_types.linalg_eigh", kEigh);
  py::object slogdet_type = make_return_type("cgrad.return_types.linalg_slogdet", kSlogdet);
  py::object qr_type = make_return_type("cgrad.return_types.linalg_qr", kQr);
  py::object svd_type = make_return_type("cgrad.return_types.linalg_svd", kSvd);
  types.attr("linalg_eigh") = eigh_type;
  types.attr("linalg_slogdet") = slogdet_type;
  types.attr("linalg_qr") = qr_type;
  types.attr("linalg_svd") = svd_type;

  la.def("inv", unary(&linalg_inv), py::arg("A"));
  la.def("det", unary(&linalg_det), py::arg("A"));
  la.def("svdvals", unary(&linalg_svdvals), py::arg("A"));
  la.def("solve", [](const Tensor& a, const Tensor& b, bool left) {
    return without_gil(a, [&] { return linalg_solve(a, b, left); });
  }, py::arg("A"), py::arg("B"), py::kw_only(), py::arg("left") = true);
  la.def("slogdet", [slogdet_type](const Tensor& a) {
    auto r = linalg_slogdet(a);
    return struct_result(slogdet_type, {r.first, r.second});
  }, py::arg("A"));
  la.def("cholesky", [](const Tensor& a, bool upper) {
    return without_gil(a, [&] { return linalg_cholesky(a, upper); });
  }, py::arg("A"), py::kw_only(), py::arg("upper") = false);
  la.def("qr", [qr_type](const Tensor& a, const std::string& mode) {
    auto r = without_gil(a, [&] { return linalg_qr(a, mode); });
    return struct_result(qr_type, {r.first, r.second});
  }, py::arg("A"), py::arg("mode") = "reduced");
  la.def("eigh", [eigh_type](const Tensor& a, const std::string& uplo) {
    const bool upper = upper_from_uplo(uplo);
    auto r = without_gil(a, [&] { return linalg_eigh(a, upper); });
    return struct_result(eigh_type, {r.first, r.second});
  }, py::arg("A"), py::arg("UPLO") = "L");
  la.def("eigvalsh", [](const Tensor& a, const std::string& uplo) {
    const bool upper = upper_from_uplo(uplo);
    return without_gil(a, [&] { return linalg_eigvalsh(a, upper); });
  }, py::arg("A"), py::arg("UPLO") = "L");
  la.def("svd", [svd_type](const Tensor& a, bool full_matrices) {
    auto [u, s, vh] = without_gil(a, [&] { return linalg_svd(a, full_matrices); });
    return struct_result(svd_type, {u, s, vh});
  }, py::arg("A"), py::arg("full_matrices") = true);
}

// matrix_power, cross and the norms, in cgrad.linalg and (cross) at the top level.
void def_products_and_norms(py::module_& m, TensorClass& cls, py::module_& la) {
  la.def("matrix_power", [](const Tensor& a, int64_t n) { return linalg_matrix_power(a, n); },
         py::arg("A"), py::arg("n"));
  la.def("cross", [](const Tensor& a, const Tensor& b, int64_t dim) { return linalg_cross(a, b, dim); },
         py::arg("input"), py::arg("other"), py::kw_only(), py::arg("dim") = -1);
  // torch.cross / Tensor.cross: warns (once, as torch) when dim is left to its default.
  def_method_and_function(m, cls, "cross", [](const Tensor& a, const Tensor& b, py::object dim) {
    static bool warned = false;
    if (dim.is_none() && !warned) {
      warned = true;
      if (PyErr_WarnEx(PyExc_UserWarning,
                       "Using torch.cross without specifying the dim arg is deprecated.\n"
                       "Please either pass the dim explicitly or simply use torch.linalg.cross.\n"
                       "The default value of dim will change to agree with that of linalg.cross "
                       "in a future release.", 1) < 0)
        throw py::error_already_set();
    }
    return cross(a, b, dim.is_none() ? std::nullopt : std::optional<int64_t>(dim_from_py(dim)));
  }, py::arg("other"), py::arg("dim") = py::none());
  la.def("matrix_norm", [](const Tensor& a, py::handle ord, py::handle dim, bool keepdim, py::handle dtype) {
    DimList dims = dim.is_none() ? DimList{-2, -1} : *dims_from_py(dim);
    if (dims.size() != 2) {
      std::string got;
      for (int64_t k : dims) got += " " + std::to_string(k);
      throw std::runtime_error("linalg.matrix_norm: dim must be a 2-tuple. Got" + got);
    }
    auto out_dtype = optional_dtype(dtype);
    Tensor x = out_dtype ? to_dtype(a, *out_dtype) : a;
    if (PyUnicode_Check(ord.ptr()))
      return linalg_matrix_norm(x, ord.cast<std::string>(), 0.0, dims[0], dims[1], keepdim);
    return linalg_matrix_norm(x, "", ord.cast<double>(), dims[0], dims[1], keepdim);
  }, py::arg("A"), py::arg("ord") = "fro", py::arg("dim") = py::make_tuple(-2, -1),
     py::arg("keepdim") = false, py::kw_only(), py::arg("dtype") = py::none());
  la.def("vector_norm", [](const Tensor& x, double ord, py::handle dim, bool keepdim, py::handle dtype) {
    auto out_dtype = optional_dtype(dtype);
    return norm(out_dtype ? to_dtype(x, *out_dtype) : x, ord, dims_from_py(dim), keepdim);
  }, py::arg("x"), py::arg("ord") = 2, py::arg("dim") = py::none(), py::arg("keepdim") = false,
     py::kw_only(), py::arg("dtype") = py::none());
}

// torch's top-level names for the same functions, as functions and methods.
void def_top_level_names(py::module_& m, TensorClass& cls, py::module_& types) {
  py::object top_slogdet_type = make_return_type("cgrad.return_types.slogdet", kSlogdet);
  types.attr("slogdet") = top_slogdet_type;
  def_method_and_function(m, cls, "det", unary(&linalg_det));
  def_method_and_function(m, cls, "inverse", unary(&linalg_inv));
  def_method_and_function(m, cls, "slogdet", [top_slogdet_type](const Tensor& a) {
    auto r = linalg_slogdet(a);
    return struct_result(top_slogdet_type, {r.first, r.second});
  });
  def_method_and_function(m, cls, "logdet", unary(&logdet));
  def_method_and_function(m, cls, "matrix_power",
                          [](const Tensor& a, int64_t n) { return linalg_matrix_power(a, n); },
                          py::arg("n"));
}

}  // namespace

void init_dense_linalg(py::module_& m, TensorClass& cls) {
  // torch._C._LinAlgError, exposed as torch.linalg.LinAlgError.
  py::register_exception<LinAlgError>(m, "_LinAlgError", PyExc_RuntimeError);
  py::module_ types = m.attr("return_types");
  py::module_ la = m.attr("_linalg");
  def_factorizations(la, types);
  def_products_and_norms(m, cls, la);
  def_top_level_names(m, cls, types);
}

}  // namespace cgrad::bindings

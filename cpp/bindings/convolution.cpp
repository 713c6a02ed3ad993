// Convolution and pooling functions of cgrad.nn.functional (the `_nn` submodule):
// conv1d, conv2d, max_pool1d/2d, avg_pool1d/2d, adaptive_avg_pool1d/2d/3d, adaptive_max_pool2d.
// Arguments arrive as torch takes them (an int or a tuple/list of ints); the ops check
// their lengths and values with torch's messages.
#include "bindings.h"
#include "cgrad/errors.h"

namespace cgrad::bindings {

namespace {

// An int, or a tuple / list of ints, as a list (None: empty, for an omitted stride).
IntList int_list(py::handle h, const char* fn, const char* arg) {
  if (h.is_none()) return {};
  if (py::isinstance<py::tuple>(h) || py::isinstance<py::list>(h)) {
    IntList out;
    for (py::handle item : py::reinterpret_borrow<py::sequence>(h)) out.push_back(unpack_int64(item));
    return out;
  }
  if (PyLong_Check(h.ptr()) && !PyBool_Check(h.ptr())) return {unpack_int64(h)};
  throw py::type_error(std::string(fn) + "(): argument '" + arg + "' must be tuple of ints, not " +
                       type_name(h));
}

std::string qualified_type_name(py::handle h) {
  if (py::isinstance<TensorImpl>(h)) return "Tensor";
  const py::handle type = py::type::of(h);
  const std::string module = py::str(type.attr("__module__")), name = py::str(type.attr("__qualname__"));
  return module == "builtins" ? name : module + "." + name;
}

// An element of an int list: an int (not a bool), an __index__ object (numpy ints) or a
// one-element integer tensor.
std::optional<int64_t> list_int(py::handle h) {
  if (PyBool_Check(h.ptr()) || PyFloat_Check(h.ptr())) return std::nullopt;
  if (py::isinstance<TensorImpl>(h)) {
    Tensor t = h.cast<Tensor>();
    if (t->numel() == 1 && is_integral(t->dtype, false)) return item_as_int64(*t);
    return std::nullopt;
  }
  if (PyLong_Check(h.ptr()) || PyIndex_Check(h.ptr())) return unpack_int64(h);
  return std::nullopt;
}

// torch's parser for an int[2] argument of im2col / col2im: an int stands for both
// values; a tuple or list is refused with torch's words for a bad first element and for
// a later one (its `pos` counts from 1).
IntList pair_arg(py::handle h, const char* fn, const char* arg, int position) {
  const std::string where = std::string(fn) + "(): argument '" + arg + "'";
  const std::string at = where + " (position " + std::to_string(position) + ")";
  if (PyLong_Check(h.ptr()) && !PyBool_Check(h.ptr())) return IntList(2, unpack_int64(h));
  if (!PyTuple_Check(h.ptr()) && !PyList_Check(h.ptr()))
    throw TypeError(at + " must be tuple of ints, not " + qualified_type_name(h));
  IntList out;
  for (py::handle item : h) {
    std::optional<int64_t> v;
    try {
      v = list_int(item);
    } catch (const ValueError& e) {  // beyond int64
      throw TypeError(where + " failed to unpack the object at pos " + std::to_string(out.size() + 1) +
                      " with error \"" + e.what() + "\"");
    }
    if (!v && out.empty())
      throw TypeError(at + " must be tuple of ints, but found element of type " +
                      qualified_type_name(item) + " at pos 0");
    if (!v)
      throw TypeError(where + " failed to unpack the object at pos " + std::to_string(out.size() + 1) +
                      " with error \"type must be tuple of ints,but got " + qualified_type_name(item) +
                      "\"");
    out.push_back(*v);
  }
  return out;
}

// adaptive pooling's output_size: an int, or a tuple whose None entries keep the input's size.
IntList output_sizes(py::handle h) {
  if (py::isinstance<py::tuple>(h) || py::isinstance<py::list>(h)) {
    IntList out;
    for (py::handle item : py::reinterpret_borrow<py::sequence>(h))
      out.push_back(item.is_none() ? kKeepInputSize : unpack_int64(item));
    return out;
  }
  return {unpack_int64(h)};
}

ConvOptions conv_options(py::handle stride, py::handle padding, py::handle dilation, int64_t groups,
                         const char* fn) {
  ConvOptions o;
  o.stride = int_list(stride, fn, "stride");
  if (py::isinstance<py::str>(padding)) o.padding_mode = padding.cast<std::string>();
  else o.padding = int_list(padding, fn, "padding");
  o.dilation = int_list(dilation, fn, "dilation");
  o.groups = groups;
  return o;
}

PoolOptions pool_options(py::handle kernel_size, py::handle stride, py::handle padding,
                         py::handle dilation, bool ceil_mode, const char* fn) {
  PoolOptions o;
  o.kernel_size = int_list(kernel_size, fn, "kernel_size");
  o.stride = int_list(stride, fn, "stride");
  o.padding = int_list(padding, fn, "padding");
  if (!dilation.is_none()) o.dilation = int_list(dilation, fn, "dilation");
  o.ceil_mode = ceil_mode;
  return o;
}

// (values, indices) or values alone, as return_indices asks.
py::object values_or_pair(std::pair<Tensor, Tensor> r, bool return_indices) {
  if (return_indices) return py::make_tuple(r.first, r.second);
  return py::cast(r.first);
}

// torch._C._nn's im2col / col2im; F.unfold and F.fold (Python) expand their arguments.
void def_fold(py::module_& nn) {
  nn.def("im2col", [](const Tensor& input, py::handle kernel_size, py::handle dilation,
                      py::handle padding, py::handle stride) {
    const IntList k = pair_arg(kernel_size, "im2col", "kernel_size", 2);
    const IntList d = pair_arg(dilation, "im2col", "dilation", 3);
    const IntList p = pair_arg(padding, "im2col", "padding", 4);
    const IntList s = pair_arg(stride, "im2col", "stride", 5);
    return without_gil_if_large(input->numel(), [&] { return im2col(input, k, d, p, s); });
  }, py::arg("input"), py::arg("kernel_size"), py::arg("dilation"), py::arg("padding"),
     py::arg("stride"));
  nn.def("col2im", [](const Tensor& input, py::handle output_size, py::handle kernel_size,
                      py::handle dilation, py::handle padding, py::handle stride) {
    const IntList o = pair_arg(output_size, "col2im", "output_size", 2);
    const IntList k = pair_arg(kernel_size, "col2im", "kernel_size", 3);
    const IntList d = pair_arg(dilation, "col2im", "dilation", 4);
    const IntList p = pair_arg(padding, "col2im", "padding", 5);
    const IntList s = pair_arg(stride, "col2im", "stride", 6);
    return without_gil_if_large(input->numel(), [&] { return col2im(input, o, k, d, p, s); });
  }, py::arg("input"), py::arg("output_size"), py::arg("kernel_size"), py::arg("dilation"),
     py::arg("padding"), py::arg("stride"));
}

}  // namespace

void init_convolution(py::module_& m) {
  py::module_ nn = m.attr("_nn");
  using ConvFn = Tensor (*)(const Tensor&, const Tensor&, const Tensor&, const ConvOptions&);
  for (auto [name, fn] : {std::pair<const char*, ConvFn>{"conv1d", &conv1d},
                          std::pair<const char*, ConvFn>{"conv2d", &conv2d}})
    nn.def(name, [fn = fn, name = name](const Tensor& input, const Tensor& weight,
                                        std::optional<Tensor> bias, py::object stride,
                                        py::object padding, py::object dilation, int64_t groups) {
      ConvOptions o = conv_options(stride, padding, dilation, groups, name);
      return without_gil_if_large(input->numel(), [&] { return fn(input, weight, or_null(bias), o); });
    }, py::arg("input"), py::arg("weight"), py::arg("bias") = py::none(), py::arg("stride") = 1,
       py::arg("padding") = 0, py::arg("dilation") = 1, py::arg("groups") = 1,
       "Applies a convolution over an input of shape [N, C, *spatial] (or unbatched).");

  using MaxFn = std::pair<Tensor, Tensor> (*)(const Tensor&, const PoolOptions&);
  for (auto [name, fn] : {std::pair<const char*, MaxFn>{"max_pool1d", &max_pool1d},
                          std::pair<const char*, MaxFn>{"max_pool2d", &max_pool2d}})
    nn.def(name, [fn = fn, name = name](const Tensor& input, py::object kernel_size, py::object stride,
                                        py::object padding, py::object dilation, bool ceil_mode,
                                        bool return_indices) {
      PoolOptions o = pool_options(kernel_size, stride, padding, dilation, ceil_mode, name);
      // torch's max_pool1d without indices is a kernel of its own, floating only.
      if (fn == &max_pool1d && !return_indices && !is_floating(input->dtype))
        throw_not_implemented_for("max_pool1d_impl", input->dtype);
      auto r = without_gil_if_large(input->numel(), [&] { return fn(input, o); });
      return values_or_pair(r, return_indices);
    }, py::arg("input"), py::arg("kernel_size"), py::arg("stride") = py::none(),
       py::arg("padding") = 0, py::arg("dilation") = 1, py::arg("ceil_mode") = false,
       py::arg("return_indices") = false);
  nn.def("max_pool2d_with_indices", [](const Tensor& input, py::object kernel_size, py::object stride,
                                       py::object padding, py::object dilation, bool ceil_mode,
                                       bool return_indices) {
    PoolOptions o = pool_options(kernel_size, stride, padding, dilation, ceil_mode, "max_pool2d");
    return values_or_pair(max_pool2d(input, o), true);
  }, py::arg("input"), py::arg("kernel_size"), py::arg("stride") = py::none(),
     py::arg("padding") = 0, py::arg("dilation") = 1, py::arg("ceil_mode") = false,
     py::arg("return_indices") = true);

  nn.def("avg_pool2d", [](const Tensor& input, py::object kernel_size, py::object stride,
                          py::object padding, bool ceil_mode, bool count_include_pad,
                          std::optional<int64_t> divisor_override) {
    PoolOptions o = pool_options(kernel_size, stride, padding, py::none(), ceil_mode, "avg_pool2d");
    o.count_include_pad = count_include_pad;
    o.has_divisor_override = divisor_override.has_value();
    o.divisor_override = divisor_override.value_or(0);
    return without_gil_if_large(input->numel(), [&] { return avg_pool2d(input, o); });
  }, py::arg("input"), py::arg("kernel_size"), py::arg("stride") = py::none(),
     py::arg("padding") = 0, py::arg("ceil_mode") = false, py::arg("count_include_pad") = true,
     py::arg("divisor_override") = py::none());
  nn.def("avg_pool1d", [](const Tensor& input, py::object kernel_size, py::object stride,
                          py::object padding, bool ceil_mode, bool count_include_pad) {
    PoolOptions o = pool_options(kernel_size, stride, padding, py::none(), ceil_mode, "avg_pool1d");
    o.count_include_pad = count_include_pad;
    return without_gil_if_large(input->numel(), [&] { return avg_pool1d(input, o); });
  }, py::arg("input"), py::arg("kernel_size"), py::arg("stride") = py::none(),
     py::arg("padding") = 0, py::arg("ceil_mode") = false, py::arg("count_include_pad") = true);

  def_fold(nn);

  nn.def("adaptive_avg_pool2d", [](const Tensor& input, py::object output_size) {
    IntList sizes = output_sizes(output_size);
    return without_gil_if_large(input->numel(), [&] { return adaptive_avg_pool2d(input, sizes); });
  }, py::arg("input"), py::arg("output_size"));
  using AdaptiveFn = Tensor (*)(const Tensor&, const IntList&);
  for (auto [name, fn] : {std::pair<const char*, AdaptiveFn>{"adaptive_avg_pool1d", &adaptive_avg_pool1d},
                          std::pair<const char*, AdaptiveFn>{"adaptive_avg_pool3d", &adaptive_avg_pool3d}})
    nn.def(name, [fn = fn](const Tensor& input, py::object output_size) {
      IntList sizes = output_sizes(output_size);
      return without_gil_if_large(input->numel(), [&] { return fn(input, sizes); });
    }, py::arg("input"), py::arg("output_size"));
  nn.def("adaptive_max_pool2d", [](const Tensor& input, py::object output_size, bool return_indices) {
    IntList sizes = output_sizes(output_size);
    auto r = without_gil_if_large(input->numel(), [&] { return adaptive_max_pool2d(input, sizes); });
    return values_or_pair(r, return_indices);
  }, py::arg("input"), py::arg("output_size"), py::arg("return_indices") = false);
}

}  // namespace cgrad::bindings

// Random sampling: randint, randint_like, randperm, normal, bernoulli, the in-place
// uniform_/normal_/bernoulli_, and manual_seed (rand/randn are factories, in creation.cpp).
#include "bindings.h"
#include "cgrad/errors.h"

namespace cgrad::bindings {

namespace {

std::string type_name(py::handle h) { return py::str(py::type::of(h).attr("__name__")); }

int64_t int_arg(py::handle h, const char* op, const char* name, int position) {
  if (!PyLong_Check(h.ptr()))
    throw TypeError(std::string(op) + "(): argument '" + name + "' (position " +
                    std::to_string(position) + ") must be int, not " + type_name(h));
  return h.cast<int64_t>();
}

Shape size_arg(py::handle h, const char* op, int position) {
  if (!PyTuple_Check(h.ptr()) && !PyList_Check(h.ptr()))
    throw TypeError(std::string(op) + "(): argument 'size' (position " + std::to_string(position) +
                    ") must be tuple of ints, not " + type_name(h));
  return sizes_from_args(py::make_tuple(h), op);
}

// The keywords every factory here takes.
struct FactoryOptions {
  std::optional<DType> dtype;
  bool requires_grad = false;
};

FactoryOptions factory_options(py::kwargs& kw, const char* op) {
  FactoryOptions o;
  if (kw.contains("dtype")) o.dtype = optional_dtype(kw.attr("pop")("dtype"));
  if (kw.contains("requires_grad")) o.requires_grad = kw.attr("pop")("requires_grad").cast<bool>();
  if (kw.contains("device")) kw.attr("pop")("device");  // torch code passes it; CPU only
  if (py::len(kw))
    throw TypeError(std::string(op) + "() got an unexpected keyword argument '" +
                    std::string(py::str(*kw.begin()->first)) + "'");
  return o;
}

Tensor finished(Tensor t, const FactoryOptions& o) {
  if (o.requires_grad) t->set_requires_grad(true);
  return t;
}

// randint(high, size), randint(low, high, size), any of them by keyword.
Tensor randint_call(py::args args, py::kwargs kw) {
  py::object low, high, size;
  const size_t n = args.size();
  if (n == 3) low = args[0], high = args[1], size = args[2];
  else if (n == 2 && kw.contains("size")) low = args[0], high = args[1];
  else if (n == 2) high = args[0], size = args[1];
  else if (n == 1) high = args[0];
  else if (n > 3) throw TypeError("randint() takes at most 3 positional arguments");
  for (auto [slot, name] : {std::pair{&low, "low"}, {&high, "high"}, {&size, "size"}})
    if (kw.contains(name)) {
      if (*slot)
        throw TypeError(std::string("randint() got multiple values for argument '") + name + "'");
      *slot = kw.attr("pop")(name);
    }
  if (!high || !size) throw TypeError("randint() missing required arguments 'high' and 'size'");
  FactoryOptions o = factory_options(kw, "randint");
  int64_t lo = low ? int_arg(low, "randint", "low", 0) : 0;
  return finished(randint(lo, int_arg(high, "randint", "high", 1), size_arg(size, "randint", 2),
                          o.dtype.value_or(DType::Int64)),
                  o);
}

}  // namespace

void init_random(py::module_& m, TensorClass& cls) {
  m.def("manual_seed", [](int64_t seed) { manual_seed(static_cast<uint64_t>(seed)); },
        py::arg("seed"), "Seeds the generator behind every random function.");
  m.def("randint", &randint_call, "Integers uniform in [low, high): randint(low=0, high, size).");
  m.def("randint_like", [](const Tensor& like, py::args args, py::kwargs kw) {
    if (args.size() < 1 || args.size() > 2)
      throw TypeError("randint_like() takes high or (low, high) after the input");
    const bool both = args.size() == 2;
    int64_t low = both ? int_arg(args[0], "randint_like", "low", 1) : 0;
    int64_t high = int_arg(args[both ? 1 : 0], "randint_like", "high", both ? 2 : 1);
    FactoryOptions o = factory_options(kw, "randint_like");
    return finished(randint(low, high, like->sizes, o.dtype.value_or(like->dtype)), o);
  }, py::arg("input"), "Integers uniform in [low, high) in input's shape (and dtype).");
  m.def("randperm", [](int64_t n, py::kwargs kw) {
    FactoryOptions o = factory_options(kw, "randperm");
    return finished(randperm(n, o.dtype.value_or(DType::Int64)), o);
  }, py::arg("n"), "A random permutation of 0..n-1.");
  m.def("normal", [](py::handle mean, py::handle stdev, py::handle size, py::kwargs kw) {
    if (!size.is_none()) {  // normal(mean: float, std: float, size)
      if (py::isinstance<TensorImpl>(mean) || py::isinstance<TensorImpl>(stdev))
        throw TypeError("normal(): with a size, mean and std must be numbers");
      FactoryOptions o = factory_options(kw, "normal");
      return finished(normal(mean.cast<double>(), stdev.cast<double>(), size_arg(size, "normal", 2),
                             o.dtype.value_or(kDefaultFloat)),
                      o);
    }
    if (py::len(kw)) throw TypeError("normal(): dtype and requires_grad go with a size only");
    return normal(operand_or_throw(mean, "normal"), operand_or_throw(stdev, "normal"));
  }, py::arg("mean"), py::arg("std") = 1.0, py::arg("size") = py::none(),
        "Normal samples: per-element mean/std tensors, or numbers with a size.");
  def_method_and_function(m, cls, "bernoulli", [](const Tensor& t, py::handle p) {
    if (p.is_none()) return bernoulli(t);
    if (!PyFloat_Check(p.ptr()) && !PyLong_Check(p.ptr()))
      throw TypeError("bernoulli(): argument 'p' must be float, not " + type_name(p));
    return bernoulli(t, p.cast<double>());
  }, py::arg("p") = py::none());

  cls.def("uniform_", [](py::object self, double from, double to) {
    Tensor t = self.cast<Tensor>();
    uniform_(t, from, to);
    return self;
  }, py::arg("from") = 0.0, py::arg("to") = 1.0);
  cls.def("normal_", [](py::object self, double mean, double stdev) {
    Tensor t = self.cast<Tensor>();
    normal_(t, mean, stdev);
    return self;
  }, py::arg("mean") = 0.0, py::arg("std") = 1.0);
  cls.def("bernoulli_", [](py::object self, py::handle p) {
    Tensor t = self.cast<Tensor>();
    if (py::isinstance<TensorImpl>(p)) bernoulli_(t, p.cast<Tensor>());
    else bernoulli_(t, p.cast<double>());
    return self;
  }, py::arg("p") = 0.5);
}

}  // namespace cgrad::bindings

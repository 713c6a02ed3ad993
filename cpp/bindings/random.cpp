// Random sampling: randint, randint_like, randperm, normal, bernoulli, the in-place
// uniform_/normal_/bernoulli_, and manual_seed (rand/randn are factories, in creation.cpp).
#include "bindings.h"
#include "cgrad/errors.h"

namespace cgrad::bindings {

namespace {

int64_t int_arg(py::handle h, const char* op, const char* name, int position) {
  if (!PyLong_Check(h.ptr()))
    throw TypeError(std::string(op) + "(): argument '" + name + "' (position " +
                    std::to_string(position) + ") must be int, not " + type_name(h));
  return unpack_int64(h);
}

Shape size_arg(py::handle h, const char* op, int position) {
  if (!PyTuple_Check(h.ptr()) && !PyList_Check(h.ptr()))
    throw TypeError(std::string(op) + "(): argument 'size' (position " + std::to_string(position) +
                    ") must be tuple of ints, not " + type_name(h));
  return sizes_from_args(py::make_tuple(h), op);
}

// The keywords every factory here takes; `use` makes the calls that sample draw from the
// generator given (Note [Generators]).
struct FactoryOptions {
  std::optional<DType> dtype;
  bool requires_grad = false;
  std::optional<GeneratorGuard> use;
};

void factory_options(py::kwargs& kw, const char* op, FactoryOptions& o) {
  auto take = [&](const char* name) {
    return kw.contains(name) ? kw.attr("pop")(name) : py::object(py::none());
  };
  o.dtype = optional_dtype(take("dtype"));
  py::object requires_grad = take("requires_grad");
  if (!requires_grad.is_none()) {
    if (!PyBool_Check(requires_grad.ptr()))
      throw TypeError(std::string(op) + "(): argument 'requires_grad' must be bool, not " +
                      type_name(requires_grad));
    o.requires_grad = requires_grad.cast<bool>();
  }
  check_device(take("device"));
  o.use.emplace(generator_from_py(take("generator"), op));
  if (py::len(kw))
    throw TypeError(std::string(op) + "() got an unexpected keyword argument '" +
                    std::string(py::str(kw.begin()->first)) + "'");
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
  FactoryOptions o;
  factory_options(kw, "randint", o);
  int64_t lo = low ? int_arg(low, "randint", "low", 0) : 0;
  return finished(randint(lo, int_arg(high, "randint", "high", 1), size_arg(size, "randint", 2),
                          o.dtype.value_or(DType::Int64)),
                  o);
}

}  // namespace

Generator* generator_from_py(py::handle generator, const char* op) {
  if (generator.is_none()) return nullptr;
  if (!py::isinstance<Generator>(generator))
    throw TypeError(std::string(op) + "(): argument 'generator' must be cgrad.Generator, not " +
                    type_name(generator));
  return generator.cast<Generator*>();
}

namespace {
// A seed as torch's Generator.manual_seed reads one: any int that fits in 64 bits,
// negative ones wrapping around.
uint64_t seed_from_py(py::handle seed) {
  if (!PyLong_Check(seed.ptr()))
    throw std::runtime_error("manual_seed expected a long, but got " + type_name(seed));
  int overflow = 0;
  const long long v = PyLong_AsLongLongAndOverflow(seed.ptr(), &overflow);
  if (!overflow) return static_cast<uint64_t>(v);
  const unsigned long long u = PyLong_AsUnsignedLongLong(seed.ptr());
  if (PyErr_Occurred()) {
    PyErr_Clear();
    throw ValueError("Overflow when unpacking long long");
  }
  return u;
}
// Note [RNG state tensors]: torch returns its generator state as a uint8 tensor of the
// 5056 bytes of CPUGeneratorImplState. cgrad has no uint8 dtype, so the same bytes come
// as an int64 tensor of values 0..255 (equal tolist() to torch's); set_state takes any
// integer tensor of that form, so a saved state round-trips.
Tensor state_tensor(const std::vector<uint8_t>& bytes) {
  Tensor t = empty({static_cast<int64_t>(bytes.size())}, DType::Int64);
  int64_t* p = t->data<int64_t>();
  for (size_t i = 0; i < bytes.size(); ++i) p[i] = bytes[i];
  return t;
}

std::vector<uint8_t> state_bytes(py::handle state) {
  if (!py::isinstance<TensorImpl>(state))
    throw TypeError("expected a torch.ByteTensor, but got " + type_name(state));
  Tensor t = state.cast<Tensor>();
  if (!is_integral(t->dtype, false)) throw TypeError("RNG state must be a torch.ByteTensor");
  Tensor c = contiguous(to_dtype(t, DType::Int64));
  std::vector<uint8_t> bytes(c->numel());
  for (int64_t i = 0; i < c->numel(); ++i) bytes[i] = static_cast<uint8_t>(c->data<int64_t>()[i]);
  return bytes;
}

void set_state_from_py(Generator& g, py::handle state) {
  const std::vector<uint8_t> bytes = state_bytes(state);
  g.set_state(bytes.data(), bytes.size());
}

// Generator, the default generator and the global seeding functions.
void def_generators(py::module_& m) {
  // The default generator is static: Python holds it without owning it.
  auto default_gen = std::shared_ptr<Generator>(&default_generator(), [](Generator*) {});
  py::class_<Generator, std::shared_ptr<Generator>>(m, "Generator")
      .def(py::init([](py::object device) {
             check_generator_device(device);
             return std::make_shared<Generator>();
           }),
           py::arg("device") = "cpu")
      .def("manual_seed", [](py::object self, py::handle seed) {
             self.cast<Generator*>()->manual_seed(seed_from_py(seed));
             return self;
           }, py::arg("seed"), "Reseeds this generator; returns it.")
      .def("initial_seed", &Generator::initial_seed)
      .def("seed", &Generator::seed, "Reseeds from the operating system; returns the seed.")
      .def("get_state", [](const Generator& g) { return state_tensor(g.get_state()); },
           "torch's state bytes (Note [RNG state tensors]).")
      .def("set_state", [](py::object self, py::handle state) {
             set_state_from_py(*self.cast<Generator*>(), state);
             return self;
           }, py::arg("new_state"), "Restores a state from get_state; returns the generator.")
      .def_property_readonly("device", [](const Generator&) {
             return py::module_::import("cgrad").attr("device")("cpu");
           });
  m.attr("default_generator") = default_gen;
  m.def("manual_seed", [default_gen](py::handle seed) {
    // torch.manual_seed is Python code that first does int(seed).
    default_gen->manual_seed(seed_from_py(py::int_(py::reinterpret_borrow<py::object>(seed))));
    return default_gen;
  }, py::arg("seed"));
  m.def("initial_seed", [] { return default_generator().initial_seed(); });
  m.def("seed", [] { return default_generator().seed(); });
  m.def("get_rng_state", [] { return state_tensor(default_generator().get_state()); });
  m.def("set_rng_state", [](py::handle state) { set_state_from_py(default_generator(), state); },
        py::arg("new_state"));
}

// The sampling factories: randint, randint_like, randperm, normal.
void def_sampling_factories(py::module_& m) {
  m.def("randint", &randint_call);
  m.def("randint_like", [](const Tensor& like, py::args args, py::kwargs kw) {
    if (args.size() < 1 || args.size() > 2)
      throw TypeError("randint_like() takes high or (low, high) after the input");
    const bool both = args.size() == 2;
    int64_t low = both ? int_arg(args[0], "randint_like", "low", 1) : 0;
    int64_t high = int_arg(args[both ? 1 : 0], "randint_like", "high", both ? 2 : 1);
    FactoryOptions o;
    factory_options(kw, "randint_like", o);
    return finished(randint_like(like, low, high, o.dtype.value_or(like->dtype)), o);
  }, py::arg("input"));
  m.def("randperm", [](int64_t n, py::kwargs kw) {
    FactoryOptions o;
    factory_options(kw, "randperm", o);
    return finished(randperm(n, o.dtype.value_or(DType::Int64)), o);
  }, py::arg("n"));
  m.def("normal", [](py::handle mean, py::handle stdev, py::handle size, py::kwargs kw) {
    if (!size.is_none()) {  // normal(mean: float, std: float, size)
      if (py::isinstance<TensorImpl>(mean) || py::isinstance<TensorImpl>(stdev))
        throw TypeError("normal(): with a size, mean and std must be numbers");
      FactoryOptions o;
      factory_options(kw, "normal", o);
      return finished(normal(mean.cast<double>(), stdev.cast<double>(), size_arg(size, "normal", 2),
                             o.dtype.value_or(default_float())),
                      o);
    }
    // out, from the out= handling (Note [out= arguments]): the samples are drawn in its dtype.
    Tensor out;
    if (kw.contains("_out")) out = kw.attr("pop")("_out").cast<Tensor>();
    FactoryOptions o;
    factory_options(kw, "normal", o);
    if (o.dtype || o.requires_grad)
      throw TypeError("normal(): dtype and requires_grad go with a size only");
    Tensor m = operand_or_throw(mean, "normal", "mean"), s = operand_or_throw(stdev, "normal", "std");
    if (out) {
      if (!is_floating(out->dtype)) throw_not_implemented_for("normal_kernel_cpu", out->dtype);
      if (!m->is_wrapped_number) m = to_dtype(m, out->dtype);
      if (!s->is_wrapped_number) s = to_dtype(s, out->dtype);
      // torch's normal(Tensor mean, float std, out) samples over out broadcast with mean
      // (out.normal_(0, std).add_(mean) after resizing out to that shape).
      if (s->is_wrapped_number && !m->is_wrapped_number) m = expand(m, broadcast_shapes(m->sizes, out->sizes));
    }
    return normal(m, s);
  }, py::arg("mean"), py::arg("std") = 1.0, py::arg("size") = py::none());
}

// Sampling from a tensor's values and the in-place fills.
void def_tensor_sampling(py::module_& m, TensorClass& cls) {
  def_method_and_function(m, cls, "bernoulli", [](const Tensor& t, py::handle p,
                                                  py::handle generator) {
    GeneratorGuard use(generator_from_py(generator, "bernoulli"));
    if (p.is_none()) return call_op([](const Tensor& a) { return bernoulli(a); }, t);
    if (!PyFloat_Check(p.ptr()) && !PyLong_Check(p.ptr()))
      throw TypeError("bernoulli(): argument 'p' must be float, not " + type_name(p));
    const double probability = p.cast<double>();
    return call_op([probability](const Tensor& a) { return bernoulli(a, probability); }, t);
  }, py::arg("p") = py::none(), py::kw_only(), py::arg("generator") = py::none());

  cls.def("random_", [](py::object self, py::handle from, py::handle to, py::handle generator) {
    Tensor t = self.cast<Tensor>();
    GeneratorGuard use(generator_from_py(generator, "random_"));
    std::optional<int64_t> low, high;
    if (!from.is_none() && to.is_none()) high = int_arg(from, "random_", "to", 0);  // random_(to)
    else if (!from.is_none()) low = int_arg(from, "random_", "from", 0), high = int_arg(to, "random_", "to", 1);
    without_gil_if_large(t->numel(), [&] { random_(t, low, high); });
    return self;
  }, py::arg("from") = py::none(), py::arg("to") = py::none(), py::kw_only(),
     py::arg("generator") = py::none());
  cls.def("exponential_", [](py::object self, double lambd, py::handle generator) {
    Tensor t = self.cast<Tensor>();
    GeneratorGuard use(generator_from_py(generator, "exponential_"));
    without_gil_if_large(t->numel(), [&] { exponential_(t, lambd); });
    return self;
  }, py::arg("lambd") = 1.0, py::kw_only(), py::arg("generator") = py::none());
  def_method_and_function(m, cls, "multinomial", [](const Tensor& t, int64_t num_samples,
                                                    bool replacement, py::handle generator) {
    GeneratorGuard use(generator_from_py(generator, "multinomial"));
    return multinomial(t, num_samples, replacement);
  }, py::arg("num_samples"), py::arg("replacement") = false, py::kw_only(),
     py::arg("generator") = py::none());
  cls.def("uniform_", [](py::object self, double from, double to, py::handle generator) {
    Tensor t = self.cast<Tensor>();
    GeneratorGuard use(generator_from_py(generator, "uniform_"));
    without_gil_if_large(t->numel(), [&] { uniform_(t, from, to); });
    return self;
  }, py::arg("from") = 0.0, py::arg("to") = 1.0, py::kw_only(), py::arg("generator") = py::none());
  cls.def("normal_", [](py::object self, double mean, double stdev, py::handle generator) {
    Tensor t = self.cast<Tensor>();
    GeneratorGuard use(generator_from_py(generator, "normal_"));
    without_gil_if_large(t->numel(), [&] { normal_(t, mean, stdev); });
    return self;
  }, py::arg("mean") = 0.0, py::arg("std") = 1.0, py::kw_only(), py::arg("generator") = py::none());
  cls.def("bernoulli_", [](py::object self, py::handle p, py::handle generator) {
    Tensor t = self.cast<Tensor>();
    GeneratorGuard use(generator_from_py(generator, "bernoulli_"));
    if (py::isinstance<TensorImpl>(p)) {
      bernoulli_(t, p.cast<Tensor>());
    } else {
      if (!PyFloat_Check(p.ptr()) && !PyLong_Check(p.ptr()))
        throw TypeError("bernoulli_(): argument 'p' must be float, not " + type_name(p));
      bernoulli_(t, p.cast<double>());
    }
    return self;
  }, py::arg("p") = 0.5, py::kw_only(), py::arg("generator") = py::none());
}

}  // namespace

void init_random(py::module_& m, TensorClass& cls) {
  def_generators(m);
  def_sampling_factories(m);
  def_tensor_sampling(m, cls);
}

}  // namespace cgrad::bindings

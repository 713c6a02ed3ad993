// Parameters of bound functions, parsed from pybind11's generated signatures.
#include "signature.h"

#include <unordered_map>

namespace cgrad::bindings {

namespace {

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(' '), e = s.find_last_not_of(' ');
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// Splits at `sep` where it is outside brackets and quotes.
std::vector<std::string> split_top_level(const std::string& s, const std::string& sep) {
  std::vector<std::string> out;
  int depth = 0;
  char quote = 0;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '(' || c == '[' || c == '{') {
      ++depth;
    } else if (c == ')' || c == ']' || c == '}') {
      --depth;
    } else if (depth == 0 && s.compare(i, sep.size(), sep) == 0) {
      out.push_back(s.substr(start, i - start));
      start = i + sep.size();
      i = start - 1;
    }
  }
  out.push_back(s.substr(start));
  return out;
}

void read_type(const std::string& text, Param& p) {
  p.optional = text.find("None") != std::string::npos;
  if (text.find("Tensor") != std::string::npos) p.type = ParamType::Tensor;
  else if (text.find("SupportsInt") != std::string::npos) p.type = ParamType::Int;
  else if (text.find("SupportsFloat") != std::string::npos) p.type = ParamType::Float;
  else if (text == "bool") p.type = ParamType::Bool;
  else if (text == "str") p.type = ParamType::Str;
  else if (text == "list") p.type = ParamType::List;
  else p.type = ParamType::Any;  // object / handle: the function checks it itself
}

// `(a: T, b: T = d, *, c: T = d) -> R`
Signature parse(const std::string& text, bool is_method) {
  Signature sig;
  const size_t open = text.find('(');
  const size_t close = text.rfind(") -> ");
  if (open == std::string::npos || close == std::string::npos || close <= open) return sig;
  const std::string inner = text.substr(open + 1, close - open - 1);
  if (trim(inner).empty()) return sig;
  bool keyword_only = false, first = true;
  for (const std::string& piece : split_top_level(inner, ", ")) {
    const std::string item = trim(piece);
    const bool skip_self = first && is_method;
    first = false;
    if (skip_self || item == "/") continue;
    if (item == "*") {
      keyword_only = true;
      continue;
    }
    Param p;
    std::vector<std::string> with_default = split_top_level(item, " = ");
    std::string head = with_default[0];
    if (with_default.size() > 1) {
      p.has_default = true;
      p.default_text = with_default[1];
    }
    const size_t colon = head.find(": ");
    p.name = trim(colon == std::string::npos ? head : head.substr(0, colon));
    if (colon != std::string::npos) read_type(trim(head.substr(colon + 2)), p);
    if (p.name.rfind("**", 0) == 0) {
      p.kind = Param::VarKeyword;
      p.name = p.name.substr(2);
    } else if (p.name.rfind('*', 0) == 0) {
      p.kind = Param::VarPositional;
      p.name = p.name.substr(1);
      keyword_only = true;
    } else {
      p.kind = keyword_only ? Param::KeywordOnly : Param::Positional;
    }
    sig.params.push_back(std::move(p));
  }
  return sig;
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

FunctionInfo read_info(const py::detail::function_record* rec) {
  FunctionInfo info;
  info.name = rec->name;
  if (info.name == "__init__") info.name = "new";  // torch's name for Tensor(...)
  if (rec->is_method) {
    info.style = CallStyle::Method;
  } else {
    py::object scope_name = py::getattr(rec->scope, "__name__", py::none());
    const std::string scope = scope_name.is_none() ? "" : py::str(scope_name).cast<std::string>();
    info.style = ends_with(scope, "._nn") ? CallStyle::Python : CallStyle::Native;
    if (ends_with(scope, "._linalg")) info.native_name = "linalg_" + info.name;
  }
  if (info.native_name.empty()) info.native_name = info.name;
  for (auto* r = rec; r; r = r->next)
    info.overloads.push_back(parse(r->signature ? r->signature : "", r->is_method));
  return info;
}

}  // namespace

const Param* Signature::find(const std::string& name) const {
  for (const Param& p : params)
    if (p.name == name && p.kind != Param::VarPositional && p.kind != Param::VarKeyword) return &p;
  return nullptr;
}

bool FunctionInfo::has_param(const std::string& name) const {
  for (const Signature& s : overloads)
    if (s.find(name)) return true;
  return false;
}

const FunctionInfo* function_info(PyObject* function_self) {
  const py::detail::function_record* rec =
      py::detail::function_record_ptr_from_PyObject(function_self);
  if (!rec) return nullptr;
  // Bound functions live as long as the module: their records make stable keys.
  static auto* cache = new std::unordered_map<const py::detail::function_record*, FunctionInfo>();
  auto it = cache->find(rec);
  if (it == cache->end()) it = cache->emplace(rec, read_info(rec)).first;
  return &it->second;
}

}  // namespace cgrad::bindings

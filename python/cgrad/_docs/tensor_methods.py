"""Docstrings of the Tensor methods and properties bound in C++ that have no function of the
same name in torch_functions (or whose method form takes other arguments).

Same format as torch_functions (Note [Docstrings]); a property's entry is `name: Type`.
The methods that mirror a function (x.add(y) and cgrad.add(x, y)) and the in-place
variants (x.add_(y)) are documented from the function's entry and need none here.
"""

DOCS = r"""
T: Tensor
    The tensor with its dims in reverse order (a view); for 2-D, the transpose.

mT: Tensor
    The transpose of the last two dims, as a view (batches of matrices).

data: Tensor
    The tensor's values outside autograd: a detached view sharing memory (setting it
    replaces the values without recording anything).

detach_() -> Tensor
    Cuts this tensor itself out of the graph: no grad_fn, requires_grad False; returns
    self. A view refuses (its history is its base's): use detach().

dtype: dtype
    The element type.

grad: Tensor | None
    The gradient accumulated into this tensor by backward(), or None; settable.

grad_fn: Node | None
    The backward node of the op that made this tensor, or None for a leaf.

is_leaf: bool
    True for a tensor not made by a recorded op (requires_grad False, or created by the
    user); only leaves get .grad filled by backward().

ndim: int
    Number of dims, as dim().

polygamma(n) -> Tensor
    The n-th derivative of digamma (n >= 0) of each element; the method form of
    cgrad.polygamma(n, input).

requires_grad: bool
    Whether autograd records operations on this tensor; settable on leaves.

retains_grad: bool
    Whether a non-leaf keeps its .grad (retain_grad() was called).

shape: Size
    The size of each dim, as size().

backward(gradient=None, retain_graph=None, create_graph=False, inputs=None) -> None
    Computes the gradient of this tensor with respect to the graph's leaves and
    accumulates it into their .grad. gradient is required unless the tensor has one
    element; create_graph records the backward pass for higher-order gradients.

bfloat16() -> Tensor
    self converted to bfloat16 (self if it already is).

bernoulli_(p=0.5, *, generator=None) -> Tensor
    Fills self with 0/1 samples, each 1 with probability p (a number or a tensor).

byte() -> Tensor
    self converted to uint8 (self if it already is).

bool() -> Tensor
    self converted to bool (self if it already is).

char() -> Tensor
    self converted to int8 (self if it already is).

contiguous() -> Tensor
    self if its elements are already in row-major order, else a copy that is.

copy_(src) -> Tensor
    Copies src's elements into self (broadcasting and converting the dtype); returns
    self.

data_ptr() -> int
    Address of the tensor's first element.

dim() -> int
    Number of dims.

double() -> Tensor
    self converted to float64 (self if it already is).

element_size() -> int
    Size of one element in bytes.

expand(*sizes) -> Tensor
    A view with size-1 dims repeated to sizes (-1 keeps a size) without copying; new
    leading dims may be added.

expand_as(other) -> Tensor
    expand(other.size()).

exponential_(lambd=1.0, *, generator=None) -> Tensor
    Fills self with samples of the exponential distribution of rate lambd.

fill_(value) -> Tensor
    Sets every element of self to value (a number or a 0-d tensor).

float() -> Tensor
    self converted to float32 (self if it already is).

int() -> Tensor
    self converted to int32 (self if it already is).

half() -> Tensor
    self converted to float16 (self if it already is).

is_contiguous(memory_format=contiguous_format) -> bool
    Whether the elements are laid out densely in that memory order.

is_inference() -> bool
    Whether the tensor was made under inference_mode.

item() -> float | int | bool
    The value of a one-element tensor as a Python number.

long() -> Tensor
    self converted to int64 (self if it already is).

ndimension() -> int
    Alias of dim().

nelement() -> int
    Alias of numel().

normal_(mean=0.0, std=1.0, *, generator=None) -> Tensor
    Fills self with normal samples of the given mean and standard deviation.

numpy() -> numpy.ndarray
    A numpy array sharing memory with self (which must not require grad).

permute(*dims) -> Tensor
    A view with the dims reordered as dims says (a sequence or separate ints).

random_(*, generator=None) -> Tensor
random_(to, /, *, generator=None) -> Tensor
random_(from_, to, /, *, generator=None) -> Tensor
    Fills self with integers uniform in [from, to): from defaults to 0, to to the
    largest integer the dtype holds exactly.

register_hook(hook) -> RemovableHandle
    hook(grad) runs when the gradient with respect to this tensor is computed; it may
    return a tensor to use instead.

register_post_accumulate_grad_hook(hook) -> RemovableHandle
    hook(tensor) runs on a leaf after its .grad has been accumulated.

repeat(*repeats) -> Tensor
    A copy of self tiled repeats[i] times along each dim (extra leading repeats add
    dims).

requires_grad_(requires_grad=True) -> Tensor
    Sets requires_grad on a leaf, in place; returns self.

reshape(*shape) -> Tensor
    self with a new shape of the same number of elements (-1 is inferred); a view when
    the memory layout allows, else a copy.

retain_grad() -> None
    Makes a non-leaf keep its .grad after backward().

flip(*dims) -> Tensor
    A copy of self with the order of elements reversed along each of dims.

short() -> Tensor
    self converted to int16 (self if it already is).

size() -> Size
size(dim) -> int
    The size of each dim, or of dim only.

storage_offset() -> int
    Offset of the first element in the storage, in elements.

stride() -> tuple[int, ...]
stride(dim) -> int
    The step in elements between neighbours along each dim, or along dim only.

tile(*dims) -> Tensor
    Repeats self dims[i] times along each dim (fewer dims are padded with ones).

to(dtype, non_blocking=False, copy=False) -> Tensor
to(device=None, dtype=None, non_blocking=False, copy=False) -> Tensor
to(other, non_blocking=False, copy=False) -> Tensor
    self converted to a dtype (or other's dtype); self itself when nothing changes and
    copy is False. cgrad: the only device is 'cpu'.

tolist() -> Any
    The elements as nested Python lists of numbers (a number for a 0-d tensor).

type_as(other) -> Tensor
    self converted to other's dtype (self if it already is).

uniform_(from_=0.0, to=1.0, /, *, generator=None) -> Tensor
    Fills self with samples uniform in [from, to).

view(*shape) -> Tensor
    A view of self's memory with another shape (-1 is inferred), which the strides must
    allow. cgrad: view(dtype) is not supported.

where(condition, other) -> Tensor
    cgrad.where(condition, self, other).

zero_() -> Tensor
    Fills self with zeros.
"""

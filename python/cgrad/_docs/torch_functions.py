"""Docstrings of the functions and classes bound in cgrad._C and re-exported as cgrad.*.

Format (Note [Docstrings], parsed by cgrad._docs): an entry starts with one or more
signature lines at the left margin (one per overload, in torch's form and valid as a Python
parameter list); the indented lines under them are the text. A Tensor method that mirrors a
function here, and an in-place variant, take their docstring from the function's entry.
"""

DOCS = r"""
abs(input, *, out=None) -> Tensor
    Absolute value of each element.

absolute(input, *, out=None) -> Tensor
    Alias of abs.

acos(input, *, out=None) -> Tensor
    Inverse cosine of each element, in radians.

acosh(input, *, out=None) -> Tensor
    Inverse hyperbolic cosine of each element (NaN below 1).

add(input, other, *, alpha=1, out=None) -> Tensor
    input + alpha * other, broadcasting the two; a Python number takes part in type
    promotion by its kind only (bool < int < float).

addcdiv(input, tensor1, tensor2, *, value=1, out=None) -> Tensor
    input + value * tensor1 / tensor2 elementwise, with broadcasting; integer tensor1 and
    tensor2 are refused.

addcmul(input, tensor1, tensor2, *, value=1, out=None) -> Tensor
    input + value * tensor1 * tensor2 elementwise, with broadcasting.

addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None) -> Tensor
    beta * input + alpha * (mat1 @ mat2); input broadcasts to the (n, p) product.

addmv(input, mat, vec, *, beta=1, alpha=1, out=None) -> Tensor
    beta * input + alpha * (mat @ vec); input broadcasts to the (n,) product.

addr(input, vec1, vec2, *, beta=1, alpha=1, out=None) -> Tensor
    beta * input + alpha * outer(vec1, vec2); input broadcasts to the (n, m) product, and
    the dtypes promote as in a pointwise op.

argwhere(input) -> Tensor
    The coordinates of input's nonzero elements, one row each in row-major order (int64,
    shape [n, input.dim()]): nonzero(input).

atleast_1d(*tensors) -> Tensor | tuple[Tensor, ...]
    Each tensor with at least 1 dim (a 0-d one as shape [1]), itself otherwise; one
    tensor gives a tensor, several (or one list of them) a tuple.

atleast_2d(*tensors) -> Tensor | tuple[Tensor, ...]
    Each tensor with at least 2 dims (1-d [n] as [1, n]), itself otherwise; one tensor
    gives a tensor, several (or one list of them) a tuple.

atleast_3d(*tensors) -> Tensor | tuple[Tensor, ...]
    Each tensor with at least 3 dims (1-d [n] as [1, n, 1], 2-d [m, n] as [m, n, 1]),
    itself otherwise; one tensor gives a tensor, several (or one list of them) a tuple.

baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None) -> Tensor
    beta * input + alpha * bmm(batch1, batch2); input broadcasts to the (b, n, p) product.

addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None) -> Tensor
    beta * input + alpha * the sum over the batch of batch1[i] @ batch2[i]; input
    broadcasts to the (n, p) result.

allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool
    True if |input - other| <= atol + rtol * |other| holds for every element.

aminmax(input, *, dim=None, keepdim=False, out=None) -> tuple[Tensor, Tensor]
    The (min, max) named tuple of input, over all elements or along dim.

arange(end, *, out=None, dtype=None, device=None, requires_grad=False) -> Tensor
arange(start, end, step=1, *, out=None, dtype=None, device=None, requires_grad=False) -> Tensor
    The 1-D tensor start, start + step, ... stopping before end; int64 when every bound
    is an integer, else the default float dtype.

arccos(input, *, out=None) -> Tensor
    Alias of acos.

arccosh(input, *, out=None) -> Tensor
    Alias of acosh.

arcsin(input, *, out=None) -> Tensor
    Alias of asin.

arcsinh(input, *, out=None) -> Tensor
    Alias of asinh.

arctan(input, *, out=None) -> Tensor
    Alias of atan.

arctan2(input, other, *, out=None) -> Tensor
    Alias of atan2.

arctanh(input, *, out=None) -> Tensor
    Alias of atanh.

argsort(input, dim=-1, descending=False, *, stable=False) -> Tensor
    The indices that sort input along dim; same as sort(...).indices.

asin(input, *, out=None) -> Tensor
    Inverse sine of each element, in radians.

asinh(input, *, out=None) -> Tensor
    Inverse hyperbolic sine of each element.

atan(input, *, out=None) -> Tensor
    Inverse tangent of each element, in radians.

atan2(input, other, *, out=None) -> Tensor
    Angle of the point (other, input) from the positive x axis, elementwise, in (-pi, pi].

atanh(input, *, out=None) -> Tensor
    Inverse hyperbolic tangent of each element (+-inf at +-1, NaN beyond).

bernoulli(input, *, generator=None, out=None) -> Tensor
bernoulli(input, p, *, generator=None) -> Tensor
    0/1 samples, each 1 with probability given by input (or by the number p), in input's
    dtype.

bitwise_and(input, other, *, out=None) -> Tensor
    Bitwise AND of integer or bool tensors (logical AND for bool).

bitwise_left_shift(input, other, *, out=None) -> Tensor
    input << other elementwise, for integer tensors (a number on either side); a shift by a
    negative count or by the width or more gives 0.

bitwise_not(input, *, out=None) -> Tensor
    Bitwise NOT of an integer or bool tensor (logical NOT for bool).

bitwise_or(input, other, *, out=None) -> Tensor
    Bitwise OR of integer or bool tensors.

bitwise_right_shift(input, other, *, out=None) -> Tensor
    input >> other elementwise (arithmetic), for integer tensors (a number on either side); a
    shift by a negative count or by the width or more gives -1 or 0, the sign.

bitwise_xor(input, other, *, out=None) -> Tensor
    Bitwise XOR of integer or bool tensors.

block_diag(*tensors) -> Tensor
    The tensors (0-d as 1 x 1, 1-D as one row, 2-D) placed along the diagonal of a zero
    matrix, in their promoted dtype; no tensors give a 1 x 0 matrix.

bmm(input, mat2, *, out=None) -> Tensor
    Batched matrix product of (b, n, m) and (b, m, p) tensors; no broadcasting.

broadcast_to(input, size) -> Tensor
    A view of input expanded to size, as by broadcasting (no copy).

bucketize(input, boundaries, *, out_int32=False, right=False, out=None) -> Tensor
    The bucket of each element of input (a tensor or a number) among the sorted 1-d
    boundaries: searchsorted(boundaries, input). With right=False bucket i holds
    boundaries[i-1] < x <= boundaries[i]; with right=True, boundaries[i-1] <= x <
    boundaries[i]. int64 indices (int32 with out_int32); compared in the promoted dtype.

can_cast(from_, to) -> bool
    Whether torch's casting rules allow a value of dtype from_ to be stored as dtype to
    (no float to int, nothing to bool, ...).

cat(tensors, dim=0, *, out=None) -> Tensor
    Joins tensors along an existing dim; every other size must match (1-D empty tensors
    are skipped). cgrad.concat is the same function.

cdist(x1, x2, p=2.0, compute_mode='use_mm_for_euclid_dist_if_necessary') -> Tensor
    p-norm distance between each row of x1 (..., P, M) and each row of x2 (..., R, M),
    a (..., P, R) tensor.

ceil(input, *, out=None) -> Tensor
    Smallest integer not less than each element.

chunk(input, chunks, dim=0) -> tuple[Tensor, ...]
    Splits input into at most `chunks` views along dim, each of ceil(size / chunks)
    elements but the last.

clamp(input, min=None, max=None, *, out=None) -> Tensor
    Limits each element to [min, max]; the bounds are numbers or tensors that broadcast.

clamp_max(input, max, *, out=None) -> Tensor
    Limits each element to at most max.

clamp_min(input, min, *, out=None) -> Tensor
    Limits each element to at least min.

clip(input, min=None, max=None, *, out=None) -> Tensor
    Alias of clamp.

clone(input) -> Tensor
    A copy of input with its own memory, in the same memory order; differentiable.

column_stack(tensors, *, out=None) -> Tensor
    Joins tensors side by side along dim 1, 0-d and 1-d ones taken as columns.

constant_pad_nd(input, pad, value=0) -> Tensor
    Pads the last dims of input with value, pad = (left, right, top, bottom, ...);
    negative amounts crop. Used by nn.functional.pad's constant mode.

copysign(input, other, *, out=None) -> Tensor
    The magnitude of input with the sign of other (a tensor or a number), elementwise;
    floating result.

cos(input, *, out=None) -> Tensor
    Cosine of each element (radians).

cosh(input, *, out=None) -> Tensor
    Hyperbolic cosine of each element.

cross(input, other, dim=None, *, out=None) -> Tensor
    Cross product of 3-vectors along dim, batch dims broadcast; without dim (deprecated,
    with a warning) the first dim of input of length 3. See linalg.cross.

cummax(input, dim, *, out=None) -> tuple[Tensor, Tensor]
    Running maximum along dim and the index where it was found, as a (values, indices)
    named tuple.

cummin(input, dim, *, out=None) -> tuple[Tensor, Tensor]
    Running minimum along dim and the index where it was found, as a (values, indices)
    named tuple.

deg2rad(input, *, out=None) -> Tensor
    Each element converted from degrees to radians (times pi / 180).

detach(input) -> Tensor
    A view of input that is cut out of the graph (requires_grad False); it shares memory
    and the version counter with input.

detach_(input) -> Tensor
    Cuts input itself out of the graph: no grad_fn, requires_grad False; returns input.
    A view refuses (its history is its base's): use detach().

diag(input, diagonal=0, *, out=None) -> Tensor
    A square matrix with the 1-D input on a diagonal, or the diagonal of a 2-D input as a
    1-D copy.

diag_embed(input, offset=0, dim1=-2, dim2=-1) -> Tensor
    Places the last dim of input on a diagonal of new (dim1, dim2) matrices, zeros
    elsewhere.

diagonal(input, offset=0, dim1=0, dim2=1) -> Tensor
    A view of the diagonal of the (dim1, dim2) planes, appended as the last dim.

diff(input, n=1, dim=-1, prepend=None, append=None, *, out=None) -> Tensor
    n-th forward difference along dim, after joining prepend and append to input.

digamma(input, *, out=None) -> Tensor
    psi(x), the derivative of lgamma: -inf at 0, NaN at the negative integers.

div(input, other, *, rounding_mode=None, out=None) -> Tensor
    input / other: true division (a float result) when rounding_mode is None, else
    rounded toward zero ('trunc') or down ('floor').

dot(input, tensor, *, out=None) -> Tensor
    Inner product of two 1-D tensors of the same size and dtype.

dsplit(input, indices_or_sections) -> tuple[Tensor, ...]
    Splits input (3 dims or more) along dim 2, as hsplit does along its dim.

dstack(tensors, *, out=None) -> Tensor
    Joins tensors along dim 2, after giving each at least 3 dims (as atleast_3d).

einsum(equation, *operands) -> Tensor
    Sums products of the operands' elements as the Einstein-notation equation says
    ('ij,jk->ik', '...' for broadcast dims; operands may be given as one list).

embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False) -> Tensor
    The rows of weight at indices (the op behind nn.functional.embedding, with its
    arguments in another order). cgrad: sparse gradients are not supported.

empty(*size, out=None, dtype=None, device=None, requires_grad=False) -> Tensor
    A tensor of the given size whose values are not initialised.

empty_like(input, *, dtype=None, device=None, requires_grad=False) -> Tensor
    An uninitialised tensor with input's size (and dtype unless given).

eq(input, other, *, out=None) -> Tensor
    input == other elementwise; bool result.

equal(input, other) -> bool
    True if the two tensors have the same size and the same elements.

erf(input, *, out=None) -> Tensor
    Gauss error function of each element.

erfc(input, *, out=None) -> Tensor
    Complementary error function 1 - erf(x) of each element, accurate where erf is near 1.

erfinv(input, *, out=None) -> Tensor
    Inverse error function of each element, on [-1, 1] (+-inf at +-1, NaN beyond).

exp(input, *, out=None) -> Tensor
    e raised to each element.

exp2(input, *, out=None) -> Tensor
    2 raised to each element.

expm1(input, *, out=None) -> Tensor
    exp(x) - 1, accurate for small x.

eye(n, m=None, *, out=None, dtype=None, device=None, requires_grad=False) -> Tensor
    An n x m (n x n by default) matrix with ones on the diagonal.

fix(input, *, out=None) -> Tensor
    Alias of trunc.

flatten(input, start_dim=0, end_dim=-1) -> Tensor
    Merges dims start_dim..end_dim into one; a view when the memory layout allows.

flip(input, dims) -> Tensor
    A copy of input with the order of elements reversed along each of dims.

fliplr(input) -> Tensor
    Reverses the columns (dim 1) of a tensor of at least 2 dims.

flipud(input) -> Tensor
    Reverses the rows (dim 0) of a tensor of at least 1 dim.

float_power(input, exponent, *, out=None) -> Tensor
    input ** exponent computed in float64 whatever the operands' dtypes (either may be a
    number); the in-place form needs a float64 input.

floor(input, *, out=None) -> Tensor
    Largest integer not greater than each element.

floor_divide(input, other, *, out=None) -> Tensor
    input / other rounded down (as div with rounding_mode='floor').

fmax(input, other, *, out=None) -> Tensor
    Elementwise maximum where NaN loses to a number (NaN only where both are NaN).

fmin(input, other, *, out=None) -> Tensor
    Elementwise minimum where NaN loses to a number (NaN only where both are NaN).

fmod(input, other, *, out=None) -> Tensor
    Remainder of input / other with the sign of input (C's fmod).

frac(input, *, out=None) -> Tensor
    Fractional part of each element, input - trunc(input).

from_numpy(ndarray) -> Tensor
    A tensor sharing memory with a numpy array (which it keeps alive); writes through one
    show in the other.

full(size, fill_value, *, out=None, dtype=None, device=None, requires_grad=False) -> Tensor
    A tensor of the given size filled with fill_value; the dtype follows the value's type
    (bool, int64 or the default float) unless given.

full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False) -> Tensor
    A tensor with input's size (and dtype unless given) filled with fill_value.

gather(input, dim, index, *, sparse_grad=False, out=None) -> Tensor
    Picks, along dim, the elements of input at the int64 index; the result has index's
    size.

gcd(input, other, *, out=None) -> Tensor
    Greatest common divisor of the elements, non-negative, for integer tensors.

ge(input, other, *, out=None) -> Tensor
    input >= other elementwise; bool result.

ger(input, vec2, *, out=None) -> Tensor
    Alias of outer.

get_default_dtype() -> dtype
    The dtype of Python floats and of float factories without a dtype= (float32 unless
    set_default_dtype changed it).

get_num_threads() -> int
    Number of threads the CPU kernels use.

get_rng_state() -> Tensor
    The default generator's state, for set_rng_state: torch's state bytes. cgrad: an
    int64 tensor of the values 0..255 (cgrad has no uint8), equal in tolist() to torch's.

gt(input, other, *, out=None) -> Tensor
    input > other elementwise; bool result.

greater(input, other, *, out=None) -> Tensor
    Alias of gt.

greater_equal(input, other, *, out=None) -> Tensor
    Alias of ge.

heaviside(input, values, *, out=None) -> Tensor
    Heaviside step function: 0 where input < 0, values where input == 0, 1 where
    input > 0; input and values must share a dtype.

hsplit(input, indices_or_sections) -> tuple[Tensor, ...]
    Splits input along dim 1 (dim 0 when 1-D) into an int's equal sections (it must
    divide the dim) or at a list's indices (slices between them); views of input.

hstack(tensors, *, out=None) -> Tensor
    Joins tensors along dim 1 (dim 0 for 1-d ones), after giving each at least 1 dim.

hypot(input, other, *, out=None) -> Tensor
    sqrt(input**2 + other**2) elementwise, without overflow in the squares.

i0(input, *, out=None) -> Tensor
    Modified Bessel function of the first kind, of order zero, of each element.

index_add(input, dim, index, source, *, alpha=1, out=None) -> Tensor
    A copy of input with alpha * source added at the positions index names along dim.

index_copy(input, dim, index, source, *, out=None) -> Tensor
    A copy of input with the slices of source written at the positions index names
    along dim (0 and up; source has input's dtype and its shape apart from dim).

index_fill(input, dim, index, value) -> Tensor
    A copy of input with value (a number or a 0-d tensor) at the positions index names
    along dim; negative positions count from the end.

index_put(input, indices, values, accumulate=False) -> Tensor
    A copy of input with values written at input[indices] (added there, repeated
    positions summing, when accumulate); indices is a tuple of index or mask tensors.

index_select(input, dim, index, *, out=None) -> Tensor
    The slices of input at the 1-D index along dim, as a new tensor.

initial_seed() -> int
    The seed the default generator was last seeded with.

inner(input, other, *, out=None) -> Tensor
    Sums products over the last dims of input and other (their sizes must match); the
    result has input's other dims, then other's. A 0-d operand multiplies instead.

is_anomaly_enabled() -> bool
    Whether anomaly detection (autograd.detect_anomaly) is on.

is_floating_point(input) -> bool
    True if input's dtype is a floating-point type.

is_grad_enabled() -> bool
    Whether autograd records operations (off inside no_grad).

is_inference_mode_enabled() -> bool
    Whether inference_mode is on.

is_tensor(obj) -> bool
    True if obj is a cgrad Tensor.

isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> Tensor
    Elementwise |input - other| <= atol + rtol * |other|; bool result.

isfinite(input) -> Tensor
    True where an element is neither inf nor NaN.

isin(elements, test_elements, *, assume_unique=False, invert=False, out=None) -> Tensor
    True where an element of elements is among test_elements (False with invert=True),
    compared in their promoted dtype; either may be a number, not both. NaN is in nothing.
    Bool result of elements' shape; bool inputs are refused.

isinf(input) -> Tensor
    True where an element is +inf or -inf.

isnan(input) -> Tensor
    True where an element is NaN.

isneginf(input, *, out=None) -> Tensor
    True where an element is -inf (never for integer or bool tensors); bool result.

isposinf(input, *, out=None) -> Tensor
    True where an element is +inf (never for integer or bool tensors); bool result.

isreal(input) -> Tensor
    True for every element: cgrad's tensors are real (a bool tensor of input's shape).

kron(input, other, *, out=None) -> Tensor
    Kronecker product: every element of input times all of other, in blocks.

kthvalue(input, k, dim=-1, keepdim=False, *, out=None) -> tuple[Tensor, Tensor]
    The k-th smallest element along dim and its index, as a (values, indices) named tuple.

lcm(input, other, *, out=None) -> Tensor
    Least common multiple of the elements, non-negative, for integer tensors.

ldexp(input, other, *, out=None) -> Tensor
    input * 2**other elementwise; floating result.

le(input, other, *, out=None) -> Tensor
    input <= other elementwise; bool result.

less(input, other, *, out=None) -> Tensor
    Alias of lt.

less_equal(input, other, *, out=None) -> Tensor
    Alias of le.

lerp(input, end, weight, *, out=None) -> Tensor
    input + weight * (end - input); weight is a number or a tensor.

lgamma(input, *, out=None) -> Tensor
    Natural logarithm of the absolute value of the gamma function of each element.

linspace(start, end, steps, *, out=None, dtype=None, device=None, requires_grad=False) -> Tensor
    steps evenly spaced values from start to end inclusive (rounded as torch's CPU
    kernels round them).

log(input, *, out=None) -> Tensor
    Natural logarithm of each element.

log10(input, *, out=None) -> Tensor
    Base-10 logarithm of each element.

log1p(input, *, out=None) -> Tensor
    log(1 + x), accurate for small x.

log2(input, *, out=None) -> Tensor
    Base-2 logarithm of each element.

log_softmax(input, dim, *, dtype=None, out=None) -> Tensor
    log(softmax(input, dim)), computed stably.

logaddexp(input, other, *, out=None) -> Tensor
    log(exp(input) + exp(other)), computed without overflow.

logaddexp2(input, other, *, out=None) -> Tensor
    log2(2**input + 2**other), computed without overflow.

logical_and(input, other, *, out=None) -> Tensor
    Elementwise AND of the truth values; bool result.

logical_not(input, *, out=None) -> Tensor
    Elementwise NOT of the truth values; bool result.

logical_or(input, other, *, out=None) -> Tensor
    Elementwise OR of the truth values; bool result.

logical_xor(input, other, *, out=None) -> Tensor
    Elementwise XOR of the truth values; bool result.

logit(input, eps=None, *, out=None) -> Tensor
    log(p / (1 - p)) of each element p, which is first clamped to [eps, 1 - eps] when eps
    is given (the gradient is then 0 outside that range).

logspace(start, end, steps, base=10.0, *, out=None, dtype=None, device=None, requires_grad=False) -> Tensor
    base raised to steps evenly spaced exponents from start to end inclusive.

lt(input, other, *, out=None) -> Tensor
    input < other elementwise; bool result.

manual_seed(seed) -> Generator
    Seeds the default generator (every random function without generator=); returns it.
    The same seed draws the same numbers as torch's CPU generator.

masked_fill(input, mask, value) -> Tensor
    A copy of input with value where the bool mask (broadcast to input) is True.

masked_select(input, mask, *, out=None) -> Tensor
    The elements of input where the bool mask is True, as a 1-D tensor.

matmul(input, other, *, out=None) -> Tensor
    Matrix product with numpy's rules: dot for 1-D, mm for 2-D, broadcast batches of
    matrices for more dims.

max(input, *, out=None) -> Tensor
max(input, dim, keepdim=False, *, out=None) -> tuple[Tensor, Tensor]
max(input, other, /, *, out=None) -> Tensor
    The largest element; along dim, a (values, indices) named tuple; with a tensor other,
    maximum(input, other).

maximum(input, other, *, out=None) -> Tensor
    Elementwise larger of input and other (NaN if either is NaN).

median(input) -> Tensor
median(input, dim, keepdim=False, *, out=None) -> tuple[Tensor, Tensor]
    The lower of the two middle values (NaN if any); along dim, a (values, indices) named
    tuple.

min(input, *, out=None) -> Tensor
min(input, dim, keepdim=False, *, out=None) -> tuple[Tensor, Tensor]
min(input, other, /, *, out=None) -> Tensor
    The smallest element; along dim, a (values, indices) named tuple; with a tensor other,
    minimum(input, other).

minimum(input, other, *, out=None) -> Tensor
    Elementwise smaller of input and other (NaN if either is NaN).

mm(input, mat2, *, out=None) -> Tensor
    Product of an (n, m) and an (m, p) matrix; no broadcasting.

mode(input, dim=-1, keepdim=False, *, out=None) -> tuple[Tensor, Tensor]
    The most frequent value along dim (the smallest of equally frequent ones) and the index
    of one of its occurrences, as a (values, indices) named tuple.

moveaxis(input, source, destination) -> Tensor
    Alias of movedim.

movedim(input, source, destination) -> Tensor
    A view with the dims at source moved to destination, the others in order.

msort(input, *, out=None) -> Tensor
    input sorted along dim 0, ascending.

mul(input, other, *, out=None) -> Tensor
    input * other elementwise, broadcasting the two.

multinomial(input, num_samples, replacement=False, *, generator=None, out=None) -> Tensor
    Draws num_samples category indices from each row of nonnegative weights; int64
    result.

mv(input, vec, *, out=None) -> Tensor
    Product of an (n, m) matrix and an m-vector.

nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None) -> Tensor
    Replaces NaN, +inf and -inf with the given numbers (the dtype's largest and lowest
    finite values by default).

nanmean(input, dim=None, keepdim=False, *, dtype=None, out=None) -> Tensor
    Mean of the non-NaN elements, of all or along dim: nansum over their count (NaN where
    there are none). Floating input only.

nanmedian(input) -> Tensor
nanmedian(input, dim, keepdim=False, *, out=None) -> tuple[Tensor, Tensor]
    median ignoring NaN.

narrow(input, dim, start, length) -> Tensor
    A view of length elements of dim, from start.

native_layer_norm(input, normalized_shape, weight, bias, eps) -> tuple[Tensor, Tensor, Tensor]
    Layer normalisation returning (output, mean, rstd), the form behind
    nn.functional.layer_norm.

ne(input, other, *, out=None) -> Tensor
    input != other elementwise; bool result.

neg(input, *, out=None) -> Tensor
    -input elementwise.

negative(input, *, out=None) -> Tensor
    Alias of neg.

nextafter(input, other, *, out=None) -> Tensor
    The next floating-point value after input in the direction of other, elementwise.

not_equal(input, other, *, out=None) -> Tensor
    Alias of ne.

nonzero(input, *, out=None, as_tuple=False) -> Tensor
    Indices of the nonzero elements: an (n, input.dim()) int64 tensor, or with as_tuple a
    tuple of one 1-D tensor per dim.

norm(input, p='fro', dim=None, keepdim=False, dtype=None, *, out=None) -> Tensor
    The p-norm of input or of each slice along dim ('fro' is the 2-norm of all elements,
    'nuc' is not supported). Prefer cgrad.linalg.vector_norm / matrix_norm.

normal(mean, std, *, generator=None, out=None) -> Tensor
normal(mean, std, size, *, generator=None, out=None, dtype=None, device=None, requires_grad=False) -> Tensor
    Samples from normal distributions with the given means and standard deviations
    (tensors that broadcast, or numbers with a size).

numel(input) -> int
    Number of elements of input.

ones(*size, out=None, dtype=None, device=None, requires_grad=False) -> Tensor
    A tensor of the given size filled with ones.

ones_like(input, *, dtype=None, device=None, requires_grad=False) -> Tensor
    Ones with input's size (and dtype unless given).

outer(input, vec2, *, out=None) -> Tensor
    Outer product of two 1-D tensors, an (n, m) matrix.

pairwise_distance(x1, x2, p=2.0, eps=1e-06, keepdim=False) -> Tensor
    p-norm of x1 - x2 + eps over the last dim: the distance between matching rows.

permute(input, dims) -> Tensor
    A view with the dims reordered as dims says.

polygamma(n, input, *, out=None) -> Tensor
    The n-th derivative of digamma (n >= 0) of each element; polygamma(0, x) is digamma(x).

positive(input) -> Tensor
    Returns input itself, unchanged (the unary + operator); bool tensors are refused.

pow(input, exponent, *, out=None) -> Tensor
    input raised to exponent elementwise; either may be a number.

promote_types(type1, type2) -> dtype
    The smallest dtype of the higher kind to which both dtypes convert.

rad2deg(input, *, out=None) -> Tensor
    Each element converted from radians to degrees (times 180 / pi).

rand(*size, generator=None, out=None, dtype=None, device=None, requires_grad=False) -> Tensor
    Uniform samples in [0, 1).

rand_like(input, *, dtype=None, device=None, requires_grad=False, generator=None) -> Tensor
    rand with input's size (and dtype unless given).

randint(high, size, *, generator=None, out=None, dtype=None, device=None, requires_grad=False) -> Tensor
randint(low, high, size, *, generator=None, out=None, dtype=None, device=None, requires_grad=False) -> Tensor
    Integers uniform in [low, high) (low defaults to 0); int64 unless dtype is given.

randint_like(input, high, *, dtype=None, device=None, requires_grad=False, generator=None) -> Tensor
randint_like(input, low, high, *, dtype=None, device=None, requires_grad=False, generator=None) -> Tensor
    randint with input's size (and dtype unless given).

randn(*size, generator=None, out=None, dtype=None, device=None, requires_grad=False) -> Tensor
    Standard normal samples.

randn_like(input, *, dtype=None, device=None, requires_grad=False, generator=None) -> Tensor
    randn with input's size (and dtype unless given).

randperm(n, *, generator=None, out=None, dtype=int64, device=None, requires_grad=False) -> Tensor
    A random permutation of 0 .. n-1.

ravel(input) -> Tensor
    The elements in row-major order as a 1-D tensor: a view of contiguous input, else of
    a copy.

reciprocal(input, *, out=None) -> Tensor
    1 / x elementwise (a float result for integer input).

relu(input) -> Tensor
    max(x, 0) elementwise.

remainder(input, other, *, out=None) -> Tensor
    Remainder of input / other with the sign of other (Python's %).

repeat_interleave(input, repeats, dim=None, *, output_size=None) -> Tensor
repeat_interleave(repeats, *, output_size=None) -> Tensor
    Repeats each element (or each slice along dim) repeats times, a number or one count
    per element; with only a tensor of counts, repeats each index that many times.

reshape(input, shape) -> Tensor
    input with a new shape of the same number of elements (-1 is inferred); a view when
    the memory layout allows, else a copy.

result_type(tensor, other) -> dtype
    The dtype an arithmetic op on the two operands (tensors or numbers) returns.

roll(input, shifts, dims=None) -> Tensor
    Shifts elements along dims, wrapping around; without dims, on the flattened input.

rot90(input, k=1, dims=[0, 1]) -> Tensor
    input turned k quarter turns in the plane of dims, from dims[0] towards dims[1]
    (negative k turns the other way), as a new tensor.

round(input, *, decimals=0, out=None) -> Tensor
    Rounds each element to the nearest integer (or to decimals places), halves to even.

row_stack(tensors, *, out=None) -> Tensor
    vstack under another name.

rsqrt(input, *, out=None) -> Tensor
    1 / sqrt(x) elementwise.

scatter(input, dim, index, src, *, out=None) -> Tensor
scatter(input, dim, index, *, value, out=None) -> Tensor
    A copy of input with src's elements (or value) written at the positions index names
    along dim.

scatter_add(input, dim, index, src, *, out=None) -> Tensor
    A copy of input with src's elements added at the positions index names along dim.

searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, out=None, sorter=None) -> Tensor
    For each value of input (a tensor or a number), the index in the innermost dim of
    sorted_sequence at which inserting it keeps that dim sorted: the first such index, or
    the last with right=True or side='right'. sorted_sequence is 1-d or has input's leading
    dims; sorter (int64, sorted_sequence's shape) gives its ascending order when it is not
    sorted itself. Compared in the promoted dtype; a NaN value goes past the end. int64
    indices (int32 with out_int32), with no gradient.

seed() -> int
    Reseeds the default generator from the operating system; returns the seed.

select(input, dim, index) -> Tensor
    A view of the slice at index along dim, that dim removed.

set_default_dtype(d) -> None
    Sets the dtype of Python floats and float factories (float32 or float64).

set_num_threads(int) -> None
    Sets the number of threads the CPU kernels use.

set_rng_state(new_state) -> None
    Restores the default generator from a get_rng_state() tensor.

sgn(input, *, out=None) -> Tensor
    The sign of each element, as sign() for real numbers (SgnBackward0).

sigmoid(input, *, out=None) -> Tensor
    1 / (1 + exp(-x)) elementwise.

sign(input, *, out=None) -> Tensor
    -1, 0 or 1 by the sign of each element.

signbit(input, *, out=None) -> Tensor
    True where the sign bit is set (negative numbers, -0. and negative NaN); bool result.

sin(input, *, out=None) -> Tensor
    Sine of each element (radians).

sinc(input, *, out=None) -> Tensor
    sin(pi x) / (pi x) elementwise, 1 at 0.

sinh(input, *, out=None) -> Tensor
    Hyperbolic sine of each element.

softmax(input, dim, *, dtype=None, out=None) -> Tensor
    exp(x) / sum(exp(x)) along dim, computed stably.

sort(input, dim=-1, descending=False, *, stable=False, out=None) -> tuple[Tensor, Tensor]
    input sorted along dim and the indices it came from, as a (values, indices) named
    tuple; NaN sorts as the largest value.

split(input, split_size_or_sections, dim=0) -> tuple[Tensor, ...]
    Views of input along dim: pieces of split_size elements (the last may be shorter) or
    of the sizes in a list.

sqrt(input, *, out=None) -> Tensor
    Square root of each element.

square(input, *, out=None) -> Tensor
    Each element squared, as input ** 2 (a bool input squares to int64).

squeeze(input, dim=None) -> Tensor
    A view without the size-1 dims (only those among dim, if given).

stack(tensors, dim=0, *, out=None) -> Tensor
    Joins tensors of one size along a new dim.

std_mean(input, dim=None, unbiased=True, keepdim=False, *, correction=1) -> tuple[Tensor, Tensor]
    (std, mean) of input in one call.

sub(input, other, *, alpha=1, out=None) -> Tensor
    input - alpha * other, broadcasting the two.

swapaxes(input, axis0, axis1) -> Tensor
    Alias of transpose.

swapdims(input, dim0, dim1) -> Tensor
    Alias of transpose.

t(input) -> Tensor
    The transpose of a tensor of at most 2 dims, as a view.

take(input, index, *, out=None) -> Tensor
    The elements of the flattened input at index; the result has index's shape.

take_along_dim(input, indices, dim=None, *, out=None) -> Tensor
    Picks the elements at indices along dim (indices broadcast with input), or from the
    flattened input when dim is None.

tan(input, *, out=None) -> Tensor
    Tangent of each element (radians).

tanh(input, *, out=None) -> Tensor
    Hyperbolic tangent of each element.

tensor(data, *, dtype=None, device=None, requires_grad=False) -> Tensor
    A new tensor copied from data (a number, nested sequences, a numpy array or a
    tensor); the dtype is inferred as torch infers it unless given.

tensordot(a, b, dims=2, *, out=None) -> Tensor
    Contracts the last dims of a with the first dims of b (a count, or two lists of
    dims).

tile(input, dims) -> Tensor
    Repeats input dims[i] times along each dim (as Tensor.repeat, with fewer dims padded
    by ones).

topk(input, k, dim=-1, largest=True, sorted=True, *, out=None) -> tuple[Tensor, Tensor]
    The k largest (or smallest) elements along dim and their indices, as a (values,
    indices) named tuple.

trace(input) -> Tensor
    Sum of the main diagonal of a 2-D tensor.

transpose(input, dim0, dim1) -> Tensor
    A view with dims dim0 and dim1 swapped.

tril(input, diagonal=0, *, out=None) -> Tensor
    A copy with the elements above the diagonal-th diagonal of the last two dims zeroed.

triu(input, diagonal=0, *, out=None) -> Tensor
    A copy with the elements below the diagonal-th diagonal of the last two dims zeroed.

true_divide(input, other, *, out=None) -> Tensor
    Alias of div without rounding_mode: true division, a float result even for integers.

trunc(input, *, out=None) -> Tensor
    Rounds each element toward zero.

unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None) -> Any
    The distinct elements of input as a sorted 1-d tensor (always sorted, as torch's CPU
    does, whatever sorted says), or with dim its distinct slices along dim, sorted
    lexicographically. Each NaN counts as a value of its own. With return_inverse, also the
    int64 index into the result of each element (input's shape) or slice; with
    return_counts, the int64 number of times each occurs: a tuple (values, inverse,
    counts) of the ones asked for. The values have no derivative (backward raises).

unique_consecutive(input, return_inverse=False, return_counts=False, dim=None) -> Any
    As unique, but only runs of equal consecutive elements (or slices along dim) collapse,
    and the result keeps input's order.

unbind(input, dim=0) -> tuple[Tensor, ...]
    The slices of input along dim, as views, that dim removed.

unflatten(input, dim, sizes) -> Tensor
    A view with dim split into sizes (one may be -1).

unsqueeze(input, dim) -> Tensor
    A view with a size-1 dim inserted at dim.

var_mean(input, dim=None, unbiased=True, keepdim=False, *, correction=1) -> tuple[Tensor, Tensor]
    (var, mean) of input in one call.

vsplit(input, indices_or_sections) -> tuple[Tensor, ...]
    Splits input (2 dims or more) along dim 0, as hsplit does along its dim.

vstack(tensors, *, out=None) -> Tensor
    Joins tensors along dim 0, after giving each at least 2 dims (1-d [n] as [1, n]).

where(condition, input, other, *, out=None) -> Tensor
where(condition) -> tuple[Tensor, ...]
    Elements of input where condition is True, of other elsewhere (all three broadcast;
    input and other may be numbers); with only condition, nonzero(condition,
    as_tuple=True).

xlogy(input, other, *, out=None) -> Tensor
    input * log(other), 0 where input is 0 (and other is not NaN).

zeros(*size, out=None, dtype=None, device=None, requires_grad=False) -> Tensor
    A tensor of the given size filled with zeros.

zeros_like(input, *, dtype=None, device=None, requires_grad=False) -> Tensor
    Zeros with input's size (and dtype unless given).
"""

# The classes bound in C++.
CLASSES = r"""
Tensor()
    A multi-dimensional array of one dtype that can record the operations made on it for
    autograd. Build one with cgrad.tensor, a factory (zeros, rand, ...) or
    cgrad.Tensor(*size) (an uninitialised float tensor, torch's legacy constructor).

dtype()
    A tensor element type: cgrad.float32 (float), float64 (double), int64 (long), int32
    (int) and bool.

memory_format()
    How a tensor's elements are ordered in memory: contiguous_format, channels_last,
    channels_last_3d, or preserve_format (keep the input's) for .to/.clone.

Generator(device='cpu')
    A seeded stream of random numbers, for the generator= argument of random functions:
    manual_seed, seed, initial_seed, get_state, set_state.

Node()
    A node of the backward graph (tensor.grad_fn): name(), next_functions, metadata,
    register_hook and register_prehook, the saved tensors of its op.

RemovableHandle()
    Returned by register_hook and friends; remove() unregisters the hook.
"""

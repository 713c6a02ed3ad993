"""nn.functional's layer functions written over cgrad ops: dropout, embedding, one_hot,
pad, normalize, cosine_similarity, pairwise_distance, scaled_dot_product_attention,
bilinear.

Each records the nodes torch records where torch's version is built from ops too
(dropout: MulBackward0; normalize: DivBackward0; cosine_similarity: SumBackward1); single
torch nodes (EmbeddingBackward0, ConstantPadNdBackward0, ReflectionPad*/ReplicationPad*)
come from C++ ops.
"""
import math

from .. import _C
from .._C import _nn as _impl

__all__ = ["dropout", "embedding", "one_hot", "pad", "normalize", "cosine_similarity",
           "pairwise_distance", "scaled_dot_product_attention", "bilinear"]


def dropout(input, p=0.5, training=True, inplace=False):
    """dropout(input, p=0.5, training=True, inplace=False) -> Tensor

    Zeroes each element with probability p and scales the rest by 1 / (1 - p) when
    training; input itself otherwise. cgrad: the mask is drawn as torch's CPU draws it."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if p == 0 or not training or input.numel() == 0:
        return input
    if p == 1:
        zero = _C.zeros((), dtype=input.dtype)
        return input.mul_(zero) if inplace else input * zero
    # Note [Dropout masks]: torch's CPU recipe, step for step, so the same seed draws the
    # same mask: a Bernoulli(1 - p) mask scaled by 1 / (1 - p), then one multiply.
    noise = _C.empty_like(input).bernoulli_(1 - p)
    noise.div_(1 - p)
    return input.mul_(noise) if inplace else input * noise


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, sparse=False) -> Tensor

    The rows of weight at the integer indices input; the padding_idx row gets no
    gradient, and with max_norm the rows used are first rescaled in place to at most
    that norm."""
    if padding_idx is not None:
        if padding_idx > 0:
            assert padding_idx < weight.size(0), "Padding_idx must be within num_embeddings"
        elif padding_idx < 0:
            assert padding_idx >= -weight.size(0), "Padding_idx must be within num_embeddings"
            padding_idx = weight.size(0) + padding_idx
    else:
        padding_idx = -1
    if max_norm is not None:
        _renorm_rows(weight, input, max_norm, norm_type)
    return _C.embedding(weight, input, padding_idx, scale_grad_by_freq, sparse)


def _renorm_rows(weight, indices, max_norm, norm_type):
    """Rescales, in place and unrecorded, the rows of `weight` used by `indices` whose
    norm exceeds max_norm (torch's embedding_renorm_, with its 1e-7 guard)."""
    from .. import no_grad
    with no_grad():
        rows = _C.tensor(sorted(set(indices.flatten().tolist())), dtype=_C.int64)
        if rows.numel() == 0:
            return
        picked = weight.index_select(0, rows)
        norms = picked.norm(norm_type, 1, keepdim=True)
        scale = _C.where(norms > max_norm, max_norm / (norms + 1e-7), _C.ones_like(norms))
        weight[rows] = picked * scale


def one_hot(tensor, num_classes=-1):
    """one_hot(tensor, num_classes=-1) -> Tensor

    int64 one-hot encoding of class indices, a new last dim of num_classes (inferred as
    max + 1 when -1)."""
    if tensor.dtype != _C.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if tensor.numel() == 0:
        if num_classes == -1:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        return _C.zeros(tuple(tensor.shape) + (num_classes,), dtype=_C.int64)
    if int(tensor.min()) < 0:
        raise RuntimeError("Class values must be non-negative.")
    largest = int(tensor.max())
    if num_classes == -1:
        num_classes = largest + 1
    elif largest >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    # a 1 scattered into zeros: one write per index (a broadcast compare against every
    # class, then a cast, ran at 7x torch's time)
    out = _C.zeros(tuple(tensor.shape) + (num_classes,), dtype=_C.int64)
    return out.scatter_(-1, tensor.unsqueeze(-1), 1)


def pad(input, pad, mode="constant", value=None):
    """pad(input, pad, mode='constant', value=None) -> Tensor

    Pads the last dims of input, pad = (left, right, top, bottom, ...): with value
    ('constant'), or 'reflect', 'replicate' or 'circular'."""
    if mode != "circular":
        return _impl.pad(input, pad, mode, value)
    if value is not None and value != 0:
        raise RuntimeError('Padding mode "circular" doesn\'t take in value argument')
    return _pad_circular(input, list(pad))


def _pad_circular(input, pad):
    """Wraps the input around, one padded dim at a time, by slice assignment (torch's
    result is a CopySlices node too)."""
    _impl._check_non_constant_pad(input, pad)
    out = input
    for k in range(len(pad) // 2):
        dim = input.dim() - 1 - k
        left, right, size = pad[2 * k], pad[2 * k + 1], out.shape[dim]
        if left > size or right > size:
            raise RuntimeError("Padding value causes wrapping around more than once.")
        shape = list(out.shape)
        shape[dim] = size + left + right
        result = _C.empty(shape, dtype=out.dtype)

        def at(t, start, stop):
            index = [slice(None)] * t.dim()
            index[dim] = slice(start, stop)
            return tuple(index)
        result[at(result, max(left, 0), max(left, 0) + size + min(left, 0) + min(right, 0))] = \
            out[at(out, max(-left, 0), size - max(-right, 0))]
        if left > 0:
            result[at(result, 0, left)] = out[at(out, size - left, size)]
        if right > 0:
            result[at(result, shape[dim] - right, shape[dim])] = out[at(out, 0, right)]
        out = result
    return out


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """normalize(input, p=2.0, dim=1, eps=1e-12, out=None) -> Tensor

    input divided by its p-norm along dim (at least eps)."""
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    if out is not None:
        return _C.div(input, denom, out=out)
    return input / denom


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """cosine_similarity(x1, x2, dim=1, eps=1e-08) -> Tensor

    Cosine of the angle between x1 and x2 along dim, each norm at least eps."""
    x1_norm = x1.norm(2, dim, keepdim=True).clamp_min(eps)
    x2_norm = x2.norm(2, dim, keepdim=True).clamp_min(eps)
    return ((x1 / x1_norm) * (x2 / x2_norm)).sum(dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """pairwise_distance(x1, x2, p=2.0, eps=1e-06, keepdim=False) -> Tensor

    p-norm of x1 - x2 + eps along the last dim."""
    return _C.pairwise_distance(x1, x2, p, eps, keepdim)


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """softmax(q k^T * scale + mask) v, the math torch documents for this function; a
    query that the mask lets attend to no key gives zeros, as torch's."""
    length, source = query.size(-2), key.size(-2)
    scale = 1.0 / math.sqrt(query.size(-1)) if scale is None else scale
    scores = query @ key.transpose(-2, -1) * scale
    if is_causal:
        keep = _C.arange(length).unsqueeze(-1) >= _C.arange(source)  # lower triangle
        scores = scores.masked_fill(keep.logical_not(), float("-inf"))
    blocked = None
    if attn_mask is not None:
        if attn_mask.dtype == _C.bool:
            scores = scores.masked_fill(attn_mask.logical_not(), float("-inf"))
        else:
            scores = scores + attn_mask
        # Note [Fully masked rows]: torch gives a query that may attend to nothing a zero
        # output and zero gradients, not softmax's NaN. Its scores are set finite before
        # the softmax so that no NaN reaches the backward either.
        blocked = scores.isneginf().all(-1, keepdim=True)
        scores = scores.masked_fill(blocked, 0.0)
    weights = scores.softmax(-1)
    if blocked is not None:
        weights = weights.masked_fill(blocked, 0.0)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, True)
    return weights @ value


_CPP_TYPE_NAMES = {_C.float32: "float", _C.float64: "double", _C.int64: "long int",
                   _C.int32: "int", _C.bool: "bool"}


def bilinear(input1, input2, weight, bias=None):
    """y[..., o] = sum_ij input1[..., i] weight[o, i, j] input2[..., j] (+ bias[o]), with
    torch's checks in torch's order; the result is a view of the flat batch
    (ViewBackward0, or AddBackward0 with a bias), as torch's."""
    named = [("input1", input1), ("input2", input2), ("weight", weight)]
    if bias is not None:
        named.append(("bias", bias))
    if len({t.dtype for _, t in named}) > 1:
        raise RuntimeError("All tensors must have the same dtype, got " + ", ".join(
            f"{name}: {_CPP_TYPE_NAMES.get(t.dtype, t.dtype)}" for name, t in named))
    if input1.dim() != input2.dim():
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {input1.dim()} "
                           f"and {input2.dim()}")
    for d in range(input1.dim() - 1):
        if input1.size(d) != input2.size(d):
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {d}: "
                               f"got {input1.size(d)} and {input2.size(d)}")
    for which, given, wanted in (("input1", input1.size(-1), weight.size(1)),
                                 ("input2", input2.size(-1), weight.size(2))):
        if given != wanted:
            raise RuntimeError(f"bilinear(): {which} size does not match weight size: got "
                               f"{given} but expected {wanted}")
    if bias is not None and bias.size(0) != weight.size(0):
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got "
                           f"{bias.size(0)} but expected {weight.size(0)}")
    o, i, j = weight.shape
    batch = tuple(input1.shape[:-1])
    n = math.prod(batch)
    # (n, i) @ (i, o*j) -> (n, o, j), then contract j with input2.
    mixed = (input1.reshape(n, i) @ weight.permute(1, 0, 2).reshape(i, o * j)).reshape(n, o, j)
    out = (mixed * input2.reshape(n, 1, j)).sum(-1).view(*batch, o)
    return out + bias if bias is not None else out

"""Recurrent layers: RNNCell, LSTMCell, GRUCell and the sequence modules RNN, LSTM, GRU.

Parameter names, shapes, order and initialization (every parameter ~ U(-1/sqrt(hidden),
1/sqrt(hidden)), in registration order) are torch's, so state_dicts load across and the
same seed gives the same weights with torch-exact random streams.

Note [RNN input projection]: the input-to-hidden products of a whole sequence are one
F.linear over all time steps; only the hidden-to-hidden product runs per step. Same
values as the per-step formula, far fewer ops.
"""
from __future__ import annotations

from typing import Any

import math

from ... import _C
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module
from ..._C import Tensor

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _rnn_step(mode, x_proj, h, w_hh, b_hh):
    """One RNN step from the projected input x_proj = x W_ih^T + b_ih."""
    pre = x_proj + F.linear(h, w_hh, b_hh)
    return _C.tanh(pre) if mode == "RNN_TANH" else _C.relu(pre)


def _lstm_step(x_proj, state, w_hh, b_hh):
    h, c = state
    i, f, g, o = (x_proj + F.linear(h, w_hh, b_hh)).chunk(4, -1)
    c = _C.sigmoid(f) * c + _C.sigmoid(i) * _C.tanh(g)
    return _C.sigmoid(o) * _C.tanh(c), c


def _gru_step(x_proj, h, w_hh, b_hh):
    x_r, x_z, x_n = x_proj.chunk(3, -1)
    h_r, h_z, h_n = F.linear(h, w_hh, b_hh).chunk(3, -1)
    r = _C.sigmoid(x_r + h_r)
    z = _C.sigmoid(x_z + h_z)
    n = _C.tanh(x_n + r * h_n)
    return (1 - z) * n + z * h


def _step(mode, x_proj, state, w_hh, b_hh):
    if mode == "LSTM":
        return _lstm_step(x_proj, state, w_hh, b_hh)
    if mode == "GRU":
        return _gru_step(x_proj, state, w_hh, b_hh)
    return _rnn_step(mode, x_proj, state, w_hh, b_hh)


# ---------- cells ----------

class _RNNCellBase(Module):
    __constants__ = ["input_size", "hidden_size", "bias"]

    def __init__(self, input_size: int, hidden_size: int, bias: Any, num_chunks: Any,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        gates = num_chunks * hidden_size
        self.weight_ih = Parameter(_C.empty((gates, input_size), device=device, dtype=dtype))
        self.weight_hh = Parameter(_C.empty((gates, hidden_size), device=device, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(_C.empty(gates, device=device, dtype=dtype))
            self.bias_hh = Parameter(_C.empty(gates, device=device, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self) -> str:
        s = "{input_size}, {hidden_size}"
        if "bias" in self.__dict__ and self.bias is not True:
            s += ", bias={bias}"
        if "nonlinearity" in self.__dict__ and self.nonlinearity != "tanh":
            s += ", nonlinearity={nonlinearity}"
        return s.format(**self.__dict__)

    def _check_input(self, input, kind):
        if input.dim() not in (1, 2):
            raise ValueError(f"{kind}: Expected input to be 1D or 2D, got {input.dim()}D instead")

    def _zeros_like_state(self, input):
        return _C.zeros(input.size(0), self.hidden_size, dtype=input.dtype)

    def _run(self, mode, input, state):
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
            state = None if state is None else (
                tuple(s.unsqueeze(0) for s in state) if isinstance(state, tuple) else state.unsqueeze(0))
        if state is None:
            zeros = self._zeros_like_state(input)
            state = (zeros, zeros) if mode == "LSTM" else zeros
        out = _step(mode, F.linear(input, self.weight_ih, self.bias_ih), state, self.weight_hh,
                    self.bias_hh)
        if not batched:
            out = tuple(o.squeeze(0) for o in out) if isinstance(out, tuple) else out.squeeze(0)
        return out


class RNNCell(_RNNCellBase):
    __constants__ = ["input_size", "hidden_size", "bias", "nonlinearity"]

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device: Any = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Any = None) -> Any:
        self._check_input(input, "RNNCell")
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        return self._run("RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU", input, hx)


class LSTMCell(_RNNCellBase):
    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input: Tensor, hx: Any = None) -> Any:
        self._check_input(input, "LSTMCell")
        return self._run("LSTM", input, hx)


class GRUCell(_RNNCellBase):
    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Tensor, hx: Any = None) -> Any:
        self._check_input(input, "GRUCell")
        return self._run("GRU", input, hx)


# ---------- sequence modules ----------

class RNNBase(Module):
    __constants__ = ["mode", "input_size", "hidden_size", "num_layers", "bias", "batch_first",
                     "dropout", "bidirectional"]

    def __init__(self, mode: Any, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        if proj_size != 0:
            raise NotImplementedError("proj_size is not supported yet")
        if not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if not isinstance(hidden_size, int):
            raise TypeError(f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        directions = 2 if bidirectional else 1
        gates = _GATES[mode] * hidden_size
        self._flat_weights_names = []
        for layer in range(num_layers):
            for direction in range(directions):
                layer_input = input_size if layer == 0 else hidden_size * directions
                suffix = "_reverse" if direction == 1 else ""
                shapes: list[tuple[str, tuple[int, ...]]] = [
                    ("weight_ih", (gates, layer_input)), ("weight_hh", (gates, hidden_size))]
                if bias:
                    shapes += [("bias_ih", (gates,)), ("bias_hh", (gates,))]
                for kind, shape in shapes:
                    name = f"{kind}_l{layer}{suffix}"
                    setattr(self, name, Parameter(_C.empty(shape, device=device, dtype=dtype)))
                    self._flat_weights_names.append(name)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    @property
    def _flat_weights(self):
        return [getattr(self, name) for name in self._flat_weights_names]

    @property
    def all_weights(self):
        per_layer = 4 if self.bias else 2
        weights = self._flat_weights
        return [weights[i:i + per_layer] for i in range(0, len(weights), per_layer)]

    def extra_repr(self) -> str:
        s = "{input_size}, {hidden_size}"
        if self.num_layers != 1:
            s += ", num_layers={num_layers}"
        if self.bias is not True:
            s += ", bias={bias}"
        if self.batch_first is not False:
            s += ", batch_first={batch_first}"
        if self.dropout != 0:
            s += ", dropout={dropout}"
        if self.bidirectional is not False:
            s += ", bidirectional={bidirectional}"
        return s.format(**self.__dict__)

    def _weights_of(self, layer, direction):
        suffix = "_reverse" if direction == 1 else ""
        get = lambda kind: getattr(self, f"{kind}_l{layer}{suffix}", None)  # noqa: E731
        return get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh")

    def _run(self, input, state):
        """input: (T, B, features); state: (layers * directions, B, H) tensor(s)."""
        directions = 2 if self.bidirectional else 1
        is_lstm = self.mode == "LSTM"
        last_h, last_c = [], []
        layer_input = input
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                w_ih, w_hh, b_ih, b_hh = self._weights_of(layer, direction)
                k = layer * directions + direction
                s = (state[0][k], state[1][k]) if is_lstm else state[k]
                projected = F.linear(layer_input, w_ih, b_ih)  # Note [RNN input projection]
                steps = range(input.size(0))
                steps = reversed(steps) if direction == 1 else steps
                hs = [None] * input.size(0)
                for t in steps:
                    s = _step(self.mode, projected[t], s, w_hh, b_hh)
                    hs[t] = s[0] if is_lstm else s
                outputs.append(_C.stack(hs, 0) if hs else projected[..., :self.hidden_size] * 0)
                last_h.append(s[0] if is_lstm else s)
                if is_lstm:
                    last_c.append(s[1])
            layer_input = outputs[0] if directions == 1 else _C.cat(outputs, 2)
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, True)
        h_n = _C.stack(last_h, 0)
        return layer_input, ((h_n, _C.stack(last_c, 0)) if is_lstm else h_n)

    def forward(self, input: Tensor, hx: Any = None) -> Any:
        batched = input.dim() == 3
        if input.dim() not in (2, 3):
            raise ValueError(f"{self._get_name()}: Expected input to be 2D or 3D, got "
                             f"{input.dim()}D instead")
        if not batched:
            input = input.unsqueeze(1)
        elif self.batch_first:
            input = input.transpose(0, 1)
        is_lstm = self.mode == "LSTM"
        if hx is None:
            zeros = _C.zeros(self.num_layers * (2 if self.bidirectional else 1), input.size(1),
                             self.hidden_size, dtype=input.dtype)
            hx = (zeros, zeros) if is_lstm else zeros
        elif not batched:
            hx = tuple(h.unsqueeze(1) for h in hx) if is_lstm else hx.unsqueeze(1)
        output, state = self._run(input, hx)
        if not batched:
            output = output.squeeze(1)
            state = tuple(s.squeeze(1) for s in state) if is_lstm else state.squeeze(1)
        elif self.batch_first:
            output = output.transpose(0, 1)
        return output, state


class RNN(RNNBase):
    def __init__(self, *args: Any, nonlinearity: str = "tanh", **kwargs: Any) -> None:
        if "nonlinearity" in kwargs:
            nonlinearity = kwargs.pop("nonlinearity")
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", *args, **kwargs)


class LSTM(RNNBase):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__("GRU", *args, **kwargs)

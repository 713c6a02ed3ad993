"""no_grad / enable_grad / set_grad_enabled / inference_mode: thread-local switches over
the C++ grad mode, usable as context managers and as decorators."""
from __future__ import annotations

import functools
import inspect
import warnings
from typing import Any, Callable, TypeVar

from .. import _C

_F = TypeVar("_F", bound=Callable[..., Any])


class _DecoratingContext:
    """A context manager that also decorates: each call of a decorated function, or each
    step of a decorated generator, runs inside a fresh copy of the context."""

    def clone(self) -> Any:
        return self.__class__()

    def __call__(self, fn: _F) -> _F:
        if inspect.isclass(fn):
            warnings.warn("Decorating classes is deprecated and will be disabled in future "
                          "versions. You should only decorate functions or methods. To "
                          "preserve the current behavior of class decoration, you can directly "
                          "decorate the `__init__` method and nothing else.", FutureWarning,
                          stacklevel=2)
            cls = fn
            fn = lambda *args, **kwargs: cls(*args, **kwargs)  # noqa: E731
        if inspect.isgeneratorfunction(fn):
            return self._decorate_generator(fn)

        @functools.wraps(fn)
        def run_inside(*args, **kwargs):
            with self.clone():
                return fn(*args, **kwargs)

        return run_inside

    def _decorate_generator(self, fn):
        # Note [Decorated generators]: the mode must hold while the generator's body
        # runs, and only then: between two steps the caller's own mode is back. So each
        # resumption (next, send, throw, close) enters the context anew.
        @functools.wraps(fn)
        def step_inside(*args, **kwargs):
            with self.clone():
                gen = fn(*args, **kwargs)
            resume, value = gen.send, None
            while True:
                try:
                    with self.clone():
                        item = resume(value)
                except StopIteration as stop:
                    return stop.value
                try:
                    value, resume = (yield item), gen.send
                except GeneratorExit:
                    with self.clone():
                        gen.close()
                    raise
                except BaseException as error:  # thrown in by the caller: pass it on
                    value, resume = error, gen.throw

        return step_inside


class _BareDecorator:
    """Lets `@no_grad` (without parentheses) decorate, as torch allows."""

    def __new__(cls, fn: Any = None) -> Any:
        if fn is None:
            return super().__new__(cls)
        return cls()(fn)


class _GradModeContext(_DecoratingContext):
    """Sets grad mode to `self._mode` on entry and restores the previous mode on exit."""

    _mode = True

    def __enter__(self) -> None:
        self._prev = _C.is_grad_enabled()
        _C._set_grad_enabled(self._mode)

    def __exit__(self, *exc: object) -> bool:
        _C._set_grad_enabled(self._prev)
        return False


class no_grad(_BareDecorator, _GradModeContext):
    """Context manager / decorator: operations inside record no graph."""

    _mode = False


class enable_grad(_BareDecorator, _GradModeContext):
    """Context manager / decorator: turns recording back on inside a no_grad block."""

    _mode = True


class set_grad_enabled(_GradModeContext):
    """Sets grad mode at once (like a function call); as a context manager it restores the
    previous mode on exit, and as a decorator it runs the function in that mode."""

    def __init__(self, mode: bool) -> None:
        if not isinstance(mode, bool):
            raise TypeError(f"set_grad_enabled(): argument 'enabled' (position 1) must be bool, "
                            f"not {type(mode).__name__}")
        self._prev = _C.is_grad_enabled()
        self._mode = mode
        _C._set_grad_enabled(mode)

    def __enter__(self) -> None:
        pass

    def __call__(self, fn: _F) -> _F:
        _C._set_grad_enabled(self._prev)  # decorating: the mode applies inside fn only
        return super().__call__(fn)

    def clone(self) -> Any:
        return self.__class__(self._mode)


class inference_mode(_DecoratingContext):
    """Like no_grad, and tensors made inside are inference tensors: autograd will not
    save them for backward or let them be written in place outside inference mode."""

    def __new__(cls, mode: Any = True) -> Any:
        if callable(mode):  # bare @inference_mode
            return cls()(mode)
        return super().__new__(cls)

    def __init__(self, mode: Any = True) -> None:
        self._inference = bool(mode)

    def __enter__(self) -> None:
        self._prev = (_C.is_grad_enabled(), _C.is_inference_mode_enabled())
        # As torch: inference_mode(False) turns grad mode on, even inside no_grad.
        _C._set_grad_enabled(not self._inference)
        _C._set_inference_mode(self._inference)

    def __exit__(self, *exc: object) -> bool:
        _C._set_grad_enabled(self._prev[0])
        _C._set_inference_mode(self._prev[1])
        return False

    def clone(self) -> Any:
        return self.__class__(self._inference)


is_grad_enabled = _C.is_grad_enabled
is_inference_mode_enabled = _C.is_inference_mode_enabled

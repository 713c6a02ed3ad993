"""cgrad.Size: the tuple subclass that `Tensor.shape` and `Tensor.size()` return."""


class Size(tuple):
    """A tensor's shape; a tuple of ints that prints as ``cgrad.Size([2, 3])``."""

    __slots__ = ()

    def __repr__(self):
        return f"cgrad.Size({list(self)!r})"

    __str__ = __repr__

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, index):
        item = super().__getitem__(index)
        return Size(item) if isinstance(index, slice) else item

"""DistributedDataParallel: one model replica per rank, gradients averaged during backward.

Note [Gradient buckets]: parameters are grouped, in reverse registration order (about the
order backward produces their gradients), into buckets of one dtype of at most
bucket_cap_mb (the first one at most 1 MiB, so communication starts early), as torch's reducer
does. A post-accumulate-grad hook copies each gradient, as soon as it is accumulated,
into its bucket's flat buffer; once a bucket is full it is divided by the world size and
all-reduced asynchronously on the communication thread while backward goes on. Buckets
are launched strictly in index order, so every rank issues the same collectives in the
same order even when its backward finishes gradients in another. A final callback of the
backward pass (queue_callback) waits for the reductions and copies the averages into
each .grad.
"""
import contextlib

import cgrad
from ... import distributed as dist
from ..modules.module import Module

_FIRST_BUCKET_BYTES = 1024 * 1024
_DEFAULT_BUCKET_CAP_MB = 25


class _Bucket:
    def __init__(self, params, dtype):
        self.params = params  # [(index into DDP's parameter list, parameter)]
        self.offsets = []
        total = 0
        for _, p in params:
            self.offsets.append(total)
            total += p.numel()
        self.flat = cgrad.zeros(total, dtype=dtype)
        self.pending = len(params)
        self.work = None

    def view(self, slot):
        p = self.params[slot][1]
        return self.flat[self.offsets[slot]:self.offsets[slot] + p.numel()].view(p.shape)


def _assign_buckets(params, cap_bytes):
    """Index lists, one per bucket: reverse parameter order, one dtype per bucket, the
    first bucket capped at 1 MiB (or cap_bytes if smaller) and the others at cap_bytes."""
    buckets, open_buckets = [], {}  # dtype -> (indices, bytes)
    for index in reversed(range(len(params))):
        p = params[index]
        indices, size = open_buckets.get(p.dtype, ([], 0))
        indices.append(index)
        size += p.numel() * p.element_size()
        limit = min(_FIRST_BUCKET_BYTES, cap_bytes) if not buckets else cap_bytes
        if size >= limit:
            buckets.append(indices)
            indices, size = [], 0
        open_buckets[p.dtype] = (indices, size)
    buckets.extend(indices for indices, _ in open_buckets.values() if indices)
    return buckets


def _broadcast_coalesced(tensors, process_group):
    """Broadcasts tensors from the group's rank 0 in one message per dtype."""
    by_dtype = {}
    for t in tensors:
        by_dtype.setdefault(t.dtype, []).append(t)
    with cgrad.no_grad():
        for group in by_dtype.values():
            flat = cgrad.cat([t.detach().reshape(-1) for t in group])
            dist.broadcast(flat, group=process_group, group_src=0)
            offset = 0
            for t in group:
                t.detach().copy_(flat[offset:offset + t.numel()].view(t.shape))
                offset += t.numel()


def _tensors_in(value):
    if isinstance(value, cgrad.Tensor):
        yield value
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _tensors_in(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _tensors_in(v)


def _leaves_reached(outputs):
    """ids of the leaf tensors whose AccumulateGrad the outputs' graph reaches."""
    # grad_fn objects may be made afresh on each access: `kept` holds every one visited,
    # so no id in `seen` is reused by a later object.
    seen, reached, kept = set(), set(), []
    stack = [t.grad_fn for t in _tensors_in(outputs) if t.grad_fn is not None]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        kept.append(node)
        variable = getattr(node, "variable", None)
        if variable is not None:
            reached.add(id(variable))
        stack.extend(child for child, _ in node.next_functions)
    return reached


class DistributedDataParallel(Module):
    """Wraps `module` for data-parallel training: each rank runs it on its own share of
    the batch, and backward leaves every rank's .grad holding the average over ranks, as
    torch's. Parameters and buffers start as rank 0's (broadcast here); buffers are
    broadcast from rank 0 again before each forward when broadcast_buffers. The device
    and tuning arguments torch takes (device_ids, gradient_as_bucket_view, static_graph,
    ...) are accepted so torch scripts run; on CPU they change no result."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0,
                 broadcast_buffers=True, process_group=None, bucket_cap_mb=None,
                 find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False,
                 delay_all_reduce_named_params=None, param_to_hook_all_reduce=None,
                 mixed_precision=None, device_mesh=None):
        super().__init__()
        self.module = module
        self.process_group = process_group
        self.world_size = dist.get_world_size(process_group)
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        params, seen = [], set()
        for name, p in module.named_parameters():
            if p.requires_grad and id(p) not in seen:
                seen.add(id(p))
                params.append((name, p))
        if not params:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't "
                               "have any parameter that requires a gradient.")
        self._param_names = [name for name, _ in params]
        self._params = [p for _, p in params]
        _broadcast_coalesced([p for p in module.parameters()] + list(module.buffers()),
                             process_group)
        cap_mb = _DEFAULT_BUCKET_CAP_MB if bucket_cap_mb is None else bucket_cap_mb
        self._buckets = []
        self._slot_of = {}  # parameter index -> (bucket, slot in it)
        for indices in _assign_buckets(self._params, int(cap_mb * 1024 * 1024)):
            dtype = self._params[indices[0]].dtype
            bucket = _Bucket([(i, self._params[i]) for i in indices], dtype)
            for slot, i in enumerate(indices):
                self._slot_of[i] = (bucket, slot)
            self._buckets.append(bucket)
        self._hook_handles = [p.register_post_accumulate_grad_hook(self._hook_for(i))
                              for i, p in enumerate(self._params)]
        self._expect_hooks = False
        self._unfinished = None  # names of the parameters a finished backward never reduced
        self._used_here = None

    # ---- forward ----

    def forward(self, *inputs, **kwargs):
        if self._unfinished is not None:
            names, self._unfinished = self._unfinished, None
            raise RuntimeError(
                "Expected to have finished reduction in the prior iteration before starting a "
                "new one. This error indicates that your module has parameters that were not "
                "used in producing loss. You can enable unused parameter detection by passing "
                "the keyword argument `find_unused_parameters=True` to "
                "`torch.nn.parallel.DistributedDataParallel`. Parameters that did not receive "
                f"gradient on rank {dist.get_rank()}: {', '.join(names)}")
        if self.broadcast_buffers and self.require_forward_param_sync and self.world_size > 1:
            buffers = list(self.module.buffers())
            if buffers:
                _broadcast_coalesced(buffers, self.process_group)
        output = self.module(*inputs, **kwargs)
        # One rank's gradients are already the average: nothing to reduce.
        if cgrad.is_grad_enabled() and self.require_backward_grad_sync and self.world_size > 1:
            self._prepare_for_backward(output)
        return output

    def _prepare_for_backward(self, output):
        for bucket in self._buckets:
            bucket.pending = len(bucket.params)
            bucket.work = None
        self._next_bucket = 0
        self._ready = [False] * len(self._params)
        self._expect_hooks = True
        self._backward_started = False
        if self.find_unused_parameters:
            reached = _leaves_reached(output)
            self._used_here = [id(p) in reached for p in self._params]

    @contextlib.contextmanager
    def no_sync(self):
        """Backward passes inside accumulate gradients locally; the first one after it
        averages the accumulated gradients across ranks."""
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous

    # ---- backward ----

    def _hook_for(self, index):
        def hook(param):
            if self._expect_hooks:
                self._mark_ready(index)
        return hook

    def _start_backward(self):
        self._backward_started = True
        cgrad.autograd.Variable._execution_engine.queue_callback(self._finish_backward)
        if self.find_unused_parameters:
            # Which parameters some rank used: one that none did keeps .grad None.
            self._used_anywhere = cgrad.tensor(self._used_here, dtype=cgrad.int32)
            self._used_work = dist.all_reduce(self._used_anywhere, dist.ReduceOp.MAX,
                                              self.process_group, async_op=True)
            for index, used in enumerate(self._used_here):
                if not used:
                    self._mark_ready(index)

    def _mark_ready(self, index):
        if not self._backward_started:
            self._start_backward()
        if self._ready[index]:
            raise RuntimeError(
                f"Expected to mark a variable ready only once. Parameter "
                f"{self._param_names[index]} received its gradient twice in one backward pass "
                f"(reentrant backward or a parameter used in several checkpointed parts); "
                f"this is not supported.")
        self._ready[index] = True
        bucket, slot = self._slot_of[index]
        grad = self._params[index].grad
        with cgrad.no_grad():
            if grad is None:
                bucket.view(slot).zero_()
            else:  # copied and divided by the world size in one pass
                cgrad.mul(grad, 1.0 / self.world_size, out=bucket.view(slot))
        bucket.pending -= 1
        buckets = self._buckets
        while self._next_bucket < len(buckets) and buckets[self._next_bucket].pending == 0:
            launched = buckets[self._next_bucket]
            launched.work = dist.all_reduce(launched.flat, group=self.process_group, async_op=True)
            self._next_bucket += 1

    def _finish_backward(self):
        self._expect_hooks = False
        if self._next_bucket < len(self._buckets):
            self._unfinished = [self._param_names[i] for i, ready in enumerate(self._ready)
                                if not ready]
        used_anywhere = None
        if self.find_unused_parameters:
            self._used_work.wait()
            used_anywhere = self._used_anywhere.tolist()
        with cgrad.no_grad():
            for bucket in self._buckets[:self._next_bucket]:
                bucket.work.wait()
                for slot, (index, p) in enumerate(bucket.params):
                    if used_anywhere is not None and not used_anywhere[index]:
                        continue
                    if p.grad is None:
                        p.grad = bucket.view(slot).clone()
                    else:
                        p.grad.copy_(bucket.view(slot))

"""PyTorch's autograd tutorial, unchanged except for the imports."""
import cgrad as torch
from cgrad.autograd import Variable

x = torch.ones(2, 2, requires_grad=True); print(x)
y = x + 2; print(y); print(y.grad_fn)
z = y*y*3; out = z.mean(); print(z, out)
a = torch.randn(2, 2); a = ((a*3)/(a-1)); print(a.requires_grad)
a.requires_grad_(True); print(a.requires_grad)
b = (a*a).sum(); print(b.grad_fn)
out.backward(); print(x.grad)
x = torch.randn(3, requires_grad=True); print('x =', x); print('y =', y)
y = x * 2
while y.data.norm() < 1000:
    y = y*2
print(y)
gradients = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float); y.backward(gradients); print(x.grad)
print(x.requires_grad); print((x**2).requires_grad)
with torch.no_grad():
    print((x**2).requires_grad)
import numpy as np
x = Variable(torch.Tensor(np.array([0., 0.5, 1., 1.5, 2.])*np.pi), requires_grad=True)
out = torch.sin(x); x.grad
out.backward(torch.Tensor([1., 1., 1., 1., 1.]))
print(repr(out.data.int().numpy())); print(repr(x.grad.data.int().numpy()))

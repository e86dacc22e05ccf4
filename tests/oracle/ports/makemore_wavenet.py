"""makemore part 5: a WaveNet-like hierarchical MLP over characters, with torchified layers.

Linear, BatchNorm1d, Tanh, Embedding, FlattenConsecutive and Sequential written as plain classes
over torch tensors (the lecture's own modules, not torch.nn), trained with minibatches from
``torch.randint``, evaluated with ``layer.training = False`` and sampled with
``torch.multinomial``.
"""

import gzip
import random
from pathlib import Path

NAMES = Path(__file__).resolve().parents[3] / "microtensor" / "data" / "names.txt.gz"


def main(torch, nn, F):
    out = {}
    with gzip.open(NAMES, "rt") as f:
        words = [w for w in f.read().splitlines() if w and not w.startswith('#')]
    chars = sorted(list(set(''.join(words))))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi['.'] = 0
    itos = {i: s for s, i in stoi.items()}
    vocab_size = len(itos)
    out["vocab_size"] = vocab_size

    block_size = 8

    def build_dataset(words):
        X, Y = [], []
        for w in words:
            context = [0] * block_size
            for ch in w + '.':
                ix = stoi[ch]
                X.append(context)
                Y.append(ix)
                context = context[1:] + [ix]
        X = torch.tensor(X)
        Y = torch.tensor(Y)
        print(X.shape, Y.shape)
        return X, Y

    random.seed(42)
    random.shuffle(words)
    n1 = int(0.8 * len(words))
    n2 = int(0.9 * len(words))
    Xtr, Ytr = build_dataset(words[:n1])
    Xdev, Ydev = build_dataset(words[n1:n2])
    Xte, Yte = build_dataset(words[n2:])
    out["shapes"] = [tuple(Xtr.shape), tuple(Xdev.shape), tuple(Xte.shape)]

    for x, y in zip(Xtr[:5], Ytr[:5]):
        print(''.join(itos[ix.item()] for ix in x), '-->', itos[y.item()])

    # -----------------------------------------------------------------------------------------
    class Linear:

        def __init__(self, fan_in, fan_out, bias=True):
            self.weight = torch.randn((fan_in, fan_out)) / fan_in**0.5  # kaiming-ish init
            self.bias = torch.zeros(fan_out) if bias else None

        def __call__(self, x):
            self.out = x @ self.weight
            if self.bias is not None:
                self.out += self.bias
            return self.out

        def parameters(self):
            return [self.weight] + ([] if self.bias is None else [self.bias])

    class BatchNorm1d:

        def __init__(self, dim, eps=1e-5, momentum=0.1):
            self.eps = eps
            self.momentum = momentum
            self.training = True
            # parameters (trained with backprop)
            self.gamma = torch.ones(dim)
            self.beta = torch.zeros(dim)
            # buffers (trained with a running 'momentum update')
            self.running_mean = torch.zeros(dim)
            self.running_var = torch.ones(dim)

        def __call__(self, x):
            if self.training:
                if x.ndim == 2:
                    dim = 0
                elif x.ndim == 3:
                    dim = (0, 1)
                xmean = x.mean(dim, keepdim=True)
                xvar = x.var(dim, keepdim=True)
            else:
                xmean = self.running_mean
                xvar = self.running_var
            xhat = (x - xmean) / torch.sqrt(xvar + self.eps)
            self.out = self.gamma * xhat + self.beta
            if self.training:
                with torch.no_grad():
                    self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * xmean
                    self.running_var = (1 - self.momentum) * self.running_var + self.momentum * xvar
            return self.out

        def parameters(self):
            return [self.gamma, self.beta]

    class Tanh:
        def __call__(self, x):
            self.out = torch.tanh(x)
            return self.out

        def parameters(self):
            return []

    class Embedding:

        def __init__(self, num_embeddings, embedding_dim):
            self.weight = torch.randn((num_embeddings, embedding_dim))

        def __call__(self, IX):
            self.out = self.weight[IX]
            return self.out

        def parameters(self):
            return [self.weight]

    class FlattenConsecutive:

        def __init__(self, n):
            self.n = n

        def __call__(self, x):
            B, T, C = x.shape
            x = x.view(B, T // self.n, C * self.n)
            if x.shape[1] == 1:
                x = x.squeeze(1)
            self.out = x
            return self.out

        def parameters(self):
            return []

    class Sequential:

        def __init__(self, layers):
            self.layers = layers

        def __call__(self, x):
            for layer in self.layers:
                x = layer(x)
            self.out = x
            return self.out

        def parameters(self):
            # get parameters of all layers and stretch them out into one list
            return [p for layer in self.layers for p in layer.parameters()]
    # -----------------------------------------------------------------------------------------

    # the shapes through the hierarchy, as the lecture checks them
    e = torch.randn(4, 8, 10)
    print(e.view(4, 4, 20).shape)
    explicit = torch.cat([e[:, ::2, :], e[:, 1::2, :]], dim=2)
    out["flatten_equal"] = (e.view(4, 4, 20) == explicit).all().item()

    torch.manual_seed(42)  # seed rng for reproducibility

    n_embd = 10  # the dimensionality of the character embedding vectors
    n_hidden = 68  # the number of neurons in the hidden layer of the MLP
    model = Sequential([
        Embedding(vocab_size, n_embd),
        FlattenConsecutive(2), Linear(n_embd * 2, n_hidden, bias=False), BatchNorm1d(n_hidden), Tanh(),
        FlattenConsecutive(2), Linear(n_hidden * 2, n_hidden, bias=False), BatchNorm1d(n_hidden), Tanh(),
        FlattenConsecutive(2), Linear(n_hidden * 2, n_hidden, bias=False), BatchNorm1d(n_hidden), Tanh(),
        Linear(n_hidden, vocab_size),
    ])

    # parameter init
    with torch.no_grad():
        model.layers[-1].weight *= 0.1  # last layer make less confident

    parameters = model.parameters()
    print(sum(p.nelement() for p in parameters))  # number of parameters in total
    out["nparams"] = sum(p.nelement() for p in parameters)
    for p in parameters:
        p.requires_grad = True

    ix = torch.randint(0, Xtr.shape[0], (4,))
    Xb, Yb = Xtr[ix], Ytr[ix]
    logits = model(Xb)
    print(Xb.shape)
    shapes = []
    for layer in model.layers:
        print(layer.__class__.__name__, ':', tuple(layer.out.shape))
        shapes.append((layer.__class__.__name__, tuple(layer.out.shape)))
    out["layer_shapes"] = shapes

    # same optimization as last time
    max_steps = 300
    batch_size = 32
    lossi = []

    for i in range(max_steps):

        # minibatch construct
        ix = torch.randint(0, Xtr.shape[0], (batch_size,))
        Xb, Yb = Xtr[ix], Ytr[ix]  # batch X,Y

        # forward pass
        logits = model(Xb)
        loss = F.cross_entropy(logits, Yb)  # loss function

        # backward pass
        for p in parameters:
            p.grad = None
        loss.backward()

        # update: simple SGD
        lr = 0.1 if i < 200 else 0.01  # step learning rate decay
        for p in parameters:
            p.data += -lr * p.grad

        # track stats
        if i % 50 == 0:  # print every once in a while
            print(f'{i:7d}/{max_steps:7d}: {loss.item():.4f}')
        lossi.append(loss.log10().item())
    out["first_losses"] = lossi[:20]
    out["train_losses"] = lossi
    out["loss_curve"] = torch.tensor(lossi).view(-1, 50).mean(1).tolist()

    # put layers into eval mode (needed for batchnorm especially)
    for layer in model.layers:
        layer.training = False

    # evaluate the loss
    @torch.no_grad()  # this decorator disables gradient tracking inside pytorch
    def split_loss(split):
        x, y = {
            'train': (Xtr, Ytr),
            'val': (Xdev, Ydev),
            'test': (Xte, Yte),
        }[split]
        logits = model(x)
        loss = F.cross_entropy(logits, y)
        print(split, loss.item())
        return loss.item()

    out["split_train"] = split_loss('train')
    out["split_val"] = split_loss('val')
    out["running_mean_0"] = model.layers[3].running_mean.view(-1)[:5].tolist()
    out["running_var_0"] = model.layers[3].running_var.view(-1)[:5].tolist()

    # sample from the model
    samples = []
    for _ in range(10):
        out_ix = []
        context = [0] * block_size  # initialize with all ...
        while True:
            # forward pass the neural net
            logits = model(torch.tensor([context]))
            probs = F.softmax(logits, dim=1)
            # sample from the distribution
            ix = torch.multinomial(probs, num_samples=1).item()
            # shift the context window and track the samples
            context = context[1:] + [ix]
            out_ix.append(ix)
            # if we sample the special '.' token, break
            if ix == 0:
                break
        print(''.join(itos[i] for i in out_ix))  # decode and print the generated word
        samples.append(''.join(itos[i] for i in out_ix))
    out["samples"] = samples
    return out


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from _backend import cli

    cli(main)

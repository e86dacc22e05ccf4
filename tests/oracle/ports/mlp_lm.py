"""makemore part 2: an MLP character language model (Bengio et al. 2003), trained on minibatches."""

import random
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

NAMES = Path(__file__).with_name("names.txt")


def main(torch, nn, F):
    out = {}
    words = open(NAMES).read().splitlines()
    chars = sorted(list(set(''.join(words))))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi['.'] = 0
    itos = {i: s for s, i in stoi.items()}

    # build the dataset
    block_size = 3  # context length: how many characters do we take to predict the next one?

    def build_dataset(words):
        X, Y = [], []
        for w in words:
            context = [0] * block_size
            for ch in w + '.':
                ix = stoi[ch]
                X.append(context)
                Y.append(ix)
                context = context[1:] + [ix]  # crop and append
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
    out["X_dtype"] = str(Xtr.dtype)

    # the embedding lookup, three ways
    C = torch.randn((27, 2))
    print(C[5])
    print(C[[5, 6, 7, 7, 7, 7]])
    print(C[torch.tensor([5, 6, 7, 7, 7, 7])])
    out["C_list_index"] = (C[[5, 6, 7]] == C[torch.tensor([5, 6, 7])]).all().item()
    print(C[Xtr][13, 2], C[Xtr[13, 2]])
    out["C_X_13_2"] = (C[Xtr][13, 2] == C[Xtr[13, 2]]).all().item()
    print(F.one_hot(torch.tensor(5), num_classes=27).float() @ C)
    emb = C[Xtr]
    print(emb.shape)
    a = torch.cat([emb[:, 0, :], emb[:, 1, :], emb[:, 2, :]], 1)
    b = torch.cat(torch.unbind(emb, 1), 1)
    c = emb.view(emb.shape[0], 6)
    print((a == b).all(), (b == c).all())
    out["emb_ways_equal"] = bool((a == b).all()) and bool((b == c).all())
    a = torch.arange(18)
    print(a.view(3, 3, 2))
    print(a.storage())
    out["arange_view"] = a.view(3, 3, 2)[1].tolist()

    # the manual softmax version of the loss on a few examples
    g = torch.Generator().manual_seed(2147483647)  # for reproducibility
    C = torch.randn((27, 2), generator=g)
    W1 = torch.randn((6, 100), generator=g)
    b1 = torch.randn(100, generator=g)
    W2 = torch.randn((100, 27), generator=g)
    b2 = torch.randn(27, generator=g)
    Xs, Ys = Xtr[:32], Ytr[:32]
    emb = C[Xs]
    h = torch.tanh(emb.view(-1, 6) @ W1 + b1)
    logits = h @ W2 + b2
    counts = logits.exp()
    prob = counts / counts.sum(1, keepdims=True)
    loss = -prob[torch.arange(32), Ys].log().mean()
    print(loss)
    out["manual_loss"] = loss.item()
    out["cross_entropy_loss"] = F.cross_entropy(logits, Ys).item()

    # the real model
    g = torch.Generator().manual_seed(2147483647)
    C = torch.randn((27, 10), generator=g)
    W1 = torch.randn((30, 200), generator=g)
    b1 = torch.randn(200, generator=g)
    W2 = torch.randn((200, 27), generator=g)
    b2 = torch.randn(27, generator=g)
    parameters = [C, W1, b1, W2, b2]
    print(sum(p.nelement() for p in parameters))  # number of parameters in total
    out["nparams"] = sum(p.nelement() for p in parameters)
    for p in parameters:
        p.requires_grad = True

    # learning rate finder
    lre = torch.linspace(-3, 0, 1000)
    lrs = 10**lre
    lri = []
    lossi = []
    for i in range(300):
        # minibatch construct
        ix = torch.randint(0, Xtr.shape[0], (32,), generator=g)

        # forward pass
        emb = C[Xtr[ix]]  # (32, 3, 10)
        h = torch.tanh(emb.view(-1, 30) @ W1 + b1)  # (32, 200)
        logits = h @ W2 + b2  # (32, 27)
        loss = F.cross_entropy(logits, Ytr[ix])

        # backward pass
        for p in parameters:
            p.grad = None
        loss.backward()

        # update
        lr = lrs[i]
        for p in parameters:
            p.data += -lr * p.grad

        # track stats
        lri.append(lre[i])
        lossi.append(loss.item())
    out["lr_finder_losses"] = lossi
    out["lri_last"] = float(lri[-1])

    # training proper, from a fresh init
    g = torch.Generator().manual_seed(2147483647)
    C = torch.randn((27, 10), generator=g)
    W1 = torch.randn((30, 200), generator=g)
    b1 = torch.randn(200, generator=g)
    W2 = torch.randn((200, 27), generator=g)
    b2 = torch.randn(27, generator=g)
    parameters = [C, W1, b1, W2, b2]
    for p in parameters:
        p.requires_grad = True

    stepi = []
    lossi = []
    for i in range(400):
        ix = torch.randint(0, Xtr.shape[0], (32,), generator=g)
        emb = C[Xtr[ix]]
        h = torch.tanh(emb.view(-1, 30) @ W1 + b1)
        logits = h @ W2 + b2
        loss = F.cross_entropy(logits, Ytr[ix])
        for p in parameters:
            p.grad = None
        loss.backward()
        lr = 0.1 if i < 300 else 0.01
        for p in parameters:
            p.data += -lr * p.grad
        stepi.append(i)
        lossi.append(loss.log10().item())
    print(loss.item())
    out["train_log10_losses"] = lossi

    @torch.no_grad()  # this decorator disables gradient tracking
    def split_loss(split):
        x, y = {
            'train': (Xtr, Ytr),
            'val': (Xdev, Ydev),
            'test': (Xte, Yte),
        }[split]
        emb = C[x]  # (N, block_size, n_embd)
        h = torch.tanh(emb.view(-1, 30) @ W1 + b1)  # (N, n_hidden)
        logits = h @ W2 + b2  # (N, vocab_size)
        loss = F.cross_entropy(logits, y)
        print(split, loss.item())
        return loss.item(), loss.requires_grad

    out["split_train"] = split_loss('train')
    out["split_val"] = split_loss('val')

    # the first two dimensions of the embedding, as the lecture scatters them
    plt.figure(figsize=(8, 8))
    plt.scatter(C[:, 0].data, C[:, 1].data, s=200)
    for i in range(C.shape[0]):
        plt.text(C[i, 0].item(), C[i, 1].item(), itos[i], ha="center", va="center", color='white')
    plt.grid('minor')
    plt.close()
    plt.plot(stepi, lossi)
    plt.close()
    out["C_2d"] = [(C[i, 0].item(), C[i, 1].item()) for i in range(3)]
    out["C_data_type"] = type(C[:, 0].data).__name__

    # sample from the model
    g = torch.Generator().manual_seed(2147483647 + 10)
    samples = []
    for _ in range(10):
        name = []
        context = [0] * block_size  # initialize with all ...
        while True:
            emb = C[torch.tensor([context])]  # (1,block_size,d)
            h = torch.tanh(emb.view(1, -1) @ W1 + b1)
            logits = h @ W2 + b2
            probs = F.softmax(logits, dim=1)
            ix = torch.multinomial(probs, num_samples=1, generator=g).item()
            context = context[1:] + [ix]
            name.append(ix)
            if ix == 0:
                break
        print(''.join(itos[i] for i in name))
        samples.append(''.join(itos[i] for i in name))
    out["samples"] = samples
    return out


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from _backend import cli

    cli(main)

"""makemore part 1: a bigram character model, counted and then trained as a one-layer net."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

NAMES = Path(__file__).with_name("names.txt")


def main(torch, nn, F):
    out = {}
    words = open(NAMES).read().splitlines()
    print(words[:10])
    print(len(words))
    print(min(len(w) for w in words), max(len(w) for w in words))

    # ---- counting bigrams in a 2D array
    N = torch.zeros((27, 27), dtype=torch.int32)

    chars = sorted(list(set(''.join(words))))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi['.'] = 0
    itos = {i: s for s, i in stoi.items()}

    for w in words:
        chs = ['.'] + list(w) + ['.']
        for ch1, ch2 in zip(chs, chs[1:]):
            ix1 = stoi[ch1]
            ix2 = stoi[ch2]
            N[ix1, ix2] += 1

    plt.figure(figsize=(16, 16))
    plt.imshow(N, cmap='Blues')
    for i in range(27):
        for j in range(0, 27, 9):
            chstr = itos[i] + itos[j]
            plt.text(j, i, chstr, ha="center", va="bottom", color='gray')
            plt.text(j, i, N[i, j].item(), ha="center", va="top", color='gray')
    plt.axis('off')
    plt.close()

    print(N.dtype, N.shape, N.sum())
    out["N_sum"] = N.sum().item()
    out["N_row0"] = N[0].tolist()
    out["N_a_n"] = N[stoi['a'], stoi['n']].item()

    # first row as a distribution, and a few draws from it
    p = N[0].float()
    p = p / p.sum()
    print(p)
    out["p0"] = p.tolist()

    g = torch.Generator().manual_seed(2147483647)
    ix = torch.multinomial(p, num_samples=1, replacement=True, generator=g).item()
    print(itos[ix])
    out["first_draw"] = itos[ix]

    g = torch.Generator().manual_seed(2147483647)
    p = torch.rand(3, generator=g)
    p = p / p.sum()
    print(p)
    out["rand3"] = p.tolist()
    draws = torch.multinomial(p, num_samples=100, replacement=True, generator=g)
    print(draws)
    out["draws100"] = draws.tolist()

    # broadcasting: normalize the rows, with smoothing
    P = (N + 1).float()
    P /= P.sum(1, keepdims=True)
    print(P[0].sum(), P.sum(1).shape)
    out["P_row_sums"] = P.sum(1).tolist()

    g = torch.Generator().manual_seed(2147483647)
    samples = []
    for i in range(10):
        name = []
        ix = 0
        while True:
            p = P[ix]
            ix = torch.multinomial(p, num_samples=1, replacement=True, generator=g).item()
            name.append(itos[ix])
            if ix == 0:
                break
        print(''.join(name))
        samples.append(''.join(name))
    out["count_samples"] = samples

    # quality of the model: the average negative log likelihood
    log_likelihood = 0.0
    n = 0
    printed = []
    for w in words:
        chs = ['.'] + list(w) + ['.']
        for ch1, ch2 in zip(chs, chs[1:]):
            ix1 = stoi[ch1]
            ix2 = stoi[ch2]
            prob = P[ix1, ix2]
            logprob = torch.log(prob)
            log_likelihood += logprob
            n += 1
            if w in words[:2]:
                print(f'{ch1}{ch2}: {prob:.4f} {logprob:.4f}')
                printed.append(f'{ch1}{ch2}: {prob:.4f} {logprob:.4f}')
    out["bigram_probs_printed"] = printed
    print(f'{log_likelihood=}')
    nll = -log_likelihood
    print(f'{nll=}')
    print(f'{nll/n}')
    out["nll_printed"] = f'{nll/n}'
    out["count_nll"] = (nll / n).item()

    # ---- the same as a neural net: the training set of bigrams (x, y)
    xs, ys = [], []
    for w in words:
        chs = ['.'] + list(w) + ['.']
        for ch1, ch2 in zip(chs, chs[1:]):
            ix1 = stoi[ch1]
            ix2 = stoi[ch2]
            xs.append(ix1)
            ys.append(ix2)
    xs = torch.tensor(xs)
    ys = torch.tensor(ys)
    num = xs.nelement()
    print('number of examples: ', num)

    xenc = F.one_hot(xs, num_classes=27).float()
    print(xenc.shape, xenc.dtype)
    out["xenc_dtype"] = str(xenc.dtype)

    g = torch.Generator().manual_seed(2147483647)
    W = torch.randn((27, 27), generator=g, requires_grad=True)
    out["W_init_00"] = W[0, 0].item()

    losses = []
    for k in range(100):
        # forward pass
        xenc = F.one_hot(xs, num_classes=27).float()  # input to the network: one-hot encoding
        logits = xenc @ W  # predict log-counts
        counts = logits.exp()  # counts, equivalent to N
        probs = counts / counts.sum(1, keepdims=True)  # probabilities for next character
        loss = -probs[torch.arange(num), ys].log().mean() + 0.01 * (W**2).mean()
        print(f"{loss.item():.4f}")
        losses.append(loss.item())

        # backward pass
        W.grad = None  # set to zero the gradient
        loss.backward()

        # update
        W.data += -50 * W.grad
    out["nn_losses"] = losses

    # sample from the neural net model
    g = torch.Generator().manual_seed(2147483647)
    samples = []
    for i in range(10):
        name = []
        ix = 0
        while True:
            xenc = F.one_hot(torch.tensor([ix]), num_classes=27).float()
            logits = xenc @ W
            counts = logits.exp()
            p = counts / counts.sum(1, keepdims=True)
            ix = torch.multinomial(p, num_samples=1, replacement=True, generator=g).item()
            name.append(itos[ix])
            if ix == 0:
                break
        print(''.join(name))
        samples.append(''.join(name))
    out["nn_samples"] = samples
    return out


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from _backend import cli

    cli(main)

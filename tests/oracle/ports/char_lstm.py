"""A character-level LSTM language model on the names, trained with truncated BPTT.

``nn.Embedding`` into a two-layer ``nn.LSTM(batch_first=True)`` and a linear decoder; the text
is cut into ``batch_size`` parallel streams walked ``seq_len`` characters at a time, the hidden
state carried across chunks with ``h.detach()``, gradients clipped with
``nn.utils.clip_grad_norm_``; then sampling one character at a time with a temperature.
"""

import gzip
from pathlib import Path

NAMES = Path(__file__).resolve().parents[3] / "microtensor" / "data" / "names.txt.gz"


def main(torch, nn, F):
    out = {}
    torch.manual_seed(0)

    with gzip.open(NAMES, 'rt') as f:
        names = [line for line in f.read().splitlines() if line and not line.startswith('#')]
    text = '.'.join(names[:2000]) + '.'
    chars = sorted(set(text))
    char2idx = {c: i for i, c in enumerate(chars)}
    idx2char = {i: c for c, i in char2idx.items()}
    vocab_size = len(chars)
    print(f'{len(text)} characters, vocab {vocab_size}')
    out["text_len"] = len(text)
    out["vocab_size"] = vocab_size

    # batchify: batch_size parallel streams, as in the word language model example
    batch_size = 16
    seq_len = 25
    data = torch.tensor([char2idx[c] for c in text], dtype=torch.long)
    nbatch = data.size(0) // batch_size
    data = data.narrow(0, 0, nbatch * batch_size)
    data = data.view(batch_size, -1).contiguous()  # (batch, nbatch)
    print(data.shape)
    out["data_shape"] = tuple(data.shape)

    def get_batch(source, i):
        seq = min(seq_len, source.size(1) - 1 - i)
        x = source[:, i:i + seq]
        y = source[:, i + 1:i + 1 + seq]
        return x, y

    class CharRNN(nn.Module):
        def __init__(self, vocab_size, embed_dim, hidden_size, num_layers, dropout=0.0):
            super().__init__()
            self.hidden_size = hidden_size
            self.num_layers = num_layers
            self.embed = nn.Embedding(vocab_size, embed_dim)
            self.lstm = nn.LSTM(embed_dim, hidden_size, num_layers, batch_first=True, dropout=dropout)
            self.fc = nn.Linear(hidden_size, vocab_size)

        def forward(self, x, hidden=None):
            emb = self.embed(x)  # (B, T, E)
            output, hidden = self.lstm(emb, hidden)  # (B, T, H)
            logits = self.fc(output)  # (B, T, V)
            return logits, hidden

        def init_hidden(self, batch_size):
            weight = next(self.parameters())
            return (weight.new_zeros(self.num_layers, batch_size, self.hidden_size),
                    weight.new_zeros(self.num_layers, batch_size, self.hidden_size))

    def repackage_hidden(h):
        """Wraps hidden states in new Tensors, to detach them from their history."""
        if isinstance(h, torch.Tensor):
            return h.detach()
        else:
            return tuple(repackage_hidden(v) for v in h)

    model = CharRNN(vocab_size, embed_dim=16, hidden_size=64, num_layers=2)
    print(model)
    out["repr"] = str(model)
    out["nparams"] = sum(p.numel() for p in model.parameters() if p.requires_grad)
    out["param_shapes"] = [(n, tuple(p.shape)) for n, p in model.named_parameters()]
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.005)
    clip = 1.0

    losses = []
    grad_norms = []
    for epoch in range(2):
        model.train()
        hidden = model.init_hidden(batch_size)
        total_loss = 0.0
        nchunks = 0
        for i in range(0, data.size(1) - 1, seq_len):
            x, y = get_batch(data, i)
            # truncated BPTT: keep the state, drop its history
            hidden = repackage_hidden(hidden)
            optimizer.zero_grad()
            logits, hidden = model(x, hidden)
            loss = criterion(logits.reshape(-1, vocab_size), y.reshape(-1))
            loss.backward()
            norm = nn.utils.clip_grad_norm_(model.parameters(), clip)
            optimizer.step()
            total_loss += loss.item()
            nchunks += 1
            losses.append(loss.item())
            grad_norms.append(float(norm))
        print(f'epoch {epoch}: loss {total_loss / nchunks:.4f} ({nchunks} chunks)')
    out["nchunks"] = nchunks
    out["first_losses"] = losses[:10]
    out["first_grad_norms"] = grad_norms[:10]
    out["train_losses"] = losses
    out["grad_norms"] = grad_norms
    out["hidden_shape"] = [tuple(h.shape) for h in hidden]
    out["hidden_requires_grad"] = [h.requires_grad for h in hidden]
    out["hidden_detached"] = [h.detach().requires_grad for h in hidden]

    # evaluation over the whole text with one stream
    model.eval()
    with torch.no_grad():
        stream = data.view(1, -1)
        hidden = model.init_hidden(1)
        logits, hidden = model(stream[:, :-1], hidden)
        eval_loss = F.cross_entropy(logits.view(-1, vocab_size), stream[:, 1:].reshape(-1))
    print(f'eval loss {eval_loss.item():.4f}')
    out["eval_loss"] = eval_loss.item()

    # sample
    def sample(model, start='.', length=80, temperature=0.8):
        model.eval()
        idx = torch.tensor([[char2idx[start]]])
        hidden = None
        result = []
        with torch.no_grad():
            for _ in range(length):
                logits, hidden = model(idx, hidden)
                probs = F.softmax(logits[0, -1] / temperature, dim=-1)
                nxt = torch.multinomial(probs, 1).item()
                result.append(idx2char[nxt])
                idx = torch.tensor([[nxt]])
        return ''.join(result)

    s = sample(model)
    print(s)
    out["sample"] = s
    return out


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from _backend import cli

    cli(main)
